/**
 * What a finished call means for the health of the dependency behind a breaker.
 *
 * **Details**
 *
 * Classification is kept apart from the breaker: a {@link Classifier} maps the
 * `Exit` of a call to an `Outcome`, and the breaker only ever sees outcomes.
 *
 * - `Success`: the dependency answered well.
 * - `Failure`: the dependency is unhealthy; an optional `retryAfter` (for
 *   example a provider's `Retry-After`) may lengthen the next opening.
 * - `Ignored`: says nothing about the dependency (the caller was interrupted,
 *   the request itself was invalid, the caller hit its own rate limit).
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Exit from "effect/Exit"
import * as internal from "./internal/outcome.js"

/**
 * @since 0.1.0
 * @category models
 */
export type Outcome = Success | Failure | Ignored

/**
 * @since 0.1.0
 * @category models
 */
export interface Success {
  readonly _tag: "Success"
  /** What the call did, when known: lets a slow-call policy judge its latency relative to the work. */
  readonly work?: Work | undefined
}

/**
 * The work a successful call did, for slow-call policies that judge latency
 * relative to it (`TripPolicy.slowCallRate` with `perOutputToken` or
 * `timeToFirstToken`): an LLM answer's output tokens (its usage), and for a
 * stream the time its first element took.
 *
 * The LLM classifiers (`effect-breaker/llm`, `effect-breaker/ai`) fill it in from
 * the response's usage, and a protected stream measures its time to first
 * element, so nobody has to.
 *
 * @since 0.2.0
 * @category models
 */
export interface Work {
  readonly [WorkTypeId]: typeof WorkTypeId
  /** Output tokens of the answer. */
  readonly outputTokens?: number | undefined
  /** Millis from the call's start to its first streamed element. */
  readonly firstTokenMs?: number | undefined
}

/**
 * @since 0.2.0
 * @category type ids
 */
export const WorkTypeId: typeof internal.WorkTypeId = internal.WorkTypeId

/**
 * A work measure. A protected effect may also succeed with one (a stream's
 * protection does): a breaker then records it with the success.
 *
 * @since 0.2.0
 * @category constructors
 */
export const work: (measure: { readonly outputTokens?: number | undefined; readonly firstTokenMs?: number | undefined }) => Work =
  internal.work

/**
 * @since 0.2.0
 * @category guards
 */
export const isWork: (u: unknown) => u is Work = internal.isWork

/**
 * A success that did `measure` of work (see {@link Work}).
 *
 * **Example**
 *
 * ```ts
 * import { Outcome } from "effect-breaker"
 *
 * // An answer of 420 output tokens: a SlowCallRate policy with perOutputToken judges its duration against 420 tokens.
 * const outcome = Outcome.successWith({ outputTokens: 420 })
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const successWith: (
  measure: { readonly outputTokens?: number | undefined; readonly firstTokenMs?: number | undefined }
) => Outcome = internal.successWith

/**
 * @since 0.1.0
 * @category models
 */
export interface Failure {
  readonly _tag: "Failure"
  /** A hint from the dependency of how long to stay away. */
  readonly retryAfter: Duration.Duration | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Ignored {
  readonly _tag: "Ignored"
}

/**
 * Maps the exit of a call to an outcome.
 *
 * @since 0.1.0
 * @category models
 */
export type Classifier<A = unknown, E = unknown> = (exit: Exit.Exit<A, E>) => Outcome

/**
 * @since 0.1.0
 * @category constructors
 */
export const success: Outcome = internal.success

/**
 * @since 0.1.0
 * @category constructors
 */
export const ignored: Outcome = internal.ignored

/**
 * A failure, optionally with a hint of how long the dependency asked us to stay away.
 *
 * @since 0.1.0
 * @category constructors
 */
export const failure: (retryAfter?: Duration.DurationInput) => Outcome = internal.failure

/**
 * @since 0.1.0
 * @category guards
 */
export const isFailure: (self: Outcome) => self is Failure = internal.isFailure

/**
 * The default classification: a success is `Success`, a failure or a defect is
 * `Failure`, and an exit whose cause is interruption alone is `Ignored`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const defaultClassifier: Classifier = internal.defaultClassifier

/**
 * Builds a classifier from a function over the typed error: defects count as
 * failures and interruption alone is ignored, as in {@link defaultClassifier}.
 * Use `onSuccess` to classify a successful value as a failure (for example an
 * answer that is well-formed HTTP but garbage).
 *
 * @since 0.1.0
 * @category constructors
 */
export const classifier: <A, E>(options: {
  readonly onFailure?: ((error: E) => Outcome) | undefined
  readonly onSuccess?: ((value: A) => Outcome) | undefined
}) => Classifier<A, E> = internal.classifier
