/**
 * Retry, Schedule first: any `Schedule` decides the backoff; this module adds
 * only what the library knows (never retry an open circuit, stop when the
 * circuit will still be open at the next attempt, wait at least a provider's
 * hint, fail at once on a hint past `maxWait`). The convenience options build
 * the backoff with `Schedule.exponential`, `Schedule.jitteredWith`,
 * `Schedule.modifyDelay` and `Schedule.recurs`.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import { pipeArguments } from "effect/Pipeable"
import * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as Interval from "effect/ScheduleInterval"
import * as Intervals from "effect/ScheduleIntervals"
import type { CircuitBreaker } from "../../CircuitBreaker.js"
import { isCircuitBreaker } from "../breaker.js"
import { CircuitOpenError, type InvalidOptionError } from "../errors.js"
import { isHalfOpenRejection, rejectionOf, retryHalfOpen } from "../rejection.js"
import { annotateAttempt } from "../telemetry/annotate.js"
import * as check from "../validate.js"
import type { Options } from "../../Retry.js"
import type { Retry } from "../../Retry.js"
import { dropPromise } from "../callback.js"
/** @internal */
export type { Retry } from "../../Retry.js"
/** @internal */
export type { Options } from "../../Retry.js"

/** Why a retry stopped. @internal */
export type StopReason = "CircuitOpen" | "NotRetryable" | "AttemptsExhausted" | "RetryAfterTooLong" | "ElapsedExceeded"

/** Validated options. @internal */
export interface Config<E> {
  /** The backoff: the user's schedule, or one built from the convenience options. */
  readonly backoff: Schedule.Schedule<unknown, unknown>
  /** False when `times` is 0: the call runs once, unwrapped. */
  readonly enabled: boolean
  /** Cap on the time from the first failure to a retry's start (convenience options only; else Infinity). */
  readonly maxElapsedMs: number
  readonly maxWaitMs: number
  readonly retryable: ((error: E) => boolean) | undefined
  readonly hint: ((error: E) => Duration.Duration | undefined) | undefined
  /** When set: stop at once if this breaker would still reject when the next attempt is due. */
  readonly breaker: CircuitBreaker | undefined
}

/** @internal */
export const defaults = {
  times: 3,
  baseMs: 100,
  factor: 2,
  maxDelayMs: 10_000,
  maxElapsedMs: 60_000,
  jitter: 0.2,
  maxWaitMs: 30_000
} as const

/**
 * The convenience backoff as a Schedule: `times` recurrences of
 * `min(maxDelay, base * factor^(n-1))`, jittered by `±jitter` and capped again.
 *
 * @internal
 */
export const exponential = (options: {
  readonly times: number
  readonly baseMs: number
  readonly factor: number
  readonly maxDelayMs: number
  readonly jitter: number
}): Schedule.Schedule<unknown> => {
  const maxDelay = Duration.millis(options.maxDelayMs)
  const cap = Schedule.modifyDelay((_: unknown, delay: Duration.Duration) => Duration.min(delay, maxDelay))
  const capped = cap(Schedule.exponential(Duration.millis(options.baseMs), options.factor))
  const jittered = options.jitter === 0
    ? capped
    : cap(Schedule.jitteredWith(capped, { min: 1 - options.jitter, max: 1 + options.jitter }))
  return Schedule.intersect(jittered, Schedule.recurs(options.times))
}

const convenience = ["times", "base", "factor", "maxDelay", "maxElapsed", "jitter"] as const

