/**
 * What a {@link FakeProvider} answers: plain data, scriptable per request.
 *
 * **Details**
 *
 * A behaviour is either a fixed answer (`ok`, `rateLimited`, `overloaded`,
 * `hang`, ...) or a function of the incoming request (`dynamic`, `timeline`)
 * returning one. Request indices and elapsed time count from the moment the
 * behaviour was set, so `setBehavior(timeline(...))` starts a fresh timeline.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"

/**
 * A request as the fake provider saw it, given to dynamic behaviours.
 *
 * @since 0.1.0
 * @category models
 */
export interface FakeRequest {
  /** 0-based index since the behaviour was set. */
  readonly index: number
  /** 0-based index since the server started. */
  readonly totalIndex: number
  /** Millis since the behaviour was set (from the provider's `clock`). */
  readonly elapsedMillis: number
  readonly method: string
  readonly path: string
  /** The parsed JSON body, or `undefined` if it was not JSON. */
  readonly body: unknown
  readonly model: string | undefined
  readonly stream: boolean
}

/**
 * @since 0.1.0
 * @category models
 */
export type InvalidKind = "context_length" | "content_policy" | "invalid" | "too_large" | "not_found"

/**
 * @since 0.1.0
 * @category models
 */
export type Behavior =
  | { readonly _tag: "Ok"; readonly text: string }
  | {
    readonly _tag: "RateLimited"
    readonly retryAfter: Duration.Duration | undefined
    readonly limit: "requests" | "tokens"
    readonly headers: Readonly<Record<string, string>>
  }
  | { readonly _tag: "ServerError"; readonly status: number }
  | { readonly _tag: "Unavailable" }
  | { readonly _tag: "Overloaded" }
  | { readonly _tag: "QuotaExhausted" }
  | { readonly _tag: "InvalidRequest"; readonly kind: InvalidKind }
  | { readonly _tag: "Unauthorized" }
  | { readonly _tag: "Hang" }
  | { readonly _tag: "Reset" }
  | { readonly _tag: "Malformed" }
  | { readonly _tag: "StreamFailsMidway"; readonly mode: "error-event" | "cut" | "stall"; readonly after: number; readonly text: string }
  | { readonly _tag: "Delay"; readonly millis: number; readonly behavior: Behavior }
  | {
    readonly _tag: "Respond"
    readonly status: number
    readonly headers: Readonly<Record<string, string>>
    readonly body: string
  }
  | { readonly _tag: "Dynamic"; readonly respond: (request: FakeRequest) => Behavior }

/**
 * A successful answer with the given text (JSON, or SSE deltas when the client streams).
 *
 * @since 0.1.0
 * @category constructors
 */
export const ok = (text = "Hello from the fake provider"): Behavior => ({ _tag: "Ok", text })

/**
 * HTTP 429 with `retry-after` (and `retry-after-ms` for OpenAI) when
 * `retryAfter` is given, the flavor's rate-limit headers marking `limit`
 * exhausted, and any extra `headers` (which win).
 *
 * @since 0.1.0
 * @category constructors
 */
export const rateLimited = (options?: {
  readonly retryAfter?: Duration.DurationInput | undefined
  readonly limit?: "requests" | "tokens" | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
}): Behavior => ({
  _tag: "RateLimited",
  retryAfter: options?.retryAfter === undefined ? undefined : Duration.decode(options.retryAfter),
  limit: options?.limit ?? "requests",
  headers: options?.headers ?? {}
})

/**
 * A 5xx with the flavor's `api_error` / `server_error` body (default 500).
 *
 * @since 0.1.0
 * @category constructors
 */
export const serverError = (status = 500): Behavior => ({ _tag: "ServerError", status })

/**
 * HTTP 503 Service Unavailable (a plain server error, not an overload).
 *
 * @since 0.1.0
 * @category constructors
 */
export const unavailable: Behavior = { _tag: "Unavailable" }

/**
 * Anthropic's HTTP 529 `overloaded_error` (for OpenAI: 503 with an
 * "overloaded" message, which is what OpenAI sends).
 *
 * @since 0.1.0
 * @category constructors
 */
export const overloaded: Behavior = { _tag: "Overloaded" }

/**
 * A spent quota: OpenAI 429 `insufficient_quota`, Anthropic 400 `billing_error`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const quotaExhausted: Behavior = { _tag: "QuotaExhausted" }

/**
 * A rejected request: 400 (context length, content policy, invalid), 413 (too
 * large) or 404 (not found), with the flavor's error body.
 *
 * @since 0.1.0
 * @category constructors
 */
export const invalidRequest = (kind: InvalidKind = "invalid"): Behavior => ({ _tag: "InvalidRequest", kind })

/**
 * HTTP 401 with the flavor's authentication error.
 *
 * @since 0.1.0
 * @category constructors
 */
