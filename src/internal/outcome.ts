/**
 * Outcomes and classifiers: the code behind `Outcome.ts` (which holds the
 * types and docs).
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import type { Classifier, Failure, Outcome, Work } from "../Outcome.js"

/** @internal */
export const WorkTypeId: unique symbol = Symbol.for("effect-breaker/Outcome/Work")

/** @internal */
export interface WorkMeasure {
  readonly outputTokens?: number | undefined
  readonly firstTokenMs?: number | undefined
}

/** @internal */
export const work = (measure: WorkMeasure): Work => ({
  [WorkTypeId]: WorkTypeId,
  outputTokens: measure.outputTokens,
  firstTokenMs: measure.firstTokenMs
})

/** @internal */
export const isWork = (u: unknown): u is Work => typeof u === "object" && u !== null && WorkTypeId in u

/** @internal */
export const successWith = (measure: WorkMeasure): Outcome => ({
  _tag: "Success",
  work: isWork(measure) ? measure : work(measure)
})

/** @internal */
export const success: Outcome = Object.freeze({ _tag: "Success" as const })

/** @internal */
export const ignored: Outcome = Object.freeze({ _tag: "Ignored" as const })

const plainFailure: Outcome = Object.freeze({ _tag: "Failure" as const, retryAfter: undefined })

/** @internal */
export const failure = (retryAfter?: Duration.DurationInput): Outcome =>
  retryAfter === undefined ? plainFailure : { _tag: "Failure", retryAfter: Duration.decode(retryAfter) }

/** @internal */
export const isFailure = (self: Outcome): self is Failure => self._tag === "Failure"

/** @internal */
export const defaultClassifier: Classifier = (exit) =>
  exit._tag === "Success"
    ? success
    : Cause.isInterruptedOnly(exit.cause)
    ? ignored
    : plainFailure

/** @internal */
export const classifier = <A, E>(options: {
  readonly onFailure?: ((error: E) => Outcome) | undefined
  readonly onSuccess?: ((value: A) => Outcome) | undefined
}): Classifier<A, E> =>
(exit) => {
  if (exit._tag === "Success") {
    return options.onSuccess ? options.onSuccess(exit.value) : success
  }
  if (Cause.isInterruptedOnly(exit.cause)) return ignored
  if (options.onFailure) {
    const failure = Cause.failureOption(exit.cause)
    if (failure._tag === "Some") return options.onFailure(failure.value)
  }
  return plainFailure
}
