/**
 * Classification of `@effect/platform` `HttpClientError`s as provider errors.
 *
 * @since 0.1.0
 */
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import { redactHttpClientError as redact } from "../internal/http/redact.js"
import { makeScrubber, scrubShapes } from "../internal/secrets.js"
import * as Outcome from "../Outcome.js"
import {
  findNetworkCause,
  fromResponse,
  makeClassifier,
  networkError,
  outcomeOf,
  toProviderError as llmToProviderError
} from "../llm/classify.js"
import { type ProviderError, ServerError } from "../llm/ProviderError.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The provider's name, kept on the error (e.g. `"openai"`). */
  readonly provider?: string | undefined
  /** Current time in epoch millis, for `retry-after` dates and reset times. Defaults to `Date.now()`. */
  readonly now?: number | undefined
  /** The response body if the caller already read it (a string or parsed JSON). */
  readonly body?: unknown
  /** Secrets to remove from the kept provider message (the API keys sent), besides key shapes. */
  readonly secrets?: ReadonlyArray<Redacted.Redacted<string>> | undefined
}

/**
 * Turns an `HttpClientError` into a `ProviderError`.
 *
 * **Details**
 *
 * - `ResponseError` `StatusCode`: classified from status, headers and
 *   `options.body` by `fromResponse` (use {@link fromHttpClientErrorWithBody}
 *   to read the body too).
 * - `ResponseError` `Decode`/`EmptyBody`: a `NetworkError` (`closed`) when the
 *   connection broke while reading the body, otherwise (or for a 2xx whose body
 *   is garbage) a `ServerError` with `errorType` `"malformed_response"`.
 * - `RequestError` `Transport`: a `NetworkError` whose `kind` comes from the
 *   system error code in the `cause` chain (`ECONNREFUSED` → `refused`,
 *   `ECONNRESET` → `reset`, `ENOTFOUND` → `dns`, undici's `UND_ERR_SOCKET` →
 *   `closed`).
 * - `RequestError` `Encode`/`InvalidUrl`: our own bug, not the provider's:
 *   an `InvalidRequest` would hide it from the breaker, so it is a
 *   `NetworkError` of kind `unknown` (a failure, and retryable in principle);
 *   callers wanting otherwise can match `_tag` `"RequestError"` before calling.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromHttpClientError = (error: HttpClientError.HttpClientError, options?: Options): ProviderError => {
  const provider = options?.provider
  const now = options?.now ?? Date.now()
  const secrets = options?.secrets
  if (error._tag === "ResponseError") {
    const status = error.response.status
    if (error.reason === "StatusCode") {
      const classified = fromResponse({ status, headers: error.response.headers, body: options?.body, provider, now, secrets })
      if (classified !== undefined) return classified
    } else {
      const network = findNetworkCause(error.cause)
      if (network !== undefined) return networkError(network.kind, network.code, provider)
      if (status >= 400) {
        const classified = fromResponse({ status, headers: error.response.headers, provider, now })
        if (classified !== undefined) return classified
      }
    }
    return new ServerError({
      ...(provider === undefined ? {} : { provider }),
      status,
      errorType: "malformed_response",
      detail: error.reason === "EmptyBody" ? "empty response body" : "response body could not be decoded"
    })
  }
  const network = findNetworkCause(error.cause)
  return network === undefined
    ? networkError("unknown", undefined, provider)
    : networkError(network.kind, network.code, provider)
}

/**
 * Like {@link fromHttpClientError}, but reads the response body of a
 * `StatusCode` error (when it is not already consumed) so that the provider's
 * error type and code take part in the classification. Reading the body never
 * fails: an unreadable body classifies from status and headers alone.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromHttpClientErrorWithBody = (
  error: HttpClientError.HttpClientError,
  options?: Omit<Options, "body">
): Effect.Effect<ProviderError> =>
  error._tag === "ResponseError" && error.reason === "StatusCode"
    ? Effect.map(
      Effect.option(Effect.timeout(error.response.text, "5 seconds")),
      (body) => fromHttpClientError(error, { ...options, body: body._tag === "Some" ? body.value : undefined })
    )
    : Effect.succeed(fromHttpClientError(error, options))

/**
 * A copy of an `HttpClientError` that is safe to log or serialize.
 *
 * **Details**
 *
 * `@effect/platform` keeps the request (with its headers) on the error and on
 * `error.response.request`; `JSON.stringify(error)` outside a fiber prints
 * `authorization: Bearer <key>` in plain text. The copy has the same class,
 * `_tag`, `reason` and status, and its `response` still reads the original
 * body and headers, but credential headers (`authorization`, `x-api-key`,
 * `api-key`, cookies, …) are `<redacted>`, the URL and description are
 * scrubbed (of `secrets` and key shapes, e.g. `?key=AIza…`), and the `cause` is
 * cut down to a network error code. `HttpBreakers.protect` applies it to every
 * `HttpClientError` that leaves the protected client.
 *
 * @since 0.1.0
 * @category constructors
 */
export const redactHttpClientError = (
  error: HttpClientError.HttpClientError,
  options?: { readonly secrets?: ReadonlyArray<Redacted.Redacted<string>> | undefined }
): HttpClientError.HttpClientError =>
  redact(error, options?.secrets === undefined ? scrubShapes : makeScrubber(options.secrets))

/**
 * Maps an error to a `ProviderError` if it is an `HttpClientError`, a
 * `ProviderError` or a `TimeoutException`; otherwise `undefined`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const toProviderError = (u: unknown, options?: Options): ProviderError | undefined =>
  HttpClientError.isHttpClientError(u)
    ? fromHttpClientError(u, options)
    : llmToProviderError(u, options?.provider)

/**
 * The breaker classification of calls made with `@effect/platform`'s
 * `HttpClient`: `HttpClientError`s are classified as provider errors, then as
 * in `llmClassifier` (5xx, overload, timeouts and network errors are
 * failures; 429 and other 4xx are ignored).
 *
 * @since 0.1.0
 * @category constructors
 */
export const httpClassifier: Outcome.Classifier = makeClassifier((u: unknown) => toProviderError(u))

/**
 * The breaker outcome of an HTTP response that the caller did not turn into an
 * error (no `HttpClient.filterStatusOk`): classified exactly as the
 * `ResponseError` that `filterStatusOk` would have made of it.
 *
 * **Details**
 *
 * 1xx–3xx are `Success`; 5xx, 408 and 504 are `Failure` (with the
 * `retry-after` hint); 429 and other 4xx are `Ignored`. The body is not read
 * (it belongs to the caller), so only status and headers count. `now` (epoch
 * millis, from `Clock`) dates an HTTP-date `retry-after`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const responseOutcome = (response: HttpClientResponse.HttpClientResponse, now: number): Outcome.Outcome => {
  if (response.status < 400) return Outcome.success
  const error = fromResponse({ status: response.status, headers: response.headers, now })
  return error === undefined ? Outcome.success : outcomeOf(error)
}

/**
 * The default classification of the per-host breakers: a response is judged by
 * {@link responseOutcome} (so a 503 is a failure whether or not the caller
 * filters statuses), a failure by {@link httpClassifier}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeResponseClassifier = (now: () => number): Outcome.Classifier =>
(exit) =>
  exit._tag === "Success"
    ? (exit.value as HttpClientResponse.HttpClientResponse).status < 400
      ? Outcome.success
      : responseOutcome(exit.value as HttpClientResponse.HttpClientResponse, now())
    : httpClassifier(exit)