export const unauthorized: Behavior = { _tag: "Unauthorized" }

/**
 * Never answers, until the client gives up or the provider's scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const hang: Behavior = { _tag: "Hang" }

/**
 * Destroys the socket without answering (the client sees a reset / closed connection).
 *
 * @since 0.1.0
 * @category constructors
 */
export const reset: Behavior = { _tag: "Reset" }

/**
 * HTTP 200 with `content-type: application/json` and a body that is not JSON.
 *
 * @since 0.1.0
 * @category constructors
 */
export const malformed: Behavior = { _tag: "Malformed" }

/**
 * Starts a successful answer and fails after `after` text deltas: with the
 * provider's mid-stream error event (Anthropic `event: error` with an
 * `overloaded_error`; OpenAI an `error` event), by cutting the connection, or
 * (`"stall"`) by going silent with the connection open, until the client gives
 * up or the provider's scope closes. A non-streaming request gets half a JSON body and a cut connection.
 *
 * @since 0.1.0
 * @category constructors
 */
export const streamFailsMidway = (options?: {
  readonly mode?: "error-event" | "cut" | "stall" | undefined
  readonly after?: number | undefined
  readonly text?: string | undefined
}): Behavior => ({
  _tag: "StreamFailsMidway",
  mode: options?.mode ?? "error-event",
  after: options?.after ?? 2,
  text: options?.text ?? "one two three four five"
})

/**
 * Waits `duration` (wall clock, on the server) before behaving as `behavior`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const delay = (duration: Duration.DurationInput, behavior: Behavior): Behavior => ({
  _tag: "Delay",
  millis: Duration.toMillis(Duration.decode(duration)),
  behavior
})

/**
 * A good answer of `text` that takes `perToken` for each of its output tokens
 * (its words: what the answer's usage reports), after `firstToken`: a provider
 * that answers slowly per token (a brownout) or at its normal pace, as a
 * slow-call policy with `perOutputToken` sees it.
 *
 * @since 0.2.0
 * @category constructors
 */
export const perToken = (
  perToken: Duration.DurationInput,
  text: string,
  firstToken: Duration.DurationInput = 0
): Behavior => {
  const tokens = text.split(/\s+/).filter((w) => w.length > 0).length
  const millis = Duration.toMillis(Duration.decode(firstToken)) + tokens * Duration.toMillis(Duration.decode(perToken))
  return delay(millis, ok(text))
}

/**
 * A raw answer: any status, headers and body (for garbage-header tests).
 *
 * @since 0.1.0
 * @category constructors
 */
export const respond = (options: {
  readonly status: number
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly body?: string | undefined
}): Behavior => ({ _tag: "Respond", status: options.status, headers: options.headers ?? {}, body: options.body ?? "" })

/**
 * A behaviour computed per request (from its index, elapsed time, parsed body).
 *
 * @since 0.1.0
 * @category constructors
 */
export const dynamic = (respond: (request: FakeRequest) => Behavior): Behavior => ({ _tag: "Dynamic", respond })

/**
 * One phase of a {@link timeline}: lasts `requests` requests or `duration`
 * of elapsed time (whichever ends first; a phase with neither never ends).
 *
 * @since 0.1.0
 * @category models
 */
export interface Phase {
  readonly behavior: Behavior
  readonly requests?: number | undefined
  readonly duration?: Duration.DurationInput | undefined
}

/**
 * Phases played in order, e.g. three successes, then an outage of five
 * requests, then recovery. A phase starts when the previous one ends (its
 * request count and time count from there); the last phase lasts forever.
 * The position restarts when the behaviour is set again.
 *
 * @since 0.1.0
 * @category constructors
 */
export const timeline = (phases: ReadonlyArray<Phase>): Behavior => {
  const resolved = phases.map((p) => ({
    behavior: p.behavior,
    requests: p.requests ?? Infinity,
    millis: p.duration === undefined ? Infinity : Duration.toMillis(Duration.decode(p.duration))
  }))
  if (resolved.length === 0) throw new Error("timeline: expected at least one phase")
  let current = 0
  let startIndex = 0
  let startMillis = 0
  return dynamic((request) => {
    if (request.index === 0) {
      current = 0
      startIndex = 0
      startMillis = request.elapsedMillis
    }
    for (;;) {
      const phase = resolved[current]!
      const ended = request.index - startIndex >= phase.requests || request.elapsedMillis - startMillis >= phase.millis
      if (!ended || current === resolved.length - 1) return phase.behavior
      // the next phase starts where this one ended
      startIndex = Math.min(request.index, startIndex + phase.requests)
      startMillis = Math.min(request.elapsedMillis, startMillis + phase.millis)
      current++
    }
  })
}
