/**
 * Named starting points for a breaker's settings, tuned for calls to LLM
 * providers. A breaker in a `BreakerRegistry` starts from a preset and
 * overrides any field.
 *
 * **Details**
 *
 * | setting | `default` | `aggressive` | `lenient` |
 * |---|---|---|---|
 * | consecutiveFailures | 5 | 3 | 10 |
 * | failureRate | 0.5 | 0.25 | 0.6 |
 * | minimumCalls | 10 | 8 | 20 |
 * | window (buckets) | 60 seconds (12) | 30 seconds (10) | 2 minutes (12) |
 * | slowCallDuration / slowCallRate | off / 0.8 | off / 0.8 | off / 0.8 |
 * | openDuration, openBackoff | 30 seconds, exponential | 60 seconds, exponential | 10 seconds, fixed |
 * | openDurationMax | 5 minutes | 10 minutes | 2 minutes |
 * | halfOpenPermits / successesToClose | 1 / 1 | 1 / 2 | 3 / 2 |
 * | probeTimeout | 90 seconds | 30 seconds | 2 minutes |
 *
 * - `default`: one provider with a fallback or a retry budget. Trips on a clear run of
 *   failures or half the calls of the last minute failing; backs off 30 s, 60 s, 2 min, 4 min, 5 min.
 * - `aggressive`: a latency-sensitive path with a good fallback (another provider or model):
 *   fail over early and stay away longer, close only after two good probes.
 * - `lenient`: the only provider, no fallback: open only on a plain outage and probe again soon,
 *   several probes at once so recovery is noticed quickly.
 *
 * The slow-call policy is off in every preset: an LLM call's latency depends on the
 * length of the answer, so a fixed threshold says little. Set `slowCallDuration` to
 * turn it on for a route whose answers have a bounded size.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"

/**
 * @since 0.1.0
 * @category models
 */
export type PresetName = "default" | "aggressive" | "lenient"

/**
 * The names of the presets, in the order of the table above.
 *
 * @since 0.1.0
 * @category models
 */
export const presetNames: ReadonlyArray<PresetName> = ["default", "aggressive", "lenient"]

/**
 * A breaker's settings as flat data: what an environment variable or a JSON
 * file can say. Every field is optional; a missing field comes from the preset.
 *
 * **Details**
 *
 * - `consecutiveFailures`: open after this many failures in a row; `0` turns it off.
 * - `failureRate`: open when this fraction of the calls in `window` failed, once the
 *   window holds `minimumCalls` calls; `0` turns it off.
 * - `window`, `windowBuckets`: the time window of the rate policies and how many buckets
 *   it is kept in.
 * - `slowCallDuration`, `slowCallRate`: a call that takes at least `slowCallDuration` is
 *   slow; open when `slowCallRate` of the window is slow. Off unless `slowCallDuration` is set
 *   (`0` turns it off again).
 * - `openDuration`: how long the first opening lasts. `openBackoff: "exponential"` doubles
 *   it for each consecutive opening; `openDurationMax` caps both that and a provider's
 *   `retry-after` hint.
 * - `halfOpenPermits`, `successesToClose`, `probeTimeout`: the half-open probes.
 *
 * @since 0.1.0
 * @category models
 */
export interface Settings {
  readonly preset?: PresetName | undefined
  readonly consecutiveFailures?: number | undefined
  readonly failureRate?: number | undefined
  readonly minimumCalls?: number | undefined
  readonly window?: Duration.DurationInput | undefined
  readonly windowBuckets?: number | undefined
  readonly slowCallDuration?: Duration.DurationInput | undefined
  readonly slowCallRate?: number | undefined
  readonly openDuration?: Duration.DurationInput | undefined
  readonly openBackoff?: "fixed" | "exponential" | undefined
  readonly openDurationMax?: Duration.DurationInput | undefined
  readonly halfOpenPermits?: number | undefined
  readonly successesToClose?: number | undefined
  readonly probeTimeout?: Duration.DurationInput | undefined
}

/**
 * Settings with every field decided, durations in milliseconds, `0` for a policy
 * that is off. What a registry reports for each breaker (and what health reads
 * its thresholds from).
 *
 * @since 0.1.0
 * @category models
 */
export interface Resolved {
  readonly preset: PresetName
  readonly consecutiveFailures: number
  readonly failureRate: number
  readonly minimumCalls: number
  readonly windowMs: number
  readonly windowBuckets: number
  readonly slowCallMs: number
  readonly slowCallRate: number
  readonly openDurationMs: number
  readonly openBackoff: "fixed" | "exponential"
  readonly openDurationMaxMs: number
  readonly halfOpenPermits: number
  readonly successesToClose: number
  readonly probeTimeoutMs: number
}

/**
 * The presets. Each sets every field but `slowCallDuration`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const presets: { readonly [K in PresetName]: Settings } = {
  default: {
    consecutiveFailures: 5,
    failureRate: 0.5,
    minimumCalls: 10,
    window: "60 seconds",
    windowBuckets: 12,
    slowCallRate: 0.8,
    openDuration: "30 seconds",
    openBackoff: "exponential",
    openDurationMax: "5 minutes",
    halfOpenPermits: 1,
    successesToClose: 1,
    probeTimeout: "90 seconds"
  },
  aggressive: {
    consecutiveFailures: 3,
    failureRate: 0.25,
    minimumCalls: 8,
    window: "30 seconds",
    windowBuckets: 10,
    slowCallRate: 0.8,
    openDuration: "60 seconds",
    openBackoff: "exponential",
    openDurationMax: "10 minutes",
    halfOpenPermits: 1,
    successesToClose: 2,
    probeTimeout: "30 seconds"
  },
  lenient: {
    consecutiveFailures: 10,
    failureRate: 0.6,
    minimumCalls: 20,
    window: "2 minutes",
    windowBuckets: 12,
    slowCallRate: 0.8,
    openDuration: "10 seconds",
    openBackoff: "fixed",
    openDurationMax: "2 minutes",
    halfOpenPermits: 3,
    successesToClose: 2,
    probeTimeout: "2 minutes"
  }
}

/**
 * @since 0.1.0
 * @category guards
 */
export const isPresetName = (u: unknown): u is PresetName =>
  u === "default" || u === "aggressive" || u === "lenient"
