/**
 * When a closed circuit should open: trip policies are plain data built by the
 * constructors here and checked when a breaker is made.
 *
 * **Details**
 *
 * - {@link consecutiveFailures}: open after `threshold` failures in a row.
 * - {@link failureRate}: open when failures make up at least `threshold` of the
 *   calls in a window, once the window holds `minimumCalls` calls.
 * - {@link slowCallRate}: the same for calls that took at least `duration`.
 * - {@link any}: open when any of several policies would.
 *
 * A window is either the last `size` calls ({@link lastCalls}) or the last
 * `duration` of time split into `buckets` ({@link lastDuration}); both use
 * bounded memory and record a call in O(1).
 *
 * `CircuitBreaker.make` checks its policy and fails with `InvalidOptionError`
 * naming the bad field; {@link validate} runs the same checks on a policy alone
 * (for a policy read from configuration, say).
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Either from "effect/Either"
import type { InvalidOptionError } from "./CircuitBreaker.js"
import { validatePolicy } from "./internal/options.js"

/**
 * @since 0.1.0
 * @category models
 */
export type TripPolicy = ConsecutiveFailures | FailureRate | SlowCallRate | Any

/**
 * @since 0.1.0
 * @category models
 */
export interface ConsecutiveFailures {
  readonly _tag: "ConsecutiveFailures"
  readonly threshold: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface FailureRate {
  readonly _tag: "FailureRate"
  /** A fraction in (0, 1]: 0.5 opens when half the calls in the window failed. */
  readonly threshold: number
  readonly minimumCalls: number
  readonly window: Window
}

/**
 * @since 0.1.0
 * @category models
 */
export interface SlowCallRate {
  readonly _tag: "SlowCallRate"
  /** A call that takes at least this long is slow (when no work-relative threshold applies to it). */
  readonly duration?: Duration.DurationInput | undefined
  /**
   * Latency relative to work: a call whose outcome reports its output tokens (`Outcome.Work`) is slow when it
   * took at least `timeToFirstToken + perOutputToken × outputTokens`.
   */
  readonly perOutputToken?: Duration.DurationInput | undefined
  /** A stream whose first element took at least this long is slow; also the fixed allowance of `perOutputToken`. */
  readonly timeToFirstToken?: Duration.DurationInput | undefined
  readonly threshold: number
  readonly minimumCalls: number
  readonly window: Window
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Any {
  readonly _tag: "Any"
  readonly policies: ReadonlyArray<TripPolicy>
}

/**
 * @since 0.1.0
 * @category models
 */
export type Window = LastCalls | LastDuration

/**
 * @since 0.1.0
 * @category models
 */
export interface LastCalls {
  readonly _tag: "LastCalls"
  readonly size: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface LastDuration {
  readonly _tag: "LastDuration"
  readonly duration: Duration.DurationInput
  readonly buckets: number
}

/**
 * Opens after `threshold` consecutive failures.
 *
 * @since 0.1.0
 * @category constructors
 */
export const consecutiveFailures = (threshold: number): TripPolicy => ({ _tag: "ConsecutiveFailures", threshold })

/**
 * A window over the last `size` recorded calls.
 *
 * @since 0.1.0
 * @category constructors
 */
export const lastCalls = (size: number): Window => ({ _tag: "LastCalls", size })

/**
 * A window over the last `duration`, kept as `buckets` buckets (default 10): a
 * call ages out of the window one bucket at a time.
 *
 * @since 0.1.0
 * @category constructors
 */
export const lastDuration = (duration: Duration.DurationInput, buckets = 10): Window => ({
  _tag: "LastDuration",
  duration,
  buckets
})

/**
 * Opens when at least `threshold` (a fraction in (0, 1]) of the calls in the
 * window failed, once the window holds at least `minimumCalls` calls.
 * The window defaults to the last 100 calls.
 *
 * @since 0.1.0
 * @category constructors
 */
export const failureRate = (options: {
  readonly threshold: number
  readonly minimumCalls?: number | undefined
  readonly window?: Window | undefined
}): TripPolicy => ({
  _tag: "FailureRate",
  threshold: options.threshold,
  minimumCalls: options.minimumCalls ?? 10,
  window: options.window ?? lastCalls(100)
})

/**
 * Opens when at least `threshold` of the calls in the window were slow, once
 * the window holds at least `minimumCalls` calls.
 *
 * **Details**
 *
 * A call's slowness is judged relative to the work it did when that is known
 * (its outcome carries an `Outcome.Work`; the LLM classifiers and protected
 * streams supply it):
 *
 * - a stream is slow when its first element took `timeToFirstToken` or longer;
 * - an answer that reports its output tokens is slow when it took
 *   `timeToFirstToken + perOutputToken × outputTokens` or longer (a long answer
 *   may take long; a short one may not);
 * - any other call is slow when it took `duration` or longer (never, without `duration`).
 *
 * At least one of `duration`, `perOutputToken` and `timeToFirstToken` is required.
 *
 * **Example**
 *
 * ```ts
 * import { TripPolicy } from "effect-breaker"
 *
 * // An LLM route: slow past 1.5 s to the first token plus 40 ms per output token; half the last minute slow opens it.
 * const policy = TripPolicy.slowCallRate({
 *   perOutputToken: "40 millis",
 *   timeToFirstToken: "1500 millis",
 *   threshold: 0.5,
 *   minimumCalls: 20,
 *   window: TripPolicy.lastDuration("60 seconds", 12)
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const slowCallRate = (options: {
  readonly duration?: Duration.DurationInput | undefined
  readonly perOutputToken?: Duration.DurationInput | undefined
  readonly timeToFirstToken?: Duration.DurationInput | undefined
  readonly threshold: number
  readonly minimumCalls?: number | undefined
  readonly window?: Window | undefined
}): TripPolicy => ({
  _tag: "SlowCallRate",
  ...(options.duration === undefined ? {} : { duration: options.duration }),
  ...(options.perOutputToken === undefined ? {} : { perOutputToken: options.perOutputToken }),
  ...(options.timeToFirstToken === undefined ? {} : { timeToFirstToken: options.timeToFirstToken }),
  threshold: options.threshold,
  minimumCalls: options.minimumCalls ?? 10,
  window: options.window ?? lastCalls(100)
})

/**
 * Opens when any one of the policies would.
 *
 * @since 0.1.0
 * @category constructors
 */
export const any = (...policies: ReadonlyArray<TripPolicy>): TripPolicy => ({ _tag: "Any", policies })

/**
 * Checks a policy: every threshold, minimum and window in range, a count window
 * at least as large as its minimum number of calls.
 *
 * **Example**
 *
 * ```ts
 * import { Either } from "effect"
 * import { TripPolicy } from "effect-breaker"
 *
 * const checked = TripPolicy.validate(TripPolicy.failureRate({ threshold: 1.5 }))
 * // Either.isLeft(checked) and checked.left.message is
 * // 'Invalid option "policy.threshold": got 1.5, expected a number in (0, 1]'
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const validate: (policy: TripPolicy) => Either.Either<TripPolicy, InvalidOptionError> = validatePolicy
