/**
 * The admin API's routes over the `BreakerRegistry` in context.
 *
 * @internal
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import { BreakerRegistry, checkHealth, type Entry, evaluateHealth, type HealthOptions, thresholdsOf } from "../BreakerRegistry.js"
import { makeScrubber } from "../internal/secrets.js"
import { bearer } from "./auth.js"
import { allowOf, hostCheck, readBody, TooLarge } from "./conformance.js"
import * as Json from "./json.js"

/** @internal */
export interface AppOptions {
  readonly token: Redacted.Redacted<string>
  /** Host names answered besides loopback names and IP literals (validated by the public module). */
  readonly allowedHosts?: ReadonlyArray<string> | undefined
  readonly metrics?: Effect.Effect<string, unknown> | undefined
  readonly health?: HealthOptions | undefined
}

/** The manual actions, by their path segment. @internal */
export const actions = {
  "force-open": (e: Entry) => e.breaker.forceOpen,
  "force-close": (e: Entry) => e.breaker.reset,
  "reset": (e: Entry) => e.breaker.reset,
  "disable": (e: Entry) => e.breaker.disable,
  "metrics-only": (e: Entry) => e.breaker.metricsOnly
} as const

type Action = keyof typeof actions

const isAction = (s: string): s is Action => Object.prototype.hasOwnProperty.call(actions, s)

const json = (status: number, body: unknown) => HttpServerResponse.unsafeJson(body, { status })

const noStore = { "cache-control": "no-store" }

const notFound = (name: string) =>
  HttpServerResponse.unsafeJson(Json.error("not_found", "no breaker of this name", { breaker: name.slice(0, 200) }), {
    status: 404,
    headers: noStore
  })

const unauthorized = HttpServerResponse.unsafeJson(
  Json.error("unauthorized", "this route needs Authorization: Bearer <admin token>"),
  { status: 401, headers: { "www-authenticate": "Bearer", ...noStore } }
)

const badRequest = (message: string) => json(400, Json.error("bad_request", message))

const describe = (entry: Entry, options: HealthOptions | undefined) =>
  Effect.map(entry.breaker.stats, (stats) =>
    Json.breaker(evaluateHealth(stats, thresholdsOf(entry.settings), options), entry.settings))

const maxBody = 4096

/** Reads an optional JSON body `{ "reason": "..." }` for the audit log. Pure. */
const parseReason = (text: string): string | undefined | Error => {
  if (text.trim() === "") return undefined
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return new Error("the body is not valid JSON")
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return new Error("the body must be a JSON object such as {\"reason\": \"incident 42\"}")
  }
  const reason = (body as { reason?: unknown }).reason
  if (reason === undefined) return undefined
  if (typeof reason !== "string" || reason.length > 500) {
    return new Error("\"reason\" must be a string of at most 500 characters")
  }
  return reason
}

const unreadable = new Error("the body could not be read")

/**
 * The body's reason. A body larger than 4 KiB is refused: before it is read
 * when its length is declared, as soon as it passes 4 KiB when it is chunked
 * (the rest is discarded in the background), so the client gets the 413 either way.
 */
const readReason: Effect.Effect<string | undefined | Error | TooLarge, never, HttpServerRequest.HttpServerRequest> =
  Effect.map(
    readBody(maxBody),
    (body) => typeof body === "string" ? parseReason(body) : body instanceof TooLarge ? body : unreadable
  )

/**
 * The routes. Reading routes are open (the server binds to loopback by default);
 * routes that change state need the bearer token.
 *
 * @internal
 */
