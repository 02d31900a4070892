/**
 * Classification of `@effect/ai` `AiError`s (as produced by
 * `@effect/ai-openai` and `@effect/ai-anthropic`) as provider errors.
 *
 * @since 0.1.0
 */
import * as AiError from "@effect/ai/AiError"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as ParseResult from "effect/ParseResult"
import type * as Redacted from "effect/Redacted"
import { CircuitOpenError } from "../CircuitBreaker.js"
import { redactAiError as redact } from "../internal/ai/redact.js"
import { makeScrubber, scrubShapes } from "../internal/secrets.js"
import * as Outcome from "../Outcome.js"
import { StreamTimeoutError } from "../CircuitBreaker.js"
import {
  findNetworkCause,
  fromResponse,
  makeClassifier,
  successOf,
  networkError,
  parseErrorBody,
  toProviderError as llmToProviderError
} from "../llm/classify.js"
import {
  InvalidRequest,
  isProviderError,
  type ProviderError,
  ProviderTimeout,
  scrub,
  ServerError
} from "../llm/ProviderError.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The provider's name, kept on the error (e.g. `"anthropic"`). */
  readonly provider?: string | undefined
  /** Current time in epoch millis, for `retry-after` dates and reset times. Defaults to `Date.now()`. */
  readonly now?: number | undefined
  /**
   * Secrets to remove from every text kept on the error (the API keys the
   * client sends, as `Redacted`), besides the key shapes always removed.
   */
  readonly secrets?: ReadonlyArray<Redacted.Redacted<string>> | undefined
}

const withProvider = (provider: string | undefined) => provider === undefined ? {} : { provider }