/** Checks options; throws `Invalid` (see `validate.ts`). @internal */
export const compile = <E>(options: Options<E> | undefined, path = "retry"): Config<E> => {
  const o = options ?? {}
  check.object(path, o)
  const common = {
    maxWaitMs: check.millis(`${path}.maxWait`, o.maxWait, defaults.maxWaitMs, { allowZero: true, allowInfinite: true }),
    retryable: check.func<(error: E) => boolean>(`${path}.while`, o.while, "a function from the error to boolean"),
    hint: check.func<(error: E) => Duration.Duration | undefined>(
      `${path}.retryAfter`,
      o.retryAfter,
      "a function from the error to a Duration or undefined"
    ),
    breaker: o.breaker === undefined || isCircuitBreaker(o.breaker)
      ? o.breaker
      : check.invalid(`${path}.breaker`, o.breaker, "a CircuitBreaker (CircuitBreaker.make)")
  }
  if (o.schedule !== undefined) {
    if (!Schedule.isSchedule(o.schedule)) check.invalid(`${path}.schedule`, o.schedule, "a Schedule")
    const both = convenience.find((k) => o[k] !== undefined)
    if (both !== undefined) {
      check.invalid(`${path}.${both}`, o[both], `nothing: "schedule" is set, so the schedule alone decides the backoff`)
    }
    // Type-only widening: the backoff is stepped with the failures the retry sees, which its input type names
    // (a composed policy also feeds it its timeouts and gate rejections, see Resilience.RetryOptions).
    const backoff = o.schedule as Schedule.Schedule<unknown, unknown>
    return { ...common, backoff, enabled: true, maxElapsedMs: Infinity }
  }
  const times = check.integer(`${path}.times`, o.times, 0, 1_000_000, defaults.times)
  const backoff = exponential({
    times,
    baseMs: check.millis(`${path}.base`, o.base, defaults.baseMs, { allowZero: true }),
    factor: check.number(`${path}.factor`, o.factor, 1, 1_000, defaults.factor),
    maxDelayMs: check.millis(`${path}.maxDelay`, o.maxDelay, defaults.maxDelayMs, { allowZero: true }),
    jitter: check.number(`${path}.jitter`, o.jitter, 0, 1, defaults.jitter)
  })
  const maxElapsedMs = check.millis(`${path}.maxElapsed`, o.maxElapsed, defaults.maxElapsedMs, {
    allowZero: true,
    allowInfinite: true
  })
  return { ...common, backoff, enabled: times > 0, maxElapsedMs }
}

interface StepState {
  readonly inner: unknown
  readonly attempt: number
  readonly start: number
}

/**
 * What the library knows about a failure before the backoff is asked: stop
 * (and why), or the least delay (a provider's hint, 0 without one). A
 * caller-supplied predicate or hint that throws stops the retry (the call
 * fails with its own error) rather than crashing the fiber.
 */
const judge = <E>(c: Config<E>, error: E | CircuitOpenError, halfOpen: boolean): number | StopReason => {
  const rejection = rejectionOf(error) // also one carried as a cause (an AiError from the LanguageModel wrappers)
  if (rejection !== undefined) {
    // Open/ForcedOpen: known to be failing, stop. HalfOpen: a probe decides now; try again after the backoff
    // (its retryAfter is zero), unless `halfOpen` is false (a failover step: the next step serves instead).
    return rejection.state === "HalfOpen" && halfOpen ? 0 : "CircuitOpen"
  }
  let hintMs = 0
  try {
    // not a rejection, so one of the caller's own failures
    if (c.retryable !== undefined) {
      const verdict: unknown = c.retryable(error as E)
      if (dropPromise(verdict) || !verdict) return "NotRetryable" // an async predicate answers nothing (as if it threw)
    }
    const hint = c.hint?.(error as E)
    if (dropPromise(hint)) throw hint
    if (hint !== undefined) hintMs = Duration.toMillis(hint)
  } catch {
    return "NotRetryable"
  }
  if (!(hintMs >= 0)) hintMs = 0
  return hintMs > c.maxWaitMs ? "RetryAfterTooLong" : hintMs
}

/**
 * The schedule: the backoff, guarded by what the library knows. Its input is
 * the failure, its output the delay it chose. When it stops it annotates the
 * current span with `retry.stop` (the failure path only).
 *
 * @internal
 */
