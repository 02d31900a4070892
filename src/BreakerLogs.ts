/**
 * Structured logs of what a breaker decides, written with `Effect.log*` in the
 * fiber whose call caused it.
 *
 * **Details**
 *
 * - WARN when a circuit opens (with the reason and the figures that tripped it:
 *   failures and threshold, or rate, threshold and calls, and how long it stays
 *   open), is forced open or is disabled;
 * - INFO when it half-opens, closes or is set to metrics-only;
 * - DEBUG for each rejected call (hidden under Effect's default minimum level, INFO).
 *
 * Every line is annotated with `breaker.name`, `breaker.from`, `breaker.to`,
 * `breaker.reason` and the figures, so it reaches any logger the program installs
 * and, inside a span, becomes a span event. Lines carry names and numbers only.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type { TransitionEvent } from "./CircuitBreaker.js"
import { addObserver } from "./internal/observer.js"
import * as internal from "./internal/telemetry/logs.js"

/**
 * Adds the logging observer to every breaker made where this layer is provided.
 *
 * **Details**
 *
 * Composes with the other telemetry layers in any order.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<never> = addObserver(internal.observer)

/**
 * The log line written for a transition (WARN or INFO, annotated).
 *
 * @since 0.1.0
 * @category combinators
 */
export const logTransition: (transition: TransitionEvent) => Effect.Effect<void> = internal.logTransition

/**
 * A human summary of a transition, e.g. `circuit openai opened for 30000 ms: 5 consecutive failures (threshold 5)`.
 *
 * @since 0.1.0
 * @category getters
 */
export const transitionMessage: (transition: TransitionEvent) => string = internal.transitionMessage
