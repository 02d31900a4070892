/**
 * Checking a breaker's options with the settings Schema and compiling them into
 * the core's `Config`. Runs once, when a breaker is made; never on a call.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as Intervals from "effect/ScheduleIntervals"
import type * as CircuitBreaker from "../CircuitBreaker.js"
import { InvalidOptionError } from "./errors.js"
import type { Classifier } from "../Outcome.js"
import type { TripPolicy } from "../TripPolicy.js"
import type { Config, RateSpec, WindowSpec } from "./core.js"
import { decode, show } from "./settings/decode.js"
import { presets } from "./settings/presets.js"
import * as S from "./settings/schema.js"
import type { BackoffOf, HalfOpenOf, TripPolicyOf, WindowOf } from "./settings/types.js"

/** The breaker's options, as `CircuitBreaker.make` takes them. @internal */
export type Options = CircuitBreaker.Options

type D = Duration.DurationInput

/**
 * What a breaker made in code without a preset starts from. (A registry starts
 * from the `default` preset.)
 *
 * @internal
 */
export const defaults = {
  policy: { _tag: "ConsecutiveFailures", threshold: 5 } as TripPolicy,
  openDuration: "30 seconds",
  maxOpenDuration: "5 minutes",
  halfOpen: { permits: 1, probeTimeout: "60 seconds" }
} as const

class Invalid {
  constructor(readonly error: InvalidOptionError) {}
}

const invalid = (option: string, value: unknown, expected: string): never => {
  throw new Invalid(new InvalidOptionError({ option, value: show(value), expected }))
}

const ms = (d: D): number => Duration.toMillis(Duration.decode(d))

const windowSpec = (path: string, window: WindowOf<D>, minimumCalls: number): WindowSpec => {
  if (window._tag === "LastCalls") {
    if (window.size < minimumCalls) {
      invalid(`${path}.size`, window.size, `at least minimumCalls (${minimumCalls}): a smaller window can never trip`)
    }
    return { _tag: "LastCalls", size: window.size }
  }
  return { _tag: "LastDuration", durationMs: ms(window.duration), buckets: window.buckets }
}

interface Compiled {
  consecutiveThreshold: number
  rates: Array<RateSpec>
}

/** Cross-field checks and compilation of a policy the Schema has accepted. */
const compilePolicy = (path: string, policy: TripPolicyOf<D>, into: Compiled): void => {
  switch (policy._tag) {
    case "ConsecutiveFailures":
      into.consecutiveThreshold = Math.min(into.consecutiveThreshold, policy.threshold)
      return
    case "FailureRate":
    case "SlowCallRate":
      into.rates.push({
        kind: policy._tag,
        threshold: policy.threshold,
        minimumCalls: policy.minimumCalls,
        slowMs: policy._tag === "SlowCallRate" && policy.duration !== undefined ? ms(policy.duration) : Infinity,
        perTokenMs: policy._tag === "SlowCallRate" && policy.perOutputToken !== undefined ? ms(policy.perOutputToken) : 0,
        ttftMs: policy._tag === "SlowCallRate" && policy.timeToFirstToken !== undefined ? ms(policy.timeToFirstToken) : 0,
        window: windowSpec(`${path}.window`, policy.window, policy.minimumCalls)
      })
      return
    case "Any":
      policy.policies.forEach((p, i) => compilePolicy(`${path}.policies[${i}]`, p, into))
  }
}

const attempt = <A>(f: () => A): Either.Either<A, InvalidOptionError> => {
  try {
    return Either.right(f())
  } catch (e) {
    if (e instanceof Invalid) return Either.left(e.error)
    throw e
  }
}

