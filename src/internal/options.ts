/**
 * Checking a breaker's options and compiling them into the core's `Config`.
 * Every check names the option by its path and shows the bad value.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as Intervals from "effect/ScheduleIntervals"
import type * as CircuitBreaker from "../CircuitBreaker.js"
import type { InvalidOptionError } from "./errors.js"
import type { Classifier } from "../Outcome.js"
import type { TripPolicy, Window } from "../TripPolicy.js"
import type { Config, RateSpec, WindowSpec } from "./core.js"
import * as check from "./validate.js"

/** The breaker's options, as `CircuitBreaker.make` takes them. @internal */
export type Options = CircuitBreaker.Options

/** @internal */
export const defaults = {
  policy: { _tag: "ConsecutiveFailures", threshold: 5 } as TripPolicy,
  openDurationMs: 30_000,
  maxOpenDurationMs: 5 * 60_000,
  permits: 1,
  probeTimeoutMs: 60_000
} as const

/** A required duration option in millis; must be finite, and positive unless `allowZero`. @internal */
export const durationMillis = (path: string, value: unknown, allowZero: boolean): number =>
  value === undefined ? check.invalid(path, value, "a duration such as 500 or \"2 seconds\"") : check.millis(path, value, NaN, { allowZero })

/** A required integer option. */
const integer = (path: string, value: unknown, min: number, max: number): number =>
  value === undefined ? check.invalid(path, value, `an integer from ${min} to ${max}`) : check.integer(path, value, min, max, NaN)

const windowSpec = (path: string, window: Window | undefined, minimumCalls: number): WindowSpec => {
  if (typeof window !== "object" || window === null) return check.invalid(path, window, "TripPolicy.lastCalls(n) or TripPolicy.lastDuration(d)")
  switch (window._tag) {
    case "LastCalls": {
      const size = integer(`${path}.size`, window.size, 1, 1_000_000)
      if (size < minimumCalls) {
        check.invalid(`${path}.size`, size, `at least minimumCalls (${minimumCalls}): a smaller window can never trip`)
      }
      return { _tag: "LastCalls", size }
    }
    case "LastDuration":
      return {
        _tag: "LastDuration",
        durationMs: durationMillis(`${path}.duration`, window.duration, false),
        buckets: integer(`${path}.buckets`, window.buckets, 1, 1_000)
      }
    default:
      return check.invalid(`${path}._tag`, (window as { _tag: unknown })._tag, "\"LastCalls\" or \"LastDuration\"")
  }
}

interface Compiled {
  consecutiveThreshold: number
  rates: Array<RateSpec>
}

const compilePolicy = (path: string, policy: TripPolicy, into: Compiled): void => {
  if (typeof policy !== "object" || policy === null) {
    check.invalid(path, policy, "a TripPolicy (TripPolicy.consecutiveFailures, failureRate, slowCallRate or any)")
  }
  switch (policy._tag) {
    case "ConsecutiveFailures":
      into.consecutiveThreshold = Math.min(
        into.consecutiveThreshold,
        integer(`${path}.threshold`, policy.threshold, 1, 1_000_000)
      )
      return
    case "FailureRate":
    case "SlowCallRate": {
      const threshold = check.fraction(`${path}.threshold`, policy.threshold)
      const minimumCalls = integer(`${path}.minimumCalls`, policy.minimumCalls, 1, 1_000_000)
      const slowMs = policy._tag === "SlowCallRate" ? durationMillis(`${path}.duration`, policy.duration, false) : Infinity
      into.rates.push({
        kind: policy._tag,
        threshold,
        minimumCalls,
        slowMs,
        window: windowSpec(`${path}.window`, policy.window, minimumCalls)
      })
      return
    }
    case "Any":
      if (!Array.isArray(policy.policies) || policy.policies.length === 0) {
        check.invalid(`${path}.policies`, policy.policies, "at least one policy")
      }
      policy.policies.forEach((p, i) => compilePolicy(`${path}.policies[${i}]`, p, into))
      return
    default:
      check.invalid(`${path}._tag`, (policy as { _tag: unknown })._tag, "a TripPolicy")
  }
}