/**
 * Turns an `AiError` into a `ProviderError`.
 *
 * **Details**
 *
 * - `HttpResponseError` `StatusCode`: classified by `fromResponse` from
 *   `response.status`, `response.headers` and the response `body` that
 *   `@effect/ai` keeps (OpenAI/Anthropic error shapes are recognised).
 *   Request headers (which carry the API key) are never read.
 * - `HttpResponseError` `Decode`/`EmptyBody`: `NetworkError` (`closed`) if the
 *   connection broke while reading, otherwise `ServerError`
 *   (`errorType: "malformed_response"`), or the status classification for 4xx/5xx.
 * - `HttpRequestError` `Transport`: `NetworkError` with the kind found in the
 *   cause chain (`ECONNREFUSED` → `refused`, ...); `Encode`/`InvalidUrl`:
 *   `InvalidRequest` (`invalid`, no status): our request, not their health.
 * - `MalformedOutput` whose decoded input is a provider error body (e.g.
 *   Anthropic's 413 `request_too_large`, a type `@effect/ai-anthropic` 0.27's
 *   error schema does not know, so the status is dropped): classified from that
 *   body, with the status Anthropic documents for its type.
 * - Any other `MalformedOutput`: `ServerError` with `errorType: "malformed_response"` and
 *   no status. This is a choice: the answer (a 200 with garbage, or, for
 *   Anthropic, a 4xx whose body is not Anthropic's error shape, whose status
 *   `@effect/ai-anthropic` drops) could not be understood, which the breaker
 *   should count. Against the real APIs a 4xx always has the provider's error
 *   shape, so this only counts proxies and gateways that answer garbage.
 * - `MalformedInput`: `InvalidRequest` (`invalid`, no status).
 * - `UnknownError`: `NetworkError` if a network code is in its cause,
 *   otherwise `ServerError` (`errorType: "unknown_error"`, no status).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromAiError = (error: AiError.AiError, options?: Options): ProviderError => {
  const provider = options?.provider
  const now = options?.now ?? Date.now()
  const secrets = options?.secrets
  switch (error._tag) {
    case "HttpResponseError": {
      const { headers, status } = error.response
      if (error.reason !== "StatusCode") {
        const network = findNetworkCause((error as { readonly cause?: unknown }).cause)
        if (network !== undefined) return networkError(network.kind, network.code, provider)
      }
      const classified = fromResponse({ status, headers, body: error.body, provider, now, secrets })
      if (classified !== undefined) return classified
      return new ServerError({
        ...withProvider(provider),
        status,
        errorType: "malformed_response",
        detail: error.reason === "EmptyBody" ? "empty response body" : "response body could not be decoded"
      })
    }
    case "HttpRequestError": {
      if (error.reason !== "Transport") {
        return new InvalidRequest({ ...withProvider(provider), kind: "invalid", errorType: error.reason })
      }
      const network = findNetworkCause(error.cause)
      return network === undefined
        ? networkError("unknown", undefined, provider)
        : networkError(network.kind, network.code, provider)
    }
    case "MalformedOutput": {
      const recovered = fromUndecodedErrorBody(error.cause, provider, now, secrets)
      if (recovered !== undefined) return recovered
      return new ServerError({
        ...withProvider(provider),
        errorType: "malformed_response",
        detail: scrub(error.description ?? "the provider's answer could not be decoded", 500, secrets)
      })
    }
    case "MalformedInput":
      return new InvalidRequest({
        ...withProvider(provider),
        kind: "invalid",
        errorType: "malformed_input",
        ...(error.description === undefined ? {} : { detail: scrub(error.description, 500, secrets) })
      })
    case "UnknownError": {
      if (error.cause instanceof StreamTimeoutError) {
        return new ProviderTimeout({ ...withProvider(provider), timeout: Duration.decode(error.cause.timeout) })
      }
      const network = findNetworkCause(error.cause)
      if (network !== undefined) return networkError(network.kind, network.code, provider)
      return new ServerError({
        ...withProvider(provider),
        errorType: "unknown_error",
        ...(error.description === undefined ? {} : { detail: scrub(error.description, 500, secrets) })
      })
    }
  }
}

/**
 * A copy of an `AiError` that is safe to log, export or put on a span.
 *
 * **Details**
 *
 * `@effect/ai` keeps the request's headers on `HttpRequestError` and
 * `HttpResponseError` in plain text (`authorization: Bearer <key>`,
 * `x-api-key`), and the provider's answer, which may echo the key, in
 * `description` and `body`: they reach `message`, `JSON.stringify` and
 * `Cause.pretty`. The copy has the same class, `_tag`, `reason`, status and
 * response headers (so classification is unchanged), with credential headers
 * (`authorization`, `x-api-key`, `api-key`, `x-goog-api-key`, cookies, …)
 * replaced by `<redacted>`, the URL, description and body scrubbed (of
 * `secrets` and of key shapes, see `scrub`), and the `cause` cut down to a
 * network error code (a parse error is kept only when it quotes nothing secret).
 *
 * `LanguageModelBreaker.layer` applies it to every `AiError` that leaves the
 * wrapped service (option `redactErrors`, on by default).
 *
 * @since 0.1.0
 * @category constructors
 */
export const redactAiError = (
  error: AiError.AiError,
  options?: { readonly secrets?: ReadonlyArray<Redacted.Redacted<string>> | undefined }
): AiError.AiError => redact(error, options?.secrets === undefined ? scrubShapes : makeScrubber(options.secrets))