/** Checks a trip policy on its own, naming a bad field by its path under `policy`. @internal */
export const validatePolicy = (policy: TripPolicy): Either.Either<TripPolicy, InvalidOptionError> =>
  Either.flatMap(decode(S.code.TripPolicy, policy, { prefix: "policy" }), (decoded) =>
    attempt(() => {
      compilePolicy("policy", decoded, { consecutiveThreshold: Infinity, rates: [] })
      return policy
    }))

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
    try {
      stepTo(n)
    } catch {
      // A schedule that fails (or needs a service, or waits) at a later step runs inside the breaker's step:
      // it keeps its last delay instead of turning the caller's outcome into a defect.
      done = true
    }
    return delays[Math.min(n, delays.length) - 1]!
  }
}

/** The n-th delay of an exponential backoff, capped. */
const backoffDelays = (backoff: BackoffOf<D>, maxMs: number): (n: number) => number => {
  const base = ms(backoff.base)
  const factor = backoff.factor ?? 2
  return (n) => Math.min(maxMs, base * Math.pow(factor, n - 1))
}

/**
 * Options with the preset (or the built-in defaults) filled in: a field given
 * replaces the preset's, except `halfOpen`, whose fields are taken one by one.
 *
 * @internal
 */
export const withDefaults = <O extends CircuitBreaker.Options>(options: O): O => {
  const base = options.preset === undefined ? defaults : presets[options.preset]
  const halfOpen = { ...base.halfOpen, ...stripUndefined(options.halfOpen ?? {}) } as HalfOpenOf<D>
  return {
    ...options,
    policy: options.policy ?? base.policy,
    openDuration: options.openDuration ?? base.openDuration,
    maxOpenDuration: options.maxOpenDuration ?? base.maxOpenDuration,
    halfOpen
  }
}

const stripUndefined = <A extends object>(a: A): A =>
  Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)) as A

/**
 * Checks every option with the settings Schema, then the checks that span
 * fields. Returns the compiled configuration and the classifier, or the first
 * bad option.
 *
 * @internal
 */
export const compile = (
  options: Options
): Either.Either<{ readonly config: Config; readonly classify: Classifier<any, any> | undefined }, InvalidOptionError> =>
  Either.flatMap(decode(S.Options, options), () =>
    attempt(() => {
      const o = withDefaults(options) as Options & { readonly openDuration: unknown; readonly maxOpenDuration: D }
      const compiled: Compiled = { consecutiveThreshold: Infinity, rates: [] }
      compilePolicy("policy", o.policy as TripPolicyOf<D>, compiled)
      const maxOpenMs = ms(o.maxOpenDuration)
      const open = o.openDuration
      let openMs: number | undefined
      let openDelay: (n: number) => number
      if (Schedule.isSchedule(open)) {
        openMs = undefined
        openDelay = scheduleDelays("openDuration", open as Schedule.Schedule<unknown, unknown>)
      } else if (typeof open === "object" && open !== null && (open as { _tag?: unknown })._tag === "Exponential") {
        const backoff = open as BackoffOf<D>
        if (ms(backoff.base) > maxOpenMs) {
          invalid(
            "openDuration.base",
            backoff.base,
            `at most maxOpenDuration (${Duration.format(Duration.millis(maxOpenMs))}), which caps the backoff`
          )
        }
        openMs = undefined
        openDelay = backoffDelays(backoff, maxOpenMs)
      } else {
        const fixed = ms(open as D)
        openMs = fixed
        openDelay = () => fixed
      }
      const halfOpen = o.halfOpen as HalfOpenOf<D>
      const permits = halfOpen.permits!
      let slowMs = Infinity
      for (const r of compiled.rates) slowMs = Math.min(slowMs, r.slowMs)
      return {
        config: {
          name: o.name,
          consecutiveThreshold: compiled.consecutiveThreshold,
          rates: compiled.rates,
          openDelay,
          openMs,
          maxOpenMs,
          permits,
          successesToClose: halfOpen.successesToClose ?? permits,
          probeTimeoutMs: ms(halfOpen.probeTimeout!),
          slowMs
        },
        classify: o.classify
      }
    }))
