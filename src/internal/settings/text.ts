/**
 * Settings from code written as a file would say them (durations as text with
 * a unit), for reports: the admin API, `Entry.settings`, the simulator's configs.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Schedule from "effect/Schedule"
import type { BackoffOf, DurationText, HalfOpenOf, Settings, TripPolicyOf, WindowOf } from "./types.js"

const units: ReadonlyArray<readonly [number, string]> = [
  [7 * 24 * 3_600_000, "week"],
  [24 * 3_600_000, "day"],
  [3_600_000, "hour"],
  [60_000, "minute"],
  [1_000, "second"],
  [1, "milli"]
]

/** A duration as text Effect reads back exactly: `90000` → `"90 seconds"`, `300000` → `"5 minutes"`; text stays as written. @internal */
export const durationText = (input: Duration.DurationInput): DurationText => {
  if (typeof input === "string") return input.trim() as DurationText // as the user wrote it
  const d = Duration.decode(input)
  const ms = Duration.toMillis(d)
  if (Number.isInteger(ms)) {
    for (const [size, unit] of units) {
      if (ms % size === 0 && (ms > 0 || size === 1)) {
        const n = ms / size
        return `${n} ${unit}${n === 1 ? "" : "s"}` as DurationText
      }
    }
  }
  const nanos = Duration.toNanos(d)
  return `${nanos._tag === "Some" ? String(nanos.value) : String(ms * 1e6)} nanos` as DurationText
}

const windowText = (w: WindowOf<Duration.DurationInput>): WindowOf<DurationText> =>
  w._tag === "LastCalls" ? w : { _tag: "LastDuration", duration: durationText(w.duration), buckets: w.buckets }

/** @internal */
export const policyText = (p: TripPolicyOf<Duration.DurationInput>): TripPolicyOf<DurationText> => {
  switch (p._tag) {
    case "ConsecutiveFailures":
      return p
    case "FailureRate":
      return { ...p, window: windowText(p.window) }
    case "SlowCallRate":
      return {
        _tag: "SlowCallRate",
        threshold: p.threshold,
        minimumCalls: p.minimumCalls,
        ...(p.duration === undefined ? {} : { duration: durationText(p.duration) }),
        ...(p.perOutputToken === undefined ? {} : { perOutputToken: durationText(p.perOutputToken) }),
        ...(p.timeToFirstToken === undefined ? {} : { timeToFirstToken: durationText(p.timeToFirstToken) }),
        window: windowText(p.window)
      }
    case "Any":
      return { _tag: "Any", policies: p.policies.map(policyText) }
  }
}

/** How a `Schedule` open duration is reported (it has no file form). @internal */
export const scheduleText = "(a Schedule)" as const

/** @internal */
export const openDurationText = (
  o: Duration.DurationInput | BackoffOf<Duration.DurationInput> | Schedule.Schedule<unknown, unknown>
): DurationText | BackoffOf<DurationText> | "(a Schedule)" => {
  if (Schedule.isSchedule(o)) return scheduleText
  if (typeof o === "object" && o !== null && (o as { _tag?: unknown })._tag === "Exponential") {
    const b = o as BackoffOf<Duration.DurationInput>
    return { _tag: "Exponential", base: durationText(b.base), factor: b.factor ?? 2 }
  }
  return durationText(o as Duration.DurationInput)
}

/** @internal */
export const halfOpenText = (h: HalfOpenOf<Duration.DurationInput>): HalfOpenOf<DurationText> => ({
  ...(h.permits === undefined ? {} : { permits: h.permits }),
  ...(h.successesToClose === undefined ? {} : { successesToClose: h.successesToClose }),
  ...(h.probeTimeout === undefined ? {} : { probeTimeout: durationText(h.probeTimeout) })
})

/** Settings in their file form. @internal */
export const settingsText = (s: {
  readonly preset?: Settings["preset"]
  readonly policy?: TripPolicyOf<Duration.DurationInput> | undefined
  readonly openDuration?: Duration.DurationInput | BackoffOf<Duration.DurationInput> | Schedule.Schedule<unknown, unknown> | undefined
  readonly maxOpenDuration?: Duration.DurationInput | undefined
  readonly halfOpen?: HalfOpenOf<Duration.DurationInput> | undefined
}): Settings =>
  ({
  ...(s.preset === undefined ? {} : { preset: s.preset }),
  ...(s.policy === undefined ? {} : { policy: policyText(s.policy) }),
  ...(s.openDuration === undefined ? {} : { openDuration: openDurationText(s.openDuration) }),
  ...(s.maxOpenDuration === undefined ? {} : { maxOpenDuration: durationText(s.maxOpenDuration) }),
  ...(s.halfOpen === undefined ? {} : { halfOpen: halfOpenText(s.halfOpen) })
  }) as Settings // but a Schedule open duration reads `scheduleText`
