/**
 * The failures of a call to an LLM provider, as a tagged union.
 *
 * **Details**
 *
 * Each case is a `Schema.TaggedError` with its own `_tag` (so `Effect.catchTag`
 * works) and only the data needed to decide what to do next: the HTTP status,
 * the provider's error type/code, a scrubbed and truncated provider message, and
 * the retry hint. Request headers, API keys and response bodies are never kept.
 *
 * Two named predicates answer the two questions a caller asks:
 * - {@link isRetryable}: may the same request succeed if sent again later?
 * - {@link isHealthFailure}: does this failure say the provider is unhealthy
 *   (should a circuit breaker count it)?
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Predicate from "effect/Predicate"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { makeScrubber, scrubAndTruncate, scrubShapes } from "../internal/secrets.js"

const common = {
  /** The provider, e.g. `"openai"` or `"anthropic"`. */
  provider: Schema.optional(Schema.String),
  /** The provider's error type, e.g. `"rate_limit_error"`. */
  errorType: Schema.optional(Schema.String),
  /** The provider's error code, e.g. `"insufficient_quota"`. */
  errorCode: Schema.optional(Schema.String),
  /** The provider's message, scrubbed of keys and truncated. */
  detail: Schema.optional(Schema.String),
  /** The provider's `x-should-retry` verdict, when it sent one. */
  shouldRetry: Schema.optional(Schema.Boolean)
}

const describe = (
  self: { readonly provider?: string | undefined; readonly detail?: string | undefined },
  summary: string
): string => {
  const who = self.provider === undefined ? "" : `${self.provider}: `
  return self.detail === undefined ? `${who}${summary}` : `${who}${summary}: ${self.detail}`
}

const statusOf = (status: number | undefined): string => status === undefined ? "" : ` (${status})`

const after = (retryAfter: Duration.Duration | undefined): string =>
  retryAfter === undefined ? "" : ` (retry after ${Duration.format(retryAfter)})`

/**
 * The kinds of limit a 429 can report.
 *
 * @since 0.1.0
 * @category models
 */
export const RateLimitKind = Schema.Literal("requests", "tokens", "spend", "unknown")

/**
 * The caller exceeded a rate limit (HTTP 429). Back-pressure, not ill health:
 * honour `retryAfter` (or `resetAt`) before sending again.
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  ...common,
  status: Schema.Number,
  retryAfter: Schema.optional(Schema.DurationFromMillis),
  /** When the limit resets, epoch millis. */
  resetAt: Schema.optional(Schema.Number),
  limit: RateLimitKind
}) {
  override get message(): string {
    return describe(this, `rate limited on ${this.limit} (${this.status})${after(this.retryAfter)}`)
  }
}

/**
 * The provider is overloaded (Anthropic 529 `overloaded_error`, or a 503 that
 * says so). A health failure; retry later.
 *
 * @since 0.1.0
 * @category errors
 */
export class Overloaded extends Schema.TaggedError<Overloaded>()("Overloaded", {
  ...common,
  status: Schema.Number,
  retryAfter: Schema.optional(Schema.DurationFromMillis)
}) {
  override get message(): string {
    return describe(this, `overloaded (${this.status})${after(this.retryAfter)}`)
  }
}

/**
 * The provider failed (5xx), or answered with a body that cannot be decoded
 * (`errorType` `"malformed_response"`, status possibly 200).
 *
 * @since 0.1.0
 * @category errors
 */
export class ServerError extends Schema.TaggedError<ServerError>()("ServerError", {
  ...common,
  /** `undefined` when the client library lost it (an undecodable answer). */
  status: Schema.optional(Schema.Number),
  retryAfter: Schema.optional(Schema.DurationFromMillis)
}) {
  override get message(): string {
    return describe(this, `server error${statusOf(this.status)}${after(this.retryAfter)}`)
  }
}

/**
 * The call took too long: a client-side timeout (`TimeoutException`), HTTP 408
 * or 504, or Anthropic's `timeout_error`.
 *
 * @since 0.1.0
 * @category errors
 */
export class ProviderTimeout extends Schema.TaggedError<ProviderTimeout>()("ProviderTimeout", {
  ...common,
  status: Schema.optional(Schema.Number),
  timeout: Schema.optional(Schema.DurationFromMillis)
}) {
  override get message(): string {
    const limit = this.timeout === undefined ? "" : ` after ${Duration.format(this.timeout)}`
    return describe(this, `timed out${limit}${statusOf(this.status)}`)
  }
}

/**
 * How a connection failed.
 *
 * @since 0.1.0
 * @category models
 */
export const NetworkErrorKind = Schema.Literal("refused", "reset", "dns", "closed", "unknown")

/**
 * The request never got an HTTP answer: connection refused or reset, DNS
 * failure, or the connection closed mid-response.
 *
 * @since 0.1.0
 * @category errors
 */
export class NetworkError extends Schema.TaggedError<NetworkError>()("NetworkError", {
  ...common,
  kind: NetworkErrorKind,
  /** The system error code, e.g. `"ECONNREFUSED"`. */
  code: Schema.optional(Schema.String)
}) {
  override get message(): string {
    return describe(this, `network error: ${this.kind}${this.code === undefined ? "" : ` (${this.code})`}`)
  }
}

/**
 * Why a request was rejected as invalid.
 *
 * @since 0.1.0
 * @category models
 */
export const InvalidRequestKind = Schema.Literal("context_length", "content_policy", "invalid", "too_large", "not_found")

