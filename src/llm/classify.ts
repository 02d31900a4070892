/**
 * From an HTTP answer (status, headers, body) to a {@link ProviderError}, and
 * from a finished call to a breaker `Outcome`.
 *
 * **Details**
 *
 * {@link fromResponse} knows the error bodies of OpenAI (`{ error: { type,
 * code, message } }`) and Anthropic (`{ type: "error", error: { type, message
 * } }`) but reads them defensively: any body, including garbage, still
 * classifies from the status. {@link llmClassifier} is the default breaker
 * classification for LLM calls.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Predicate from "effect/Predicate"
import type * as Redacted from "effect/Redacted"
import { CircuitOpenError } from "../CircuitBreaker.js"
import { type HeaderRecord, parseRetryHints, type RetryHints } from "../internal/llm/headers.js"
import * as Outcome from "../Outcome.js"
import {
  InvalidRequest,
  isHealthFailure,
  isProviderError,
  NetworkError,
  Overloaded,
  type ProviderError,
  ProviderTimeout,
  QuotaExhausted,
  RateLimited,
  retryAfter,
  scrub,
  ServerError,
  Unauthorized
} from "./ProviderError.js"

/**
 * An HTTP answer from a provider.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResponseInfo {
  readonly status: number
  /** Lower-cased header names. */
  readonly headers: HeaderRecord
  /** The body: a string (JSON or not), an already parsed value, or `undefined`. */
  readonly body?: unknown
  readonly provider?: string | undefined
  /** Current time, epoch millis (read it from `Clock`). */
  readonly now: number
  /** Secrets to remove from the kept provider message (e.g. the API key sent), besides key shapes. */
  readonly secrets?: ReadonlyArray<Redacted.Redacted<string>> | undefined
}

/**
 * The error fields of a provider's error body, as far as they could be read.
 *
 * @since 0.1.0
 * @category models
 */
export interface ErrorBody {
  readonly type?: string
  readonly code?: string
  readonly message?: string
}

const str = (u: unknown): string | undefined =>
  typeof u === "string" && u.length > 0 ? u : typeof u === "number" ? String(u) : undefined

/**
 * Reads `{ type, code, message }` from an OpenAI or Anthropic error body (or a
 * JSON string of one). Never throws; garbage gives `{}`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const parseErrorBody = (body: unknown): ErrorBody => {
  let value = body
  if (typeof value === "string") {
    if (value.length > 100_000) return {}
    try {
      value = JSON.parse(value)
      // @effect/ai keeps a text body as a JSON string literal: unwrap once.
      if (typeof value === "string" && value.length > 0) value = JSON.parse(value)
    } catch {
      return {}
    }
  }
  if (!Predicate.isRecord(value)) return {}
  const error = value.error
  if (typeof error === "string") return { message: error }
  const source = Predicate.isRecord(error) ? error : value
  const out: { type?: string; code?: string; message?: string } = {}
  const type = str(source.type)
  const code = str(source.code)
  const message = str(source.message)
  if (type !== undefined && type !== "error") out.type = type
  if (code !== undefined) out.code = code
  if (message !== undefined) out.message = message
  return out
}

const CONTEXT_LENGTH = /context[_ ]length|context window|prompt is too long|maximum context|too many (input )?tokens/i
const CONTENT_POLICY = /content[_ ]policy|content[_ ]filter|safety system/i

const matches = (body: ErrorBody, codes: ReadonlyArray<string>, pattern: RegExp): boolean =>
  (body.code !== undefined && codes.includes(body.code)) ||
  (body.type !== undefined && codes.includes(body.type)) ||
  (body.message !== undefined && pattern.test(body.message))

const invalidKind = (status: number, body: ErrorBody): InvalidRequest["kind"] => {
  if (matches(body, ["context_length_exceeded", "string_above_max_length"], CONTEXT_LENGTH)) return "context_length"
  if (matches(body, ["content_policy_violation", "content_filter"], CONTENT_POLICY)) return "content_policy"
  if (status === 413 || body.type === "request_too_large") return "too_large"
  if (status === 404 || body.type === "not_found_error" || body.code === "model_not_found") return "not_found"
  return "invalid"
}

const isQuota = (body: ErrorBody): boolean =>
  body.code === "insufficient_quota" || body.type === "insufficient_quota" || body.type === "billing_error" ||
  body.code === "billing_hard_limit_reached" ||
  (body.message !== undefined && /credit balance is too low/i.test(body.message))

const isOverload = (body: ErrorBody): boolean =>
  body.type === "overloaded_error" || body.code === "engine_overloaded" || body.type === "engine_overloaded" ||
  (body.message !== undefined && /overloaded/i.test(body.message))

const rateLimitKind = (hints: RetryHints, body: ErrorBody): RateLimited["limit"] => {
  if (hints.limit !== undefined) return hints.limit
  const text = `${body.code ?? ""} ${body.message ?? ""}`
  if (/spend|budget|billing/i.test(text)) return "spend"
  if (/tokens per|\(TPM\)|token/i.test(text)) return "tokens"
  if (/requests per|\(RPM\)|\(RPD\)|request/i.test(text)) return "requests"
  return "unknown"
}

/**
 * Builds the common fields of every error (provider, type, code, message,
 * x-should-retry), leaving out what is undefined.
 *
 * @internal
 */
