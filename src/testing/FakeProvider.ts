/**
 * A fake LLM provider for tests: a real `node:http` server on 127.0.0.1 that
 * speaks the OpenAI Responses API or the Anthropic Messages API, and fails on
 * demand.
 *
 * **Details**
 *
 * Point a real client at it (`OpenAiClient.layer({ apiUrl: fake.url })`,
 * `AnthropicClient.layer({ apiUrl: fake.url })`, or any `HttpClient`) and
 * script what it answers with {@link Behavior}s: per request, replaced at run
 * time with `setBehavior`, or as a timeline of phases. It counts requests (in
 * total and by behaviour) and keeps a bounded log of them; it never stores
 * request headers, only whether credentials were present.
 *
 * The server lives in a `Scope`: closing the scope destroys every open socket
 * (so a hanging request does not keep the process alive) and stops the server.
 * Since it uses real sockets, run tests that use it with `it.live` /
 * `it.scopedLive`, not under the `TestClock`.
 *
 * **Example**
 *
 * ```ts
 * import { Effect } from "effect"
 * import { Behavior, FakeProvider } from "effect-breaker/testing"
 *
 * const program = Effect.gen(function*() {
 *   const fake = yield* FakeProvider.make({ flavor: "anthropic", behavior: Behavior.overloaded })
 *   // ... call fake.url with a real client, then:
 *   yield* fake.setBehavior(Behavior.ok("back"))
 *   return yield* fake.requests
 * }).pipe(Effect.scoped)
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Http from "node:http"
import type * as Net from "node:net"
import { errorAnswer } from "../internal/testing/answers.js"
import * as Wire from "../internal/testing/wire.js"
import type { Behavior, FakeRequest } from "./Behavior.js"

/**
 * Which API the fake speaks.
 *
 * @since 0.1.0
 * @category models
 */
export type Flavor = "openai" | "anthropic"

/**
 * One entry of the request log. Headers are never kept: only whether an
 * `authorization` or `x-api-key` header was present.
 *
 * @since 0.1.0
 * @category models
 */
export interface LoggedRequest {
  readonly index: number
  readonly method: string
  readonly path: string
  /** Millis since the server started (from the provider's `clock`). */
  readonly at: number
  readonly model: string | undefined
  readonly stream: boolean
  readonly hasAuth: boolean
  /** The `_tag` of the behaviour that answered (after `Dynamic` and `Delay` are resolved). */
  readonly outcome: string
}

/**
 * A running fake provider.
 *
 * @since 0.1.0
 * @category models
 */
export interface FakeProvider {
  readonly flavor: Flavor
  readonly port: number
  /** `http://127.0.0.1:PORT` */
  readonly baseUrl: string
  /**
   * The `apiUrl` to give the flavor's client: `http://127.0.0.1:PORT/v1` for
   * OpenAI (which appends `/responses`), the base URL for Anthropic (which
   * appends `/v1/messages`).
   */
  readonly url: string
  /** Replaces the behaviour; request indices and elapsed time restart from 0. */
  readonly setBehavior: (behavior: Behavior) => Effect.Effect<void>
  /** Requests received so far (including ones still hanging). */
  readonly requests: Effect.Effect<number>
  /** Requests received so far by the `_tag` of the behaviour that answered. */
  readonly counts: Effect.Effect<Readonly<Record<string, number>>>
  /** The most recent requests, oldest first (at most `logLimit`). */
  readonly log: Effect.Effect<ReadonlyArray<LoggedRequest>>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly flavor: Flavor
  /** Defaults to `Behavior.ok()`. */
  readonly behavior?: Behavior | undefined
  /** How many requests the log keeps (default 1,000). */
  readonly logLimit?: number | undefined
  /** The clock for elapsed time and `retry-after` dates, epoch millis (default `Date.now`). */
  readonly clock?: (() => number) | undefined
  /** The model reported in answers when the request names none. */
  readonly model?: string | undefined
}

/**
 * The fake provider as a service, for tests that provide it with a layer.
 *
 * @since 0.1.0
 * @category tags
 */
