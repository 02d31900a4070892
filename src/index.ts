/**
 * effect-breaker: an Effect-native circuit breaker, with Schedule-based retry,
 * fallbacks and timeouts, for calls to LLM providers and any flaky dependency.
 *
 * **Details**
 *
 * The root holds one module per concept:
 *
 * | group | modules |
 * |---|---|
 * | the breaker and its policies | `CircuitBreaker` (breaker, errors, streams, state as data), `CircuitBreakerStore` (where the state lives; memory by default), `TripPolicy`, `Outcome` |
 * | composition | `Retry`, `Fallback` (values, caches, failover, hedging), `RateLimitGate`, `Resilience` (the composed policy) |
 * | telemetry | `BreakerTelemetry` (metrics, spans, logs layers) |
 * | configuration and operations | `BreakerRegistry` (named breakers from config, presets, health) |
 *
 * Integrations are subpath exports; the root never imports them or their
 * optional peer dependencies:
 *
 * | subpath | what | peers |
 * |---|---|---|
 * | `effect-breaker/llm` | provider error taxonomy, classifiers, retry hints, `Policy.make` (a `Resilience` for LLM calls) | none |
 * | `effect-breaker/ai` | `LanguageModelBreaker`: `@effect/ai` `LanguageModel` layers through a breaker or a policy | `@effect/ai` |
 * | `effect-breaker/http` | `HttpBreakers`: an `@effect/platform` `HttpClient` with a breaker per host | `@effect/platform` |
 * | `effect-breaker/otel` | the telemetry through your own span processor or metric reader | `@effect/opentelemetry` |
 * | `effect-breaker/otel/prometheus` | a Prometheus `/metrics` endpoint | `@effect/opentelemetry`, `@opentelemetry/exporter-prometheus` |
 * | `effect-breaker/otel/otlp` | OTLP over HTTP to a collector | `@effect/opentelemetry`, `@opentelemetry/exporter-{trace,metrics}-otlp-http` |
 * | `effect-breaker/admin` | an HTTP admin API over a `BreakerRegistry` | `@effect/platform` |
 * | `effect-breaker/redis` | `RedisStore`: breakers and rate-limit gates shared by a fleet of replicas | `ioredis` |
 * | `effect-breaker/testing` | scripted behaviours and a fake LLM provider for tests | `@effect/platform` |
 *
 * The package also ships the `effect-breaker` command line (drill, simulate,
 * tune), built on this public API only.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as CircuitBreaker from "./CircuitBreaker.js"

/**
 * Where breakers keep their state: the store service and the memory store.
 *
 * @since 0.2.0
 */
export * as CircuitBreakerStore from "./CircuitBreakerStore.js"

/** @since 0.1.0 */
export * as TripPolicy from "./TripPolicy.js"

/** @since 0.1.0 */
export * as Outcome from "./Outcome.js"

/** @since 0.1.0 */
export { CircuitOpenError, InvalidOptionError } from "./CircuitBreaker.js"

/** @since 0.1.0 */
export * as Retry from "./Retry.js"

/** @since 0.1.0 */
export * as Fallback from "./Fallback.js"

/** @since 0.1.0 */
export * as RateLimitGate from "./RateLimitGate.js"

/** @since 0.1.0 */
export * as Resilience from "./Resilience.js"

/** @since 0.1.0 */
export * as BreakerTelemetry from "./BreakerTelemetry.js"

/** @since 0.1.0 */
export * as BreakerRegistry from "./BreakerRegistry.js"