/**
 * Maps an error to a `ProviderError` if it is an `AiError`, a `ProviderError`
 * or a `TimeoutException`; otherwise `undefined`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const toProviderError = (u: unknown, options?: Options): ProviderError | undefined =>
  AiError.isAiError(u) ? fromAiError(u, options) : llmToProviderError(u, options?.provider)

// The HTTP statuses Anthropic documents for its error types; OpenAI's stream
// error codes are mapped onto the same scale.
const STREAM_ERROR_STATUS: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  rate_limit_exceeded: 429,
  insufficient_quota: 429,
  api_error: 500,
  server_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
  context_length_exceeded: 400,
  invalid_prompt: 400
}

// A ParseError keeps the input it failed on: when that input is a provider
// error body, the error can still be classified from its type.
const fromUndecodedErrorBody = (
  cause: unknown,
  provider: string | undefined,
  now: number,
  secrets: ReadonlyArray<Redacted.Redacted<string>> | undefined
): ProviderError | undefined => {
  if (!ParseResult.isParseError(cause)) return undefined
  const actual = cause.issue.actual
  const body = parseErrorBody(actual)
  const status = STREAM_ERROR_STATUS[body.type ?? ""]
  return status === undefined ? undefined : fromResponse({ status, headers: {}, body: actual, provider, now, secrets })
}

/**
 * Classifies the `error` of a stream's `"error"` part: the error event a
 * provider sends after HTTP 200 (Anthropic `event: error` with
 * `{ type: "overloaded_error", message }`, OpenAI `{ type: "error", code,
 * message }`). The status is the one Anthropic documents for the error type
 * (529 for `overloaded_error`, 500 when unknown).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromStreamErrorPart = (error: unknown, options?: Options): ProviderError => {
  const body = parseErrorBody({ error })
  const status = STREAM_ERROR_STATUS[body.type ?? ""] ?? STREAM_ERROR_STATUS[body.code ?? ""] ?? 500
  return fromResponse({
    status,
    headers: {},
    body: { error },
    provider: options?.provider,
    now: options?.now ?? 0,
    secrets: options?.secrets
  })!
}

/**
 * The breaker classification of calls made with `@effect/ai` language models:
 * `AiError`s are classified as provider errors, then as in `llmClassifier`
 * (5xx, overload, malformed answers, timeouts and network errors are
 * failures; 429 and other 4xx are ignored).
 *
 * @since 0.1.0
 * @category constructors
 */
export const aiClassifier: Outcome.Classifier = (exit) =>
  exit._tag === "Failure" && embedsCircuitOpen(exit.cause) ? Outcome.ignored : baseClassifier(exit)

const baseClassifier: Outcome.Classifier = makeClassifier((u: unknown) => toProviderError(u))

/**
 * The `CircuitOpenError` carried by an `AiError` (an `UnknownError` whose
 * `cause` it is: how a breaker inside a `LanguageModel` reports a rejection
 * while keeping the service's `AiError` error type), or the error itself.
 *
 * @since 0.1.0
 * @category getters
 */
export const circuitOpenError = (u: unknown): CircuitOpenError | undefined =>
  u instanceof CircuitOpenError
    ? u
    : AiError.isAiError(u) && u._tag === "UnknownError" && u.cause instanceof CircuitOpenError
    ? u.cause
    : undefined

const embedsCircuitOpen = (cause: Cause.Cause<unknown>): boolean => {
  const failure = Cause.failureOption(cause)
  return failure._tag === "Some" && circuitOpenError(failure.value) !== undefined
}

/**
 * The default classification of the `LanguageModel` breaker: as
 * {@link aiClassifier} for provider answers (`AiError`s, provider errors,
 * timeouts, a stream's time-to-first-element timeout), but any OTHER typed
 * error is `Ignored`: with a toolkit, `generateText` runs the caller's tool
 * handlers inside the call, and their errors say nothing about the provider.
 * Defects still count as failures.
 *
 * @since 0.1.0
 * @category constructors
 */
export const languageModelClassifier: Outcome.Classifier = (exit) => {
  if (exit._tag === "Success") return successOf(exit.value)
  const failure = Cause.failureOption(exit.cause)
  if (failure._tag === "Some") {
    const e = failure.value
    if (
      !AiError.isAiError(e) && !isProviderError(e) && !Cause.isTimeoutException(e) && !(e instanceof StreamTimeoutError)
    ) {
      return Outcome.ignored
    }
  }
  return aiClassifier(exit)
}
