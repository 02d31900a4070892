/**
 * The composed policy against a real `node:http` server on 127.0.0.1: it really
 * answers 503, 429 with Retry-After, or hangs. Real sockets need the live clock
 * (`it.live`); the waits here are the tiny retry delays and a 200 ms timeout.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Data, Duration, Effect, Exit, Option } from "effect"
import { CircuitBreaker, CircuitOpenError, TripPolicy } from "effect-breaker"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { RateLimitGate, Resilience } from "./lib.js"

class HttpStatus extends Data.TaggedError("HttpStatus")<{ readonly status: number; readonly retryAfter?: Duration.Duration }> {}

/** A server whose n-th request (1-based) is answered by `answer(n, res)`. */
const server = (answer: (n: number, res: ServerResponse) => void) =>
  Effect.acquireRelease(
    Effect.async<{ url: string; hits: () => number }>((resume) => {
      let hits = 0
      const s = createServer((_req: IncomingMessage, res: ServerResponse) => answer(++hits, res))
      s.listen(0, "127.0.0.1", () => {
        const { port } = s.address() as AddressInfo
        resume(Effect.succeed({ url: `http://127.0.0.1:${port}/`, hits: () => hits, server: s } as any))
      })
    }),
    (h: any) => Effect.async<void>((resume) => { h.server.closeAllConnections(); h.server.close(() => resume(Effect.void)) })
  )

/** GET `url`; non-2xx is an `HttpStatus` with the Retry-After hint. Interruption aborts the request. */
const get = (url: string) =>
  Effect.flatMap(
    Effect.tryPromise({ try: (signal) => fetch(url, { signal }), catch: () => new HttpStatus({ status: 0 }) }),
    (res) => {
      if (res.ok) return Effect.promise(() => res.text())
      const ra = Number(res.headers.get("retry-after"))
      return Effect.fail(new HttpStatus(Number.isFinite(ra) && ra > 0 ? { status: res.status, retryAfter: Duration.seconds(ra) } : { status: res.status }))
    }
  )

const transient = (e: HttpStatus) => e.status === 0 || e.status === 429 || e.status >= 500

describe("Resilience against a real HTTP server", () => {
  it.scopedLive("503, 503, then 200: retried through the breaker and served", () =>
    Effect.gen(function*() {
      const srv = yield* server((n, res) => {
        res.writeHead(n <= 2 ? 503 : 200).end(n <= 2 ? "busy" : "hello")
      })
      const breaker = yield* CircuitBreaker.make({ name: "http", policy: TripPolicy.consecutiveFailures(5) })
      const policy = yield* Resilience.make({ breaker, timeout: "2 seconds", retry: { base: "10 millis", while: transient } })
      assert.strictEqual(yield* policy(get(srv.url)), "hello")
      assert.strictEqual(srv.hits(), 3)
      assert.strictEqual((yield* breaker.stats).consecutiveFailures, 0)
    }))

  it.scopedLive("429 with Retry-After: 30 beyond maxWait: fails at once, and the gate keeps further calls off the wire", () =>
    Effect.gen(function*() {
      const srv = yield* server((_n, res) => {
        res.writeHead(429, { "retry-after": "30" }).end("slow down")
      })
      const breaker = yield* CircuitBreaker.make({ name: "http-429" })
      const gate = yield* RateLimitGate.make({
        name: "http",
        resetAfter: (exit) => {
          const e = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
          return Option.isSome(e) && e.value instanceof HttpStatus && e.value.status === 429 ? e.value.retryAfter : undefined
        }
      })
      const policy = yield* Resilience.make({
        breaker,
        gate: { gate, key: "api" },
        retry: { while: transient, retryAfter: (e: HttpStatus) => e.retryAfter, maxWait: "5 seconds" }
      })
      const started = Date.now()
      const first = yield* Effect.flip(policy(get(srv.url)))
      assert.strictEqual(first._tag, "HttpStatus")
      assert.isBelow(Date.now() - started, 1_000, "no waiting for a 30 s hint")
      const second = yield* Effect.flip(policy(get(srv.url)))
      assert.instanceOf(second, RateLimitGate.GateClosedError)
      assert.strictEqual(srv.hits(), 1, "the second call never reached the server")
    }))

  it.scopedLive("a hanging server: each attempt times out inside the breaker, which opens after 2; the server saw 2 requests", () =>
    Effect.gen(function*() {
      const srv = yield* server(() => {/* never answers */})
      const breaker = yield* CircuitBreaker.make({ name: "http-hang", policy: TripPolicy.consecutiveFailures(2), openDuration: "1 minute" })
      const policy = yield* Resilience.make({ breaker, timeout: "200 millis", retry: { times: 5, base: "10 millis", jitter: 0 } })
      const error = yield* Effect.flip(policy(get(srv.url)))
      assert.isTrue(Cause.isTimeoutException(error))
      assert.strictEqual(srv.hits(), 2)
      assert.strictEqual((yield* breaker.stats).state, "Open")
      const rejected = yield* Effect.flip(policy(get(srv.url)))
      assert.instanceOf(rejected, CircuitOpenError)
      assert.strictEqual(srv.hits(), 2)
    }))
})