/** Checks a trip policy on its own, naming a bad field by its path under `policy`. @internal */
export const validatePolicy = (policy: TripPolicy): Either.Either<TripPolicy, InvalidOptionError> =>
  check.validatedEither(() => {
    compilePolicy("policy", policy, { consecutiveThreshold: Infinity, rates: [] })
    return policy
  })

/**
 * Turns a `Schedule` into "how long is the n-th opening" by stepping it, once
 * per n, memoised. A schedule that is done keeps its last delay.
 */
const scheduleDelays = (path: string, schedule: Schedule.Schedule<unknown, unknown>): (n: number) => number => {
  const delays: Array<number> = []
  let state = schedule.initial
  let now = 0
  let done = false
  const stepTo = (n: number) => {
    while (!done && delays.length < n && delays.length < 1024) {
      const [next, , decision] = Effect.runSync(schedule.step(now, undefined, state))
      if (ScheduleDecision.isDone(decision)) {
        done = true
        break
      }
      const delay = Math.max(0, Intervals.start(decision.intervals) - now)
      state = next
      now += delay
      delays.push(delay)
    }
  }
  try {
    stepTo(1)
  } catch {
    check.invalid(path, schedule, "a Schedule that needs no services and does not fail")
  }
  if (delays.length === 0) check.invalid(path, schedule, "a Schedule that yields at least one delay")
  return (n) => {
    stepTo(n)
    return delays[Math.min(n, delays.length) - 1]!
  }
}

/**
 * Checks every option. Returns the compiled configuration and the classifier, or
 * the first bad option.
 *
 * @internal
 */
export const compile = (
  options: Options
): Either.Either<{ readonly config: Config; readonly classify: Classifier<any, any> | undefined }, InvalidOptionError> =>
  check.validatedEither(() => {
    if (typeof options !== "object" || options === null) check.invalid("options", options, "an object")
    if (typeof options.name !== "string" || options.name.length === 0 || options.name.length > 200) {
      check.invalid("name", options.name, "a non-empty string of at most 200 characters")
    }
    const compiled: Compiled = { consecutiveThreshold: Infinity, rates: [] }
    compilePolicy("policy", options.policy ?? defaults.policy, compiled)
    const open = options.openDuration
    const openMs = Schedule.isSchedule(open)
      ? undefined
      : open === undefined
      ? defaults.openDurationMs
      : durationMillis("openDuration", open, true)
    const openDelay = openMs === undefined ? scheduleDelays("openDuration", open as Schedule.Schedule<unknown, unknown>) : () => openMs
    const maxOpenMs = options.maxOpenDuration === undefined
      ? defaults.maxOpenDurationMs
      : durationMillis("maxOpenDuration", options.maxOpenDuration, true)
    const halfOpen = options.halfOpen ?? {}
    if (typeof halfOpen !== "object" || halfOpen === null) check.invalid("halfOpen", halfOpen, "an object")
    const permits = halfOpen.permits === undefined ? defaults.permits : integer("halfOpen.permits", halfOpen.permits, 1, 10_000)
    const successesToClose = halfOpen.successesToClose === undefined
      ? permits
      : integer("halfOpen.successesToClose", halfOpen.successesToClose, 1, 1_000_000)
    const probeTimeoutMs = halfOpen.probeTimeout === undefined
      ? defaults.probeTimeoutMs
      : durationMillis("halfOpen.probeTimeout", halfOpen.probeTimeout, false)
    if (options.classify !== undefined && typeof options.classify !== "function") {
      check.invalid("classify", options.classify, "a function from Exit to Outcome")
    }
    let slowMs = Infinity
    for (const r of compiled.rates) slowMs = Math.min(slowMs, r.slowMs)
    return {
      config: {
        name: options.name,
        consecutiveThreshold: compiled.consecutiveThreshold,
        rates: compiled.rates,
        openDelay,
        openMs,
        maxOpenMs,
        permits,
        successesToClose,
        probeTimeoutMs,
        slowMs
      },
      classify: options.classify
    }
  })