/**
 * The request itself is wrong (400/404/413/422): resending it will fail again,
 * and it says nothing about the provider's health.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", {
  ...common,
  /** `undefined` when the request was rejected before it was sent (e.g. it could not be encoded). */
  status: Schema.optional(Schema.Number),
  kind: InvalidRequestKind
}) {
  override get message(): string {
    return describe(this, `invalid request: ${this.kind}${statusOf(this.status)}`)
  }
}

/**
 * The credentials were rejected (401) or lack permission (403).
 *
 * @since 0.1.0
 * @category errors
 */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  ...common,
  status: Schema.Number
}) {
  override get message(): string {
    return describe(this, `unauthorized (${this.status})`)
  }
}

/**
 * A spend limit is exhausted (OpenAI 429 `insufficient_quota`, HTTP 402,
 * Anthropic `billing_error`). Never retry: only a human can fix it.
 *
 * @since 0.1.0
 * @category errors
 */
export class QuotaExhausted extends Schema.TaggedError<QuotaExhausted>()("QuotaExhausted", {
  ...common,
  status: Schema.Number
}) {
  override get message(): string {
    return describe(this, `quota exhausted (${this.status})`)
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export type ProviderError =
  | RateLimited
  | Overloaded
  | ServerError
  | ProviderTimeout
  | NetworkError
  | InvalidRequest
  | Unauthorized
  | QuotaExhausted

/**
 * The schema of the whole union, for storing or sending errors.
 *
 * @since 0.1.0
 * @category models
 */
export const ProviderError: Schema.Union<[
  typeof RateLimited,
  typeof Overloaded,
  typeof ServerError,
  typeof ProviderTimeout,
  typeof NetworkError,
  typeof InvalidRequest,
  typeof Unauthorized,
  typeof QuotaExhausted
]> = Schema.Union(
  RateLimited,
  Overloaded,
  ServerError,
  ProviderTimeout,
  NetworkError,
  InvalidRequest,
  Unauthorized,
  QuotaExhausted
)

const classes = [
  RateLimited,
  Overloaded,
  ServerError,
  ProviderTimeout,
  NetworkError,
  InvalidRequest,
  Unauthorized,
  QuotaExhausted
] as const

/**
 * @since 0.1.0
 * @category guards
 */
export const isProviderError = (u: unknown): u is ProviderError =>
  Predicate.isObject(u) && classes.some((C) => u instanceof C)

/**
 * Whether sending the same request again later may succeed.
 *
 * **Details**
 *
 * Rate limits, overload, server errors, timeouts and network errors are
 * retryable; invalid requests, auth failures and exhausted quotas are not.
 * A provider's `x-should-retry: false` vetoes a retry; `x-should-retry: true`
 * does not make a non-retryable case retryable (a bad request stays bad).
 *
 * @since 0.1.0
 * @category guards
 */
export const isRetryable = (error: ProviderError): boolean => {
  if (error.shouldRetry === false) return false
  switch (error._tag) {
    case "RateLimited":
    case "Overloaded":
    case "ServerError":
    case "ProviderTimeout":
    case "NetworkError":
      return true
    case "InvalidRequest":
    case "Unauthorized":
    case "QuotaExhausted":
      return false
  }
}

/**
 * Whether the error says the provider is unhealthy, i.e. whether a circuit
 * breaker should count it as a failure. Rate limits are back-pressure, not ill
 * health; invalid requests, auth and quota errors are the caller's problem.
 * `x-should-retry` does not change health: a 500 is a 500.
 *
 * @since 0.1.0
 * @category guards
 */
export const isHealthFailure = (error: ProviderError): boolean => {
  switch (error._tag) {
    case "Overloaded":
    case "ServerError":
    case "ProviderTimeout":
    case "NetworkError":
      return true
    case "RateLimited":
    case "InvalidRequest":
    case "Unauthorized":
    case "QuotaExhausted":
      return false
  }
}

/**
 * The provider's retry hint, if the error carries one.
 *
 * @since 0.1.0
 * @category getters
 */
export const retryAfter = (error: ProviderError): Duration.Duration | undefined =>
  error._tag === "RateLimited" || error._tag === "Overloaded" || error._tag === "ServerError"
    ? error.retryAfter
    : undefined

/**
 * Removes secrets from a text that may quote a request or a provider's answer,
 * then truncates it to `maxLength` characters.
 *
 * **Details**
 *
 * Removed, wherever they appear (no word boundary is needed: a key glued to a
 * word or after `%3D` in a URL is found too):
 *
 * - each of `secrets` (the API keys you give, as `Redacted` values): raw,
 *   URL-encoded, JSON-escaped, inside base64 (e.g. a `Basic` header of
 *   `user:key`), and any run of 12 or more of its characters (a truncated or
 *   partly echoed key);
 * - anything shaped like a provider key: `sk-…`, `sk-proj-…`, `sk-ant-…`,
 *   `rk-…`, `pk-…`, Groq `gsk_…`, Google `AIza…`, Hugging Face `hf_…`, Replicate
 *   `r8_…`, xAI `xai-…`, GitHub and Slack tokens, AWS `AKIA…`, 32+ hex characters
 *   (Azure OpenAI), JWTs, `Bearer …`/`Basic …`, and the value after a label such as
 *   `api_key=`, `x-api-key:`, `token=`, `password:` or `API key provided:`.
 *
 * What is neither known nor key-shaped (an opaque key of another shape that a
 * provider echoes) can only be found when it is given in `secrets`: pass them.
 *
 * @since 0.1.0
 * @category constructors
 */
export const scrub = (
  text: string,
  maxLength = 500,
  secrets?: ReadonlyArray<Redacted.Redacted<string>> | undefined
): string => scrubAndTruncate(secrets === undefined ? scrubShapes : makeScrubber(secrets), text, maxLength)
