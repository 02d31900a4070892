/**
 * Tracing of protected calls with Effect's tracer (exported by
 * `@effect/opentelemetry`, see `effect-breaker/otel`).
 *
 * **Details**
 *
 * With `layer()` provided where breakers are made, every admitted or rejected
 * call is visible in the trace, in one of two modes:
 *
 * - `"annotate"` (default): the caller's current span gets `breaker.name`,
 *   `breaker.state` (state at admission), `breaker.outcome` (success, failure,
 *   ignored, rejected) and `breaker.slow`. Cheapest; if one span makes several
 *   protected calls, the last one's attributes win (the events remain).
 * - `"span"`: each call gets its own child span `breaker <name>` (kind internal)
 *   with the same attributes; the protected effect runs inside it.
 *
 * Transitions become `breaker.transition` span events (from, to, reason and
 * figures) and rejections `breaker.rejected` events (state, retry-after). A call
 * whose fiber is interrupted keeps no `breaker.outcome`. No attribute carries a
 * request, a header or a key.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { addObserver, type TraceMode } from "./internal/observer.js"
import * as attrs from "./internal/telemetry/attributes.js"
import * as genai from "./internal/telemetry/genai.js"

/**
 * How a call is traced: its own child span, or attributes on the caller's span.
 *
 * @since 0.1.0
 * @category models
 */
export type Mode = TraceMode

const annotateLayer = addObserver({ trace: "annotate" })
const spanLayer = addObserver({ trace: "span" })

/**
 * Traces every call of the breakers made where this layer is provided.
 *
 * **Details**
 *
 * `mode` defaults to `"annotate"`. If several tracing layers are installed, the
 * first one wins.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options?: { readonly mode?: Mode | undefined }): Layer.Layer<never> =>
  options?.mode === "span" ? spanLayer : annotateLayer

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
 * import { BreakerSpans } from "effect-breaker"
 *
 * const call = Effect.succeed("hi").pipe(
 *   Effect.withSpan("chat gpt-4o", {
 *     attributes: BreakerSpans.genAiAttributes({ system: "openai", operation: "chat", requestModel: "gpt-4o" })
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
