/**
 * The status, headers and error body each fake behaviour answers with, per flavor.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import type { Behavior, InvalidKind } from "../../testing/Behavior.js"
import { type ErrorSpec, errorBody, type Flavor } from "./wire.js"

/** @internal */
export interface ErrorAnswer {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: unknown
}

const invalid: Record<InvalidKind, { readonly status: number; readonly openai: ErrorSpec; readonly anthropic: ErrorSpec }> = {
  context_length: {
    status: 400,
    openai: {
      type: "invalid_request_error",
      code: "context_length_exceeded",
      message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens."
    },
    anthropic: { type: "invalid_request_error", message: "prompt is too long: 210000 tokens > 200000 maximum" }
  },
  content_policy: {
    status: 400,
    openai: {
      type: "invalid_request_error",
      code: "content_policy_violation",
      message: "Your request was rejected as a result of our safety system."
    },
    anthropic: { type: "invalid_request_error", message: "Output blocked by content filtering policy" }
  },
  invalid: {
    status: 400,
    openai: { type: "invalid_request_error", message: "Invalid value for 'input'." },
    anthropic: { type: "invalid_request_error", message: "messages: field required" }
  },
  too_large: {
    status: 413,
    openai: { type: "invalid_request_error", message: "Request too large." },
    anthropic: { type: "request_too_large", message: "Request exceeds the maximum allowed number of bytes." }
  },
  not_found: {
    status: 404,
    openai: { type: "invalid_request_error", code: "model_not_found", message: "The model does not exist." },
    anthropic: { type: "not_found_error", message: "model: not found" }
  }
}

const seconds = (millis: number) => Math.max(0, Math.ceil(millis / 1000))

const rateLimitHeaders = (
  flavor: Flavor,
  limit: "requests" | "tokens",
  retryAfterMillis: number | undefined,
  now: number
): Record<string, string> => {
  const resetMillis = retryAfterMillis ?? 1000
  const headers: Record<string, string> = {}
  if (retryAfterMillis !== undefined) headers["retry-after"] = String(seconds(retryAfterMillis))
  if (flavor === "openai") {
    if (retryAfterMillis !== undefined) headers["retry-after-ms"] = String(Math.round(retryAfterMillis))
    headers[`x-ratelimit-limit-${limit}`] = "100"
    headers[`x-ratelimit-remaining-${limit}`] = "0"
    headers[`x-ratelimit-reset-${limit}`] = `${resetMillis / 1000}s`
  } else {
    headers[`anthropic-ratelimit-${limit}-limit`] = "100"
    headers[`anthropic-ratelimit-${limit}-remaining`] = "0"
    headers[`anthropic-ratelimit-${limit}-reset`] = new Date(now + resetMillis).toISOString()
  }
  return headers
}

/**
 * The error answer of a behaviour that answers with an HTTP error, or
 * `undefined` for the others. `apiKey` (what the client sent) is echoed in
 * the 401 message, as some providers do partially, so tests can check that
 * classifiers scrub it.
 *
 * @internal
 */
export const errorAnswer = (
  flavor: Flavor,
  behavior: Behavior,
  now: number,
  apiKey: string | undefined
): ErrorAnswer | undefined => {
  const json = (status: number, spec: ErrorSpec, headers: Record<string, string> = {}): ErrorAnswer => ({
    status,
    headers,
    body: errorBody(flavor, spec)
  })
  switch (behavior._tag) {
    case "RateLimited": {
      const retryAfter = behavior.retryAfter === undefined ? undefined : Duration.toMillis(behavior.retryAfter)
      const headers = { ...rateLimitHeaders(flavor, behavior.limit, retryAfter, now), ...behavior.headers }
      return flavor === "openai"
        ? json(429, {
          type: behavior.limit,
          code: "rate_limit_exceeded",
          message: `Rate limit reached for ${behavior.limit} per min (${behavior.limit === "tokens" ? "TPM" : "RPM"}).`
        }, headers)
        : json(429, { type: "rate_limit_error", message: `Number of ${behavior.limit} has exceeded your rate limit.` }, headers)
    }
    case "ServerError":
      return flavor === "openai"
        ? json(behavior.status, { type: "server_error", message: "The server had an error while processing your request." })
        : json(behavior.status, { type: "api_error", message: "Internal server error" })
    case "Unavailable":
      return json(503, { type: flavor === "openai" ? "server_error" : "api_error", message: "Service Unavailable" })
    case "Overloaded":
      return flavor === "openai"
        ? json(503, {
          type: "server_error",
          code: "engine_overloaded",
          message: "The engine is currently overloaded, please try again later."
        })
        : json(529, { type: "overloaded_error", message: "Overloaded" })
    case "QuotaExhausted":
      return flavor === "openai"
        ? json(429, {
          type: "insufficient_quota",
          code: "insufficient_quota",
          message: "You exceeded your current quota, please check your plan and billing details."
        })
        : json(400, {
          type: "invalid_request_error",
          message: "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing."
        })
    case "InvalidRequest": {
      const entry = invalid[behavior.kind]
      return json(entry.status, entry[flavor])
    }
    case "Unauthorized":
      return flavor === "openai"
        ? json(401, {
          type: "invalid_request_error",
          code: "invalid_api_key",
          message: `Incorrect API key provided: ${apiKey ?? "none"}.`
        })
        : json(401, { type: "authentication_error", message: `invalid x-api-key ${apiKey ?? ""}`.trim() })
    default:
      return undefined
  }
}