export const schedule = <E>(c: Config<E>): Schedule.Schedule<Duration.Duration, E | CircuitOpenError> =>
  Schedule.makeWithState<StepState, E | CircuitOpenError, Duration.Duration>(
    { inner: c.backoff.initial, attempt: 1, start: -1 },
    (now, error, state) => {
      const start = state.start < 0 ? now : state.start
      const stop = (reason: StopReason) =>
        Effect.as(
          Effect.annotateCurrentSpan({ "retry.stop": reason, "retry.attempts": state.attempt }),
          [state, Duration.zero, ScheduleDecision.done] as const
        )
      const step = (halfOpen: boolean) => {
        const least = judge(c, error, halfOpen)
        if (typeof least === "string") return stop(least)
        return Effect.flatMap(c.backoff.step(now, error, state.inner), ([inner, _, decision]) => {
          if (ScheduleDecision.isDone(decision)) return stop("AttemptsExhausted")
          // whole milliseconds: a jittered delay is fractional, and under a TestClock a span started at a
          // fractional instant dies (its clock turns millis into BigInt nanos); the retry.attempt span is one
          const d = Math.ceil(Math.max(Intervals.start(decision.intervals) - now, least, 0))
          if (now - start + d > c.maxElapsedMs) return stop("ElapsedExceeded")
          const go = Effect.succeed([
            { inner, attempt: state.attempt + 1, start },
            Duration.millis(d),
            ScheduleDecision.continueWith(Interval.after(now + d))
          ] as const)
          // if the breaker will still be rejecting when the attempt is due, waiting is pointless
          return c.breaker === undefined
            ? go
            : Effect.flatMap(c.breaker.stats, (s) => s.retryAfterMs > d ? stop("CircuitOpen") : go)
        })
      }
      return isHalfOpenRejection(error) ? Effect.flatMap(FiberRef.get(retryHalfOpen), step) : step(true)
    }
  )

/** @internal */
export const TypeId: unique symbol = Symbol.for("effect-breaker/Retry")

/**
 * `Effect.retry(self, schedule)`, but the schedule's driver is only built after
 * the first failure: `Effect.retry` builds it up front, which costs ~10 µs on
 * every successful call (measured: breaker 1.8 µs → retry(breaker) 10.7 µs).
 * Same semantics: each failure steps the schedule (which sleeps the delay);
 * when it is done the last failure is returned.
 */
const retryLazily = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  sched: Schedule.Schedule<unknown, E>,
  breaker: string | undefined
): Effect.Effect<A, E, R> =>
  Effect.catchAll(self, (first) =>
    Effect.flatMap(Schedule.driver(sched), (driver) => {
      let attempt = 1
      const loop = (error: E): Effect.Effect<A, E, R> =>
        Effect.matchEffect(driver.next(error), {
          onFailure: () => Effect.fail(error),
          onSuccess: () => Effect.catchAll(retried(self, ++attempt, breaker), loop)
        })
      return loop(first)
    }))

/**
 * A retried attempt (2 = the first retry) in a child span of its own,
 * `retry.attempt`, counted in `effect_breaker_retries`. The first attempt runs
 * bare: a call that succeeds at once pays nothing for this.
 */
const retried = <A, E, R>(self: Effect.Effect<A, E, R>, attempt: number, breaker: string | undefined): Effect.Effect<A, E, R> =>
  Effect.withSpan(Effect.zipRight(annotateAttempt(attempt, breaker), self), "retry.attempt", {
    attributes: breaker === undefined ? { "retry.attempt": attempt } : { "retry.attempt": attempt, "breaker.name": breaker },
    captureStackTrace: false
  })

const RetryProto = {
  [TypeId]: TypeId,
  pipe() {
    return pipeArguments(this, arguments)
  }
}

/** Builds the policy from a validated config. @internal */
export const fromConfig = <E>(config: Config<E>): Retry<E> => {
  const sched = schedule(config)
  const retry = <A, E2 extends E | CircuitOpenError, R>(self: Effect.Effect<A, E2, R>): Effect.Effect<A, E2, R> =>
    config.enabled ? retryLazily(self, sched, config.breaker?.name) : self
  const policy = Object.setPrototypeOf(retry, RetryProto)
  Object.assign(policy, { schedule: sched, config })
  return policy as Retry<E>
}

/** @internal */
export const make = <E>(options?: Options<E>): Effect.Effect<Retry<E>, InvalidOptionError> =>
  check.validated(() => fromConfig(compile(options)))

/** @internal */
export const isRetry = (u: unknown): u is Retry<unknown> => typeof u === "function" && TypeId in u