export const FakeProvider: Context.Tag<FakeProvider, FakeProvider> = Context.GenericTag<FakeProvider>(
  "effect-breaker/testing/FakeProvider"
)

const PATHS: Record<Flavor, string> = { openai: "/v1/responses", anthropic: "/v1/messages" }
const MAX_BODY = 10 * 1024 * 1024

interface State {
  behavior: Behavior
  setAtIndex: number
  setAtMillis: number
  total: number
  counts: Record<string, number>
  log: Array<LoggedRequest>
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const bearer = (req: Http.IncomingMessage): string | undefined => {
  const auth = req.headers.authorization
  if (typeof auth === "string" && auth.startsWith("Bearer ")) return auth.slice(7)
  const key = req.headers["x-api-key"]
  return typeof key === "string" ? key : undefined
}

const makeServer = (options: Options) => {
  const flavor = options.flavor
  const clock = options.clock ?? Date.now
  const logLimit = options.logLimit ?? 1000
  const startedAt = clock()
  const sockets = new Set<Net.Socket>()
  const timers = new Set<ReturnType<typeof setTimeout>>()
  const state: State = {
    behavior: options.behavior ?? { _tag: "Ok", text: "Hello from the fake provider" },
    setAtIndex: 0,
    setAtMillis: startedAt,
    total: 0,
    counts: {},
    log: []
  }

  const resolve = (behavior: Behavior, request: FakeRequest): Behavior => {
    let current = behavior
    for (let depth = 0; current._tag === "Dynamic" && depth < 100; depth++) current = current.respond(request)
    return current
  }

  const sendJson = (res: Http.ServerResponse, status: number, headers: Record<string, string>, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json", "x-request-id": "req_fake", ...headers })
    res.end(JSON.stringify(body))
  }

  const answer = (
    req: Http.IncomingMessage,
    res: Http.ServerResponse,
    behavior: Behavior,
    request: FakeRequest,
    id: string
  ): void => {
    const model = request.model ?? options.model ?? (flavor === "openai" ? "gpt-4o-mini" : "claude-3-5-haiku-latest")
    const error = errorAnswer(flavor, behavior, clock(), bearer(req))
    if (error !== undefined) return sendJson(res, error.status, error.headers, error.body)
    switch (behavior._tag) {
      case "Ok":
        if (!request.stream) return sendJson(res, 200, {}, Wire.okBody(flavor, id, model, behavior.text))
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
        for (
          const event of [
            ...Wire.streamHead(flavor, id, model),
            ...Wire.streamDeltas(flavor, id, behavior.text),
            ...Wire.streamTail(flavor, id, model, behavior.text)
          ]
        ) res.write(Wire.sse(event))
        return void res.end()
      case "StreamFailsMidway": {
        if (!request.stream) {
          res.writeHead(200, { "content-type": "application/json" })
          const body = JSON.stringify(Wire.okBody(flavor, id, model, behavior.text))
          res.write(body.slice(0, Math.floor(body.length / 2)))
          return void setImmediate(() => req.socket.destroy())
        }
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
        const events = [
          ...Wire.streamHead(flavor, id, model),
          ...Wire.streamDeltas(flavor, id, behavior.text).slice(0, behavior.after)
        ]
        for (const event of events) res.write(Wire.sse(event))
        if (behavior.mode === "cut") return void setImmediate(() => req.socket.destroy())
        if (behavior.mode === "stall") return
        const spec = flavor === "openai"
          ? { type: "server_error", code: "server_error", message: "The server had an error while streaming." }
          : { type: "overloaded_error", message: "Overloaded" }
        res.write(Wire.sse(Wire.streamError(flavor, spec)))
        return void res.end()
      }
      case "Hang":
        return
      case "Reset":
        return void req.socket.destroy()
      case "Malformed":
        res.writeHead(200, { "content-type": "application/json" })
        return void res.end("<html>upstream proxy says hi</html>{")
      case "Respond":
        res.writeHead(behavior.status, behavior.headers)
        return void res.end(behavior.body)
      case "Delay": {
        const timer = setTimeout(() => {
          timers.delete(timer)
          answer(req, res, resolve(behavior.behavior, request), request, id)
        }, behavior.millis)
        return void timers.add(timer)
      }
      default:
        // Dynamic is resolved before; error behaviours answered above.
        return sendJson(res, 500, {}, { error: { type: "server_error", message: `unhandled ${behavior._tag}` } })
    }
  }

  const outcomeOf = (behavior: Behavior, request: FakeRequest): string => {
    let current = resolve(behavior, request)
    while (current._tag === "Delay") current = resolve(current.behavior, request)
    return current._tag
  }

  const handle = (req: Http.IncomingMessage, res: Http.ServerResponse, rawBody: string): void => {
    const now = clock()
    const body = parseJson(rawBody)
    const record = typeof body === "object" && body !== null ? body as Record<string, unknown> : {}
    const path = (req.url ?? "/").split("?")[0] ?? "/"
    const totalIndex = state.total++
    const request: FakeRequest = {
      index: totalIndex - state.setAtIndex,
      totalIndex,
      elapsedMillis: now - state.setAtMillis,
      method: req.method ?? "GET",
      path,
      body,
      model: typeof record.model === "string" ? record.model : undefined,
      stream: record.stream === true
    }
    const behavior: Behavior = req.method !== "POST" || path !== PATHS[flavor]
      ? { _tag: "InvalidRequest", kind: "not_found" }
      : resolve(state.behavior, request)
    const outcome = outcomeOf(behavior, request)
    state.counts[outcome] = (state.counts[outcome] ?? 0) + 1
    state.log.push({
      index: totalIndex,
      method: request.method,
      path,
      at: now - startedAt,
      model: request.model,
      stream: request.stream,
      hasAuth: req.headers.authorization !== undefined || req.headers["x-api-key"] !== undefined,
      outcome
    })
    if (state.log.length > logLimit) state.log.splice(0, state.log.length - logLimit)
    answer(req, res, behavior, request, String(totalIndex))
  }

  const server = Http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY) chunks.push(chunk)
    })
    req.on("end", () => handle(req, res, Buffer.concat(chunks).toString("utf8")))
    req.on("error", () => req.socket.destroy())
  })
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })

  const close = () => {
    for (const timer of timers) clearTimeout(timer)
    timers.clear()
    for (const socket of sockets) socket.destroy()
    sockets.clear()
  }
  return { server, state, close, clock }
}

