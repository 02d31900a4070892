/**
 * Telemetry of breakers, retries, fallbacks and gates: Effect `Metric`s, spans
 * and structured logs from one code path, with no OpenTelemetry import. Export
 * them with `effect-breaker/otel/otlp`, `effect-breaker/otel/prometheus` or `effect-breaker/otel`.
 *
 * **Details**
 *
 * Three layers, provided where breakers are made (they compose in any order;
 * {@link layer} provides all three):
 *
 * - {@link layerMetrics}: metrics, emitted synchronously from the code path that
 *   decides. Tags are the breaker name and small enums.
 * - {@link layerSpans}: every admitted or rejected call visible in the trace,
 *   as attributes on the caller's span (`"annotate"`, default) or as a child
 *   span `breaker <name>` (`"span"`). Transitions become `breaker.transition`
 *   span events and rejections `breaker.rejected` events. No attribute carries
 *   a request, a header or a key.
 * - {@link layerLogs}: WARN when a circuit opens, is forced open or disabled;
 *   INFO when it half-opens, closes or is set to metrics-only; DEBUG for each
 *   rejected call. Every line is annotated with `breaker.name`, `breaker.from`,
 *   `breaker.to`, `breaker.reason` and the figures, and carries names and
 *   numbers only.
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
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import type { State, TransitionEvent } from "./CircuitBreaker.js"
import { addObserver, type TraceMode } from "./internal/observer.js"
import * as attrs from "./internal/telemetry/attributes.js"
import { stateCode as stateCodes } from "./internal/telemetry/attributes.js"
import * as genai from "./internal/telemetry/genai.js"
import * as logs from "./internal/telemetry/logs.js"
import * as internal from "./internal/telemetry/metrics.js"
import type { InvalidOptionError } from "./internal/errors.js"
import { checkEither, options as optionsOf, optional } from "./internal/settings/options.js"
import { expecting } from "./internal/settings/schema.js"
import * as Schema from "effect/Schema"

const SpanOptions = optionsOf({
  mode: optional(expecting(Schema.Literal("annotate", "span"), "\"annotate\" or \"span\""))
})

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
 * import { BreakerTelemetry, CircuitBreaker, TripPolicy } from "effect-breaker"
 *
 * const program = Effect.gen(function*() {
 *   const breaker = yield* CircuitBreaker.make({ name: "openai", policy: TripPolicy.consecutiveFailures(5) })
 *   return yield* breaker(Effect.succeed(1))
 * }).pipe(Effect.provide(BreakerTelemetry.layerMetrics))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMetrics: Layer.Layer<never> = addObserver(internal.observer)

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
export const metricNames: ReadonlyArray<string> = internal.metricNames

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

/**
 * How a call is traced: its own child span, or attributes on the caller's span.
 *
 * @since 0.1.0
 * @category models
 */
export type SpanMode = TraceMode

const annotateLayer = addObserver({ trace: "annotate" })
const spanLayer = addObserver({ trace: "span" })

/**
 * Traces every call of the breakers made where this layer is provided.
 *
 * **Details**
 *
 * `mode` defaults to `"annotate"`: the caller's current span gets
 * `breaker.name`, `breaker.state` (state at admission), `breaker.outcome`
 * (success, failure, ignored, rejected) and `breaker.slow`; if one span makes
 * several protected calls, the last one's attributes win (the events remain).
 * `"span"`: each call gets its own child span `breaker <name>` (kind internal)
 * with the same attributes. A call whose fiber is interrupted keeps no
 * `breaker.outcome`. If several tracing layers are installed, the first one wins.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerSpans = (options?: { readonly mode?: SpanMode | undefined }): Layer.Layer<never, InvalidOptionError> => {
  const checked = options === undefined ? undefined : checkEither(SpanOptions, options)
  if (checked !== undefined && checked._tag === "Left") return Layer.fail(checked.left)
  return options?.mode === "span" ? spanLayer : annotateLayer
}

/**
 * Adds the logging observer to every breaker made where this layer is provided.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerLogs: Layer.Layer<never> = addObserver(logs.observer)

/**
 * Metrics, spans (in `mode`, default `"annotate"`) and logs together.
 *
 * **Example**
 *
 * ```ts
 * import { Effect } from "effect"
 * import { BreakerTelemetry, CircuitBreaker } from "effect-breaker"
 *
 * const program = Effect.gen(function*() {
 *   const breaker = yield* CircuitBreaker.make({ name: "openai" })
 *   return yield* breaker(Effect.succeed(1))
 * }).pipe(Effect.provide(BreakerTelemetry.layer()))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options?: { readonly mode?: SpanMode | undefined }): Layer.Layer<never, InvalidOptionError> =>
  Layer.mergeAll(layerMetrics, layerSpans(options), layerLogs)

/**
 * Stable span attribute and event names.
 *
 * @since 0.1.0
 * @category models
 */
export const Attributes = {
  breakerName: attrs.ATTR_BREAKER_NAME,
  breakerState: attrs.ATTR_BREAKER_STATE,
  breakerOutcome: attrs.ATTR_BREAKER_OUTCOME,
  breakerSlow: attrs.ATTR_BREAKER_SLOW,
  breakerRetryAfterMs: attrs.ATTR_BREAKER_RETRY_AFTER_MS,
  retryAttempt: attrs.ATTR_RETRY_ATTEMPT,
  fallbackServedBy: attrs.ATTR_FALLBACK_SERVED_BY,
  fallbackKind: attrs.ATTR_FALLBACK_KIND,
  rateLimitDecision: attrs.ATTR_RATE_LIMIT_DECISION,
  transitionEvent: attrs.EVENT_TRANSITION,
  rejectedEvent: attrs.EVENT_REJECTED
} as const

/**
 * The fields of an LLM call that may go on a span.
 *
 * @since 0.1.0
 * @category models
 */
export type GenAiCall = genai.GenAiCall

/**
 * OpenTelemetry GenAI semantic-convention attributes for an LLM call.
 *
 * **Details**
 *
 * `gen_ai.system` and `gen_ai.provider.name`, `gen_ai.operation.name`,
 * `gen_ai.request.model`, `gen_ai.response.model`, `gen_ai.usage.input_tokens`,
 * `gen_ai.usage.output_tokens`, `server.address`, `server.port`. Only these typed
 * fields are read; of a URL only the host and port are kept.
 *
 * **Example**
 *
 * ```ts
 * import { Effect } from "effect"
 * import { BreakerTelemetry } from "effect-breaker"
 *
 * const call = Effect.succeed("hi").pipe(
 *   Effect.withSpan("chat gpt-4o", {
 *     attributes: BreakerTelemetry.genAiAttributes({ system: "openai", operation: "chat", requestModel: "gpt-4o" })
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const genAiAttributes: (call: GenAiCall) => Record<string, string | number> = genai.genAiAttributes

/**
 * Adds GenAI attributes to the current span (no-op without one).
 *
 * @since 0.1.0
 * @category combinators
 */
export const annotateGenAi = (call: GenAiCall): Effect.Effect<void> =>
  Effect.annotateCurrentSpan(genai.genAiAttributes(call))

/**
 * The log line written for a transition (WARN or INFO, annotated).
 *
 * @since 0.1.0
 * @category combinators
 */
export const logTransition: (transition: TransitionEvent) => Effect.Effect<void> = logs.logTransition

/**
 * A human summary of a transition, e.g. `circuit openai opened for 30000 ms: 5 consecutive failures (threshold 5)`.
 *
 * @since 0.1.0
 * @category getters
 */
export const transitionMessage: (transition: TransitionEvent) => string = logs.transitionMessage
