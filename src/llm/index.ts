/**
 * `effect-breaker/llm`: the failure taxonomy of LLM providers, the parsing of
 * their retry headers, the default breaker classification for LLM calls, and
 * `Policy`, which wires them into one timeout, breaker, gate, retry and
 * fallback per provider.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export * as ProviderError from "./ProviderError.js"

/**
 * @since 0.1.0
 */
export {
  InvalidRequest,
  isHealthFailure,
  isProviderError,
  isRetryable,
  NetworkError,
  Overloaded,
  ProviderTimeout,
  QuotaExhausted,
  RateLimited,
  ServerError,
  Unauthorized
} from "./ProviderError.js"

/**
 * @since 0.1.0
 */
export type { ProviderError as AnyProviderError } from "./ProviderError.js"

/**
 * @since 0.1.0
 */
export {
  fromResponse,
  llmClassifier,
  makeClassifier,
  outcomeOf,
  outputTokens,
  parseErrorBody,
  successOf,
  toProviderError
} from "./classify.js"

/**
 * @since 0.1.0
 */
export type { ErrorBody, ResponseInfo } from "./classify.js"

/**
 * Pure parsers of provider retry headers (`retry-after`, `x-ratelimit-*`,
 * `anthropic-ratelimit-*`, `x-should-retry`).
 *
 * @since 0.1.0
 */
export { parseRetryHints } from "../internal/llm/headers.js"

/**
 * @since 0.1.0
 */
export type { HeaderRecord, RetryHints } from "../internal/llm/headers.js"

/**
 * One line to make a provider call safe: `Policy.make` returns a `Resilience`
 * (timeout, breaker, rate-limit gate, retry) wired with the taxonomy;
 * `Policy.failover` is `Fallback.failover` with the taxonomy's default;
 * `Policy.layer` provides a policy as a service. Serve with a fallback chain
 * or a hedge through `Resilience.serve`.
 *
 * @since 0.1.0
 */
export * as Policy from "./Policy.js"