/**
 * Starts a fake provider on 127.0.0.1 with an ephemeral port, for the
 * lifetime of the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<FakeProvider, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<ReturnType<typeof makeServer> & { readonly port: number }>((resume) => {
      const fake = makeServer(options)
      fake.server.once("error", (error) => resume(Effect.die(error)))
      fake.server.listen(0, "127.0.0.1", () => {
        const address = fake.server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(Effect.succeed({ ...fake, port }))
      })
    }),
    (fake) =>
      Effect.async<void>((resume) => {
        fake.close()
        fake.server.close(() => resume(Effect.void))
        fake.server.closeAllConnections()
      })
  ).pipe(Effect.map(({ clock, port, state }): FakeProvider => {
    const baseUrl = `http://127.0.0.1:${port}`
    return {
      flavor: options.flavor,
      port,
      baseUrl,
      url: options.flavor === "openai" ? `${baseUrl}/v1` : baseUrl,
      setBehavior: (behavior) =>
        Effect.sync(() => {
          state.behavior = behavior
          state.setAtIndex = state.total
          state.setAtMillis = clock()
        }),
      requests: Effect.sync(() => state.total),
      counts: Effect.sync(() => ({ ...state.counts })),
      log: Effect.sync(() => state.log.slice())
    }
  }))

/**
 * A layer providing a {@link FakeProvider} service, closed with the layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<FakeProvider> => Layer.scoped(FakeProvider, make(options))

/**
 * A loopback port on which nothing listens (it was bound, then closed), for
 * testing connection-refused paths. Another process could take it in between;
 * on a test machine that is rare enough.
 *
 * @since 0.1.0
 * @category constructors
 */
export const closedPort: Effect.Effect<number> = Effect.async<number>((resume) => {
  const server = Http.createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})
