/**
 * effect-breaker: an Effect-native circuit breaker, with Schedule-based retry,
 * fallbacks and timeouts, for calls to LLM providers and any flaky dependency.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as CircuitBreaker from "./CircuitBreaker.js"

/** @since 0.1.0 */
export * as TripPolicy from "./TripPolicy.js"

/** @since 0.1.0 */
export * as Outcome from "./Outcome.js"

/** @since 0.1.0 */
export { CircuitOpenError, InvalidOptionError } from "./CircuitBreakerError.js"

/** @since 0.1.0 */
export * as BreakerMetrics from "./BreakerMetrics.js"

/** @since 0.1.0 */
export * as BreakerSpans from "./BreakerSpans.js"

/** @since 0.1.0 */
export * as BreakerLogs from "./BreakerLogs.js"

/** @since 0.1.0 */
export * as BreakerRegistry from "./BreakerRegistry.js"

/** @since 0.1.0 */
export * as Health from "./Health.js"

/** @since 0.1.0 */
export * as Presets from "./Presets.js"

/** @since 0.1.0 */
export * as Retry from "./Retry.js"

/** @since 0.1.0 */
export * as Fallback from "./Fallback.js"

/** @since 0.1.0 */
export * as Failover from "./Failover.js"

/** @since 0.1.0 */
export * as RateLimitGate from "./RateLimitGate.js"

/** @since 0.1.0 */
export * as Resilience from "./Resilience.js"

/** @since 0.1.0 */
export * as StreamBreaker from "./StreamBreaker.js"

/** @since 0.1.0 */
export * as Hedge from "./Hedge.js"