export const commonFields = (
  provider: string | undefined,
  body: ErrorBody,
  hints: RetryHints,
  secrets?: ReadonlyArray<Redacted.Redacted<string>> | undefined
): {
  provider?: string
  errorType?: string
  errorCode?: string
  detail?: string
  shouldRetry?: boolean
} => {
  const out: { provider?: string; errorType?: string; errorCode?: string; detail?: string; shouldRetry?: boolean } = {}
  if (provider !== undefined) out.provider = provider
  if (body.type !== undefined) out.errorType = scrub(body.type, 100, secrets)
  if (body.code !== undefined) out.errorCode = scrub(body.code, 100, secrets)
  if (body.message !== undefined) out.detail = scrub(body.message, 500, secrets)
  if (hints.shouldRetry !== undefined) out.shouldRetry = hints.shouldRetry
  return out
}

const hintOf = (hints: RetryHints, now: number, useReset: boolean): { retryAfter?: Duration.Duration } => {
  if (hints.retryAfterMs !== undefined) return { retryAfter: Duration.millis(hints.retryAfterMs) }
  if (useReset && hints.resetAtMs !== undefined) return { retryAfter: Duration.millis(Math.max(0, hints.resetAtMs - now)) }
  return {}
}

/**
 * Classifies an HTTP answer from a provider; `undefined` for 1xx–3xx.
 *
 * **Details**
 *
 * - 429: `QuotaExhausted` when the body says `insufficient_quota` (or billing),
 *   otherwise `RateLimited` with the retry hint from `retry-after-ms`,
 *   `retry-after`, or the reset of the exhausted limit.
 * - 402 and Anthropic `billing_error`: `QuotaExhausted`.
 * - 401/403: `Unauthorized`. 408/504 and `timeout_error`: `ProviderTimeout`.
 * - 529, and 503 (or any 5xx) whose body says overloaded: `Overloaded`.
 * - Other 5xx: `ServerError`, keeping `retry-after` if sent.
 * - Other 4xx: `InvalidRequest`, with `kind` from the body (context length,
 *   content policy) or the status (413 too large, 404 not found).
 *
 * `x-should-retry` is recorded as `shouldRetry` and consulted by
 * `isRetryable`; it never changes the tag, since a 5xx with `x-should-retry:
 * false` still says the provider is unhealthy.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromResponse = (info: ResponseInfo): ProviderError | undefined => {
  const { now, status } = info
  if (!Number.isFinite(status) || status < 400) return undefined
  const body = parseErrorBody(info.body)
  const hints = parseRetryHints(info.headers, now)
  const fields = commonFields(info.provider, body, hints, info.secrets)
  if (status === 429 || body.type === "rate_limit_error") {
    if (isQuota(body)) return new QuotaExhausted({ ...fields, status })
    const resetAt = hints.resetAtMs === undefined ? {} : { resetAt: hints.resetAtMs }
    return new RateLimited({ ...fields, status, ...hintOf(hints, now, true), ...resetAt, limit: rateLimitKind(hints, body) })
  }
  if (status === 402 || isQuota(body)) return new QuotaExhausted({ ...fields, status })
  if (status === 401 || status === 403) return new Unauthorized({ ...fields, status })
  if (status === 408 || status === 504 || body.type === "timeout_error") return new ProviderTimeout({ ...fields, status })
  if (status === 529 || (status >= 500 && isOverload(body))) {
    return new Overloaded({ ...fields, status, ...hintOf(hints, now, false) })
  }
  if (status >= 500) return new ServerError({ ...fields, status, ...hintOf(hints, now, false) })
  return new InvalidRequest({ ...fields, status, kind: invalidKind(status, body) })
}

/**
 * Passes a `ProviderError` through and maps effect's `TimeoutException` (from
 * `Effect.timeout`) to `ProviderTimeout`; anything else gives `undefined`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const toProviderError = (u: unknown, provider?: string): ProviderError | undefined => {
  if (isProviderError(u)) return u
  if (Cause.isTimeoutException(u)) {
    return new ProviderTimeout(provider === undefined ? {} : { provider })
  }
  return undefined
}

/**
 * The breaker outcome of a provider error: health failures are `Failure`
 * (with the provider's retry hint), everything else `Ignored`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const outcomeOf = (error: ProviderError): Outcome.Outcome =>
  isHealthFailure(error) ? Outcome.failure(retryAfter(error)) : Outcome.ignored

/**
 * Builds an LLM classifier over any error type, given a way to turn an error
 * into a `ProviderError` (`undefined` when it cannot).
 *
 * **Details**
 *
 * A success is `Success`; interruption alone is `Ignored`; a
 * `CircuitOpenError` (a nested breaker rejected the call) is `Ignored`; a
 * provider error is classified by {@link outcomeOf}; any other error or a
 * defect is `Failure`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeClassifier = <E = unknown>(
  toError: (error: E) => ProviderError | undefined
): Outcome.Classifier<unknown, E> =>
(exit) => {
  if (exit._tag === "Success") return successOf(exit.value)
  if (Cause.isInterruptedOnly(exit.cause)) return Outcome.ignored
  const failure = Cause.failureOption(exit.cause)
  if (failure._tag === "None") return Outcome.failure()
  const error: unknown = failure.value
  if (error instanceof CircuitOpenError) return Outcome.ignored
  const provider = toError(failure.value) ?? toProviderError(error)
  return provider === undefined ? Outcome.failure() : outcomeOf(provider)
}

/**
 * The output tokens an LLM answer reports in its usage, or `undefined`: an
 * `@effect/ai` response (`usage.outputTokens`), an OpenAI Responses or
 * Anthropic Messages body (`usage.output_tokens`), or an OpenAI Chat
 * Completions body (`usage.completion_tokens`).
 *
 * @since 0.2.0
 * @category getters
 */