export const router = (options: AppOptions) => {
  const authorized = bearer(options.token)
  // the admin token is a secret this module knows: an operator may paste it (raw, URL-encoded, in a Basic pair)
  const scrub = makeScrubber([options.token])
  return HttpRouter.empty.pipe(
    HttpRouter.get(
      "/breakers",
      Effect.gen(function*() {
        const registry = yield* BreakerRegistry
        const breakers = yield* Effect.forEach(registry.entries, (e) => describe(e, options.health))
        return json(200, { breakers })
      })
    ),
    HttpRouter.get(
      "/breakers/:name",
      Effect.gen(function*() {
        const { name = "" } = yield* HttpRouter.params
        const entry = (yield* BreakerRegistry).entry(name)
        return entry === undefined ? notFound(scrub(name)) : json(200, yield* describe(entry, options.health))
      })
    ),
    HttpRouter.post(
      "/breakers/:name/:action",
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        if (!authorized(request.headers["authorization"])) return unauthorized
        const { action = "", name = "" } = yield* HttpRouter.params
        if (!isAction(action)) {
          return badRequest(`unknown action; use one of ${Object.keys(actions).join(", ")}`)
        }
        const reason = yield* readReason
        if (reason instanceof TooLarge) {
          return HttpServerResponse.unsafeJson(Json.error("payload_too_large", reason.message), { status: 413 })
        }
        if (reason instanceof Error) return badRequest(reason.message)
        const entry = (yield* BreakerRegistry).entry(name)
        if (entry === undefined) return notFound(scrub(name))
        yield* actions[action](entry)
        yield* Effect.logInfo("circuit breaker changed by an operator").pipe(
          // the operator's free text goes through the scrubber: a pasted key must not land in the audit log
          Effect.annotateLogs({ breaker: name, action, ...(reason === undefined ? {} : { reason: scrub(reason) }) })
        )
        return json(200, { action, ...(yield* describe(entry, options.health)) })
      })
    ),
    HttpRouter.get(
      "/health",
      Effect.map(checkHealth(options.health), (report) =>
        HttpServerResponse.unsafeJson(Json.report(report), {
          status: report.status === "failed" ? 503 : 200,
          headers: noStore
        }))
    ),
    HttpRouter.get(
      "/metrics",
      options.metrics === undefined
        ? Effect.succeed(json(404, Json.error("not_found", "no metrics source was given to the admin API")))
        : Effect.match(options.metrics, {
          onFailure: () => json(500, Json.error("metrics_unavailable", "the metrics source failed")),
          onSuccess: (text) =>
            HttpServerResponse.text(text, { contentType: "text/plain; version=0.0.4; charset=utf-8" })
        })
    )
  )
}

const misdirected = HttpServerResponse.unsafeJson(
  Json.error(
    "misdirected_request",
    "this server does not answer for that Host; add the name to the admin API's allowedHosts"
  ),
  { status: 421, headers: noStore }
)

const noRoute = (request: HttpServerRequest.HttpServerRequest) => {
  const allow = allowOf(request.url)
  return allow === undefined
    ? json(404, Json.error("not_found", "no such route"))
    : HttpServerResponse.unsafeJson(
      Json.error("method_not_allowed", `${request.method} is not served here; use ${allow}`),
      { status: 405, headers: { allow } }
    )
}

/**
 * The routes as an app that answers every request with JSON: a Host that is not
 * a loopback name, an IP literal or an allowed name 421 (DNS rebinding), a known
 * path with another method 405 with `Allow`, unknown routes 404, anything
 * unexpected 500 (with no detail in the body).
 *
 * @internal
 */
export const app = (options: AppOptions) => {
  const hostAllowed = hostCheck(options.allowedHosts ?? [])
  const routes = router(options).pipe(
    Effect.catchTag("RouteNotFound", (e) => Effect.succeed(noRoute(e.request))),
    Effect.catchAll(() => Effect.succeed(json(500, Json.error("internal", "the admin API failed")))),
    Effect.catchAllDefect(() => Effect.succeed(json(500, Json.error("internal", "the admin API failed"))))
  )
  return Effect.flatMap(
    HttpServerRequest.HttpServerRequest,
    (request) => hostAllowed(request.headers["host"]) ? routes : Effect.succeed(misdirected)
  )
}
