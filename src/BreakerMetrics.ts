/**
 * Breaker metrics with Effect's `Metric`: no OpenTelemetry import. Export them
 * with `effect-breaker/otel` (OTLP or Prometheus) or read them with `Metric.value`.
 *
 * **Details**
 *
 * Emitted synchronously from the code path that decides, once `layer` is
 * provided where breakers are made. Tags are the breaker name and small enums.
 *
 * | metric (Prometheus adds `_total` to counters) | kind | tags |
 * |---|---|---|
 * | `effect_breaker_state` | gauge: 0 closed, 1 open, 2 half_open, 3 forced_open, 4 disabled, 5 metrics_only | breaker |
 * | `effect_breaker_calls` | counter | breaker, outcome (success, failure, ignored) |
 * | `effect_breaker_rejected_calls` | counter | breaker, state (open, half_open, forced_open) |
 * | `effect_breaker_slow_calls` | counter | breaker |
 * | `effect_breaker_transitions` | counter | breaker, from, to |
 * | `effect_breaker_call_duration_seconds` | histogram (5 ms … 120 s) | breaker, outcome |
 * | `effect_breaker_state_seconds` | counter: seconds spent in a state, added when it is left | breaker, state |
 * | `effect_breaker_retries` | counter (by the retry module) | breaker |
 * | `effect_breaker_fallbacks` | counter (by the fallback module) | breaker, kind |
 *
 * The state gauge follows the breaker's lazy transitions: an Open circuit shows
 * 1 until a call arrives after its open duration. Breakers sharing a name share
 * series. Effect's metric registry is process-global.
 *
 * @since 0.1.0
 */
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import { addObserver } from "./internal/observer.js"
import { stateCode as stateCodes } from "./internal/telemetry/attributes.js"
import * as internal from "./internal/telemetry/metrics.js"
import type { State } from "./CircuitBreaker.js"

/**
 * Adds the metrics observer to every breaker made where this layer is provided.
 *
 * **Details**
 *
 * Composes with the other telemetry layers in any order (`Layer.mergeAll`);
 * observers already installed are kept. Breakers made before it is provided are
 * not affected.
 *
 * **Example**
 *
 * ```ts
 * import { Effect } from "effect"
 * import { BreakerMetrics, CircuitBreaker, TripPolicy } from "effect-breaker"
 *
 * const program = Effect.gen(function*() {
 *   const breaker = yield* CircuitBreaker.make({ name: "openai", policy: TripPolicy.consecutiveFailures(5) })
 *   return yield* breaker(Effect.succeed(1))
 * }).pipe(Effect.provide(BreakerMetrics.layer))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<never> = addObserver(internal.observer)

/**
 * The numeric value of the `effect_breaker_state` gauge for each state.
 *
 * @since 0.1.0
 * @category models
 */
export const stateCode: { readonly [K in State]: number } = stateCodes

/**
 * The names of every metric this library emits (before exporters add suffixes).
 *
 * @since 0.1.0
 * @category getters
 */
export const names: ReadonlyArray<string> = internal.metricNames

/**
 * The state gauge, untagged: tag it with `breaker` to read one circuit.
 *
 * @since 0.1.0
 * @category getters
 */
export const state = Metric.fromMetricKey(internal.keys.state)

/**
 * Calls admitted and recorded, tagged `breaker` and `outcome`.
 *
 * @since 0.1.0
 * @category getters
 */
export const calls = Metric.fromMetricKey(internal.keys.calls)

/**
 * Rejected calls, tagged `breaker` and `state`.
 *
 * @since 0.1.0
 * @category getters
 */
export const rejectedCalls = Metric.fromMetricKey(internal.keys.rejected)

/**
 * Slow calls, tagged `breaker`.
 *
 * @since 0.1.0
 * @category getters
 */
export const slowCalls = Metric.fromMetricKey(internal.keys.slowCalls)

/**
 * Transitions, tagged `breaker`, `from` and `to`.
 *
 * @since 0.1.0
 * @category getters
 */
export const transitions = Metric.fromMetricKey(internal.keys.transitions)

/**
 * Call durations in seconds, tagged `breaker` and `outcome`.
 *
 * @since 0.1.0
 * @category getters
 */
export const callDuration = Metric.fromMetricKey(internal.keys.callDuration)

/**
 * Seconds spent in each state (added when the state is left), tagged `breaker` and `state`.
 *
 * @since 0.1.0
 * @category getters
 */
export const stateSeconds = Metric.fromMetricKey(internal.keys.stateTime)

/**
 * Retry attempts after the first, tagged `breaker`.
 *
 * @since 0.1.0
 * @category getters
 */
export const retries = Metric.fromMetricKey(internal.keys.retries)

/**
 * Calls served by a fallback, tagged `breaker` and `kind`.
 *
 * @since 0.1.0
 * @category getters
 */
export const fallbacks = Metric.fromMetricKey(internal.keys.fallbacks)