export const outputTokens = (value: unknown): number | undefined => {
  if (typeof value !== "object" || value === null) return undefined
  let usage: unknown
  try {
    usage = (value as { readonly usage?: unknown }).usage
  } catch {
    return undefined
  }
  if (typeof usage !== "object" || usage === null) return undefined
  const u = usage as Record<string, unknown>
  const n = u["outputTokens"] ?? u["output_tokens"] ?? u["completion_tokens"]
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? n : undefined
}

/**
 * A success, with the answer's output tokens when its usage says them: a
 * slow-call policy with `perOutputToken` then judges the call's latency
 * relative to the length of the answer.
 *
 * @since 0.2.0
 * @category constructors
 */
export const successOf = (value: unknown): Outcome.Outcome => {
  const tokens = outputTokens(value)
  return tokens === undefined ? Outcome.success : Outcome.successWith({ outputTokens: tokens })
}

/**
 * The default breaker classification for LLM calls.
 *
 * **Details**
 *
 * `Overloaded`, `ServerError`, `ProviderTimeout`, `NetworkError` (and a
 * `TimeoutException`) are `Failure`, with the provider's retry hint;
 * `RateLimited`, `InvalidRequest`, `Unauthorized`, `QuotaExhausted` are
 * `Ignored`; interruption alone and `CircuitOpenError` are `Ignored`; any other
 * error or defect is `Failure`; a success is `Success`, carrying the answer's
 * output tokens when its usage reports them (see {@link successOf}).
 *
 * @since 0.1.0
 * @category constructors
 */
export const llmClassifier: Outcome.Classifier = makeClassifier(toProviderError)

/**
 * A `NetworkError` of the given kind (convenience for adapters).
 *
 * @since 0.1.0
 * @category constructors
 */
export const networkError = (kind: NetworkError["kind"], code?: string, provider?: string): NetworkError =>
  new NetworkError({
    kind,
    ...(code === undefined ? {} : { code }),
    ...(provider === undefined ? {} : { provider })
  })

const NETWORK_CODES: Readonly<Record<string, NetworkError["kind"]>> = {
  ECONNREFUSED: "refused",
  ECONNRESET: "reset",
  EPIPE: "reset",
  ECONNABORTED: "reset",
  ENOTFOUND: "dns",
  EAI_AGAIN: "dns",
  EAI_FAIL: "dns",
  ETIMEDOUT: "unknown",
  EHOSTUNREACH: "unknown",
  ENETUNREACH: "unknown",
  UND_ERR_SOCKET: "closed",
  UND_ERR_CLOSED: "closed",
  UND_ERR_ABORTED: "closed",
  ERR_STREAM_PREMATURE_CLOSE: "closed"
}

/**
 * Finds a system or undici error code (`ECONNREFUSED`, `UND_ERR_SOCKET`, ...)
 * in an error's `cause` chain (and `AggregateError.errors`), and the network
 * failure kind it means. Reads only `code`, `cause` and `errors` of `Error`
 * instances; `undefined` when none is found.
 *
 * @since 0.1.0
 * @category constructors
 */
export const findNetworkCause = (
  u: unknown
): { readonly kind: NetworkError["kind"]; readonly code: string } | undefined => {
  const queue: Array<unknown> = [u]
  for (let i = 0; i < queue.length && i < 16; i++) {
    const e = queue[i]
    if (!(e instanceof Error)) continue
    const code = (e as { code?: unknown }).code
    if (typeof code === "string" && NETWORK_CODES[code] !== undefined) return { kind: NETWORK_CODES[code], code }
    if (e.cause !== undefined) queue.push(e.cause)
    if (e instanceof AggregateError) queue.push(...e.errors)
  }
  return undefined
}
