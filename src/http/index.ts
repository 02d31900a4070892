/**
 * `effect-breaker/http`: a circuit breaker per host for `@effect/platform`'s
 * `HttpClient`, and the classification of HTTP answers and errors.
 *
 * @since 0.1.0
 */

/**
 * Breakers per host (or any key) over an `HttpClient`: `make`, `protect`, `layer`, `client`.
 *
 * @since 0.1.0
 */
export * as HttpBreakers from "./HttpBreakers.js"

/**
 * @since 0.1.0
 */
export { byHost, byHostAndPath, hostOf, type KeyFn } from "./keys.js"

/**
 * @since 0.1.0
 */
export {
  fromHttpClientError,
  fromHttpClientErrorWithBody,
  httpClassifier,
  makeResponseClassifier,
  redactHttpClientError,
  responseOutcome,
  toProviderError
} from "./classify.js"
