/**
 * Checking a breaker's options and compiling them into the core's `Config`.
 * Every check names the option by its path and shows the bad value.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as Intervals from "effect/ScheduleIntervals"
import { InvalidOptionError } from "../CircuitBreakerError.js"
import type { Classifier } from "../Outcome.js"
import type { TripPolicy, Window } from "../TripPolicy.js"
import type { Config, RateSpec, WindowSpec } from "./core.js"

/** @internal */
export interface Options {
  readonly name: string
  readonly policy?: TripPolicy | undefined
  readonly openDuration?: Duration.DurationInput | Schedule.Schedule<unknown, unknown> | undefined
  readonly maxOpenDuration?: Duration.DurationInput | undefined
  readonly halfOpen?: {
    readonly permits?: number | undefined
    readonly successesToClose?: number | undefined
    readonly probeTimeout?: Duration.DurationInput | undefined
  } | undefined
  readonly classify?: Classifier<any, any> | undefined
}

/** @internal */
export const defaults = {
  policy: { _tag: "ConsecutiveFailures", threshold: 5 } as TripPolicy,
  openDurationMs: 30_000,
  maxOpenDurationMs: 5 * 60_000,
  permits: 1,
  probeTimeoutMs: 60_000
} as const

/** Renders a bad value for an error message without throwing on anything. @internal */
export const show = (value: unknown): string => {
  if (typeof value === "string") return JSON.stringify(value)
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value)
  if (value === undefined || value === null) return String(value)
  if (typeof value === "function") return "a function"
  if (Duration.isDuration(value)) return Duration.format(value)
  if (Schedule.isSchedule(value)) return "a Schedule"
  try {
    const json = JSON.stringify(value)
    return json === undefined ? typeof value : json.length > 200 ? `${json.slice(0, 200)}…` : json
  } catch {
    return typeof value
  }
}

class Invalid {
  constructor(readonly error: InvalidOptionError) {}
}

const invalid = (option: string, value: unknown, expected: string): never => {
  throw new Invalid(new InvalidOptionError({ option, value: show(value), expected }))
}

const integer = (path: string, value: unknown, min: number, max: number): number => {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    invalid(path, value, `an integer from ${min} to ${max}`)
  }
  return value as number
}

const fraction = (path: string, value: unknown): number => {
  if (typeof value !== "number" || !(value > 0 && value <= 1)) {
    invalid(path, value, "a number in (0, 1]")
  }
  return value as number
}

const isNegativeInput = (input: unknown): boolean =>
  (typeof input === "number" && (input < 0 || Number.isNaN(input))) ||
  (typeof input === "bigint" && input < 0n) ||
  (typeof input === "string" && input.trimStart().startsWith("-")) ||
  (Array.isArray(input) && input.some((n) => typeof n !== "number" || n < 0 || Number.isNaN(n)))

/** A duration option in millis; must be finite, and positive unless `allowZero`. @internal */
export const durationMillis = (path: string, value: unknown, allowZero: boolean): number => {
  const decoded = isNegativeInput(value) ? undefined : Duration.decodeUnknown(value)
  if (decoded === undefined || decoded._tag === "None") {
    return invalid(path, value, "a duration such as 500, \"2 seconds\" or Duration.seconds(2), not negative")
  }
  const ms = Duration.toMillis(decoded.value)
  if (!Number.isFinite(ms) || (!allowZero && ms <= 0)) {
    invalid(path, value, allowZero ? "a finite duration" : "a finite duration greater than zero")
  }
  return ms
}

const windowSpec = (path: string, window: Window | undefined, minimumCalls: number): WindowSpec => {
  if (typeof window !== "object" || window === null) return invalid(path, window, "TripPolicy.lastCalls(n) or TripPolicy.lastDuration(d)")
  switch (window._tag) {
    case "LastCalls": {
      const size = integer(`${path}.size`, window.size, 1, 1_000_000)
      if (size < minimumCalls) {
        invalid(`${path}.size`, size, `at least minimumCalls (${minimumCalls}): a smaller window can never trip`)
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
      return invalid(`${path}._tag`, (window as { _tag: unknown })._tag, "\"LastCalls\" or \"LastDuration\"")
  }
}

interface Compiled {
  consecutiveThreshold: number
  rates: Array<RateSpec>
}

const compilePolicy = (path: string, policy: TripPolicy, into: Compiled): void => {
  if (typeof policy !== "object" || policy === null) {
    invalid(path, policy, "a TripPolicy (TripPolicy.consecutiveFailures, failureRate, slowCallRate or any)")
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
      const threshold = fraction(`${path}.threshold`, policy.threshold)
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
        invalid(`${path}.policies`, policy.policies, "at least one policy")
      }
      policy.policies.forEach((p, i) => compilePolicy(`${path}.policies[${i}]`, p, into))
      return
    default:
      invalid(`${path}._tag`, (policy as { _tag: unknown })._tag, "a TripPolicy")
  }
}

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
    invalid(path, schedule, "a Schedule that needs no services and does not fail")
  }
  if (delays.length === 0) invalid(path, schedule, "a Schedule that yields at least one delay")
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
): Either.Either<{ readonly config: Config; readonly classify: Classifier<any, any> | undefined }, InvalidOptionError> => {
  try {
    if (typeof options !== "object" || options === null) invalid("options", options, "an object")
    if (typeof options.name !== "string" || options.name.length === 0 || options.name.length > 200) {
      invalid("name", options.name, "a non-empty string of at most 200 characters")
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
    if (typeof halfOpen !== "object" || halfOpen === null) invalid("halfOpen", halfOpen, "an object")
    const permits = halfOpen.permits === undefined ? defaults.permits : integer("halfOpen.permits", halfOpen.permits, 1, 10_000)
    const successesToClose = halfOpen.successesToClose === undefined
      ? permits
      : integer("halfOpen.successesToClose", halfOpen.successesToClose, 1, 1_000_000)
    const probeTimeoutMs = halfOpen.probeTimeout === undefined
      ? defaults.probeTimeoutMs
      : durationMillis("halfOpen.probeTimeout", halfOpen.probeTimeout, false)
    if (options.classify !== undefined && typeof options.classify !== "function") {
      invalid("classify", options.classify, "a function from Exit to Outcome")
    }
    let slowMs = Infinity
    for (const r of compiled.rates) slowMs = Math.min(slowMs, r.slowMs)
    return Either.right({
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
    })
  } catch (e) {
    if (e instanceof Invalid) return Either.left(e.error)
    throw e
  }
}
