/**
 * The presets: values of the one `Settings` type, tuned for calls to LLM
 * providers. Every preset sets every field, so a preset alone is a complete
 * breaker configuration (in a file, in the environment or in code).
 *
 * @internal
 */
import type { DurationText, Settings } from "./types.js"

/** @internal */
export type PresetName = "default" | "aggressive" | "lenient"

/** @internal */
export const presetNames: ReadonlyArray<PresetName> = ["default", "aggressive", "lenient"]

/** @internal */
export const isPresetName = (u: unknown): u is PresetName => u === "default" || u === "aggressive" || u === "lenient"

/** A preset: every field set. @internal */
export interface Preset extends Settings {
  readonly policy: NonNullable<Settings["policy"]>
  readonly openDuration: NonNullable<Settings["openDuration"]>
  readonly maxOpenDuration: DurationText
  readonly halfOpen: { readonly permits: number; readonly successesToClose: number; readonly probeTimeout: DurationText }
}

/**
 * The presets, re-tuned with the simulator against the shipped scenarios (the
 * README's preset table is generated from the simulator: `npm run presets:table`).
 * Each trips on a run of failures, a failure rate, or a slow-call rate judged
 * per output token and time to first token (a long answer is not "slow"; calls
 * that report no work are never judged slow), and caps its backoff so recovery
 * is noticed within the cap.
 *
 * - `default`: 5 failures in a row, or half of ≥20 calls failing or slow in 30 s;
 *   open 20 s doubling to 45 s (a 10-minute outage sees about 14 probes, and
 *   recovery is noticed within 45 s); one good probe closes it.
 * - `aggressive`: a path with a good fallback: 4 in a row, or 30% failing or slow
 *   in 20 s with a tighter first-token allowance; stays away longer (30 s doubling
 *   to 2 min) and closes after two good probes.
 * - `lenient`: the only provider: 10 in a row, or 60% failing (50% slow) in 60 s;
 *   probes again soon (5 s ×1.5 up to 20 s), two probes at once.
 *
 * @internal
 */
export const presets: { readonly [K in PresetName]: Preset } = {
  default: {
    policy: {
      _tag: "Any",
      policies: [
        { _tag: "ConsecutiveFailures", threshold: 5 },
        {
          _tag: "FailureRate",
          threshold: 0.5,
          minimumCalls: 20,
          window: { _tag: "LastDuration", duration: "30 seconds", buckets: 10 }
        },
        {
          _tag: "SlowCallRate",
          perOutputToken: "20 millis",
          timeToFirstToken: "2 seconds",
          threshold: 0.5,
          minimumCalls: 20,
          window: { _tag: "LastDuration", duration: "30 seconds", buckets: 10 }
        }
      ]
    },
    openDuration: { _tag: "Exponential", base: "20 seconds", factor: 2 },
    maxOpenDuration: "45 seconds",
    halfOpen: { permits: 1, successesToClose: 1, probeTimeout: "60 seconds" }
  },
  aggressive: {
    policy: {
      _tag: "Any",
      policies: [
        { _tag: "ConsecutiveFailures", threshold: 4 },
        {
          _tag: "FailureRate",
          threshold: 0.3,
          minimumCalls: 20,
          window: { _tag: "LastDuration", duration: "20 seconds", buckets: 10 }
        },
        {
          _tag: "SlowCallRate",
          perOutputToken: "20 millis",
          timeToFirstToken: "1500 millis",
          threshold: 0.3,
          minimumCalls: 20,
          window: { _tag: "LastDuration", duration: "20 seconds", buckets: 10 }
        }
      ]
    },
    openDuration: { _tag: "Exponential", base: "30 seconds", factor: 2 },
    maxOpenDuration: "2 minutes",
    halfOpen: { permits: 1, successesToClose: 2, probeTimeout: "30 seconds" }
  },
  lenient: {
    policy: {
      _tag: "Any",
      policies: [
        { _tag: "ConsecutiveFailures", threshold: 10 },
        {
          _tag: "FailureRate",
          threshold: 0.6,
          minimumCalls: 20,
          window: { _tag: "LastDuration", duration: "60 seconds", buckets: 12 }
        },
        {
          _tag: "SlowCallRate",
          perOutputToken: "30 millis",
          timeToFirstToken: "3 seconds",
          threshold: 0.5,
          minimumCalls: 20,
          window: { _tag: "LastDuration", duration: "60 seconds", buckets: 12 }
        }
      ]
    },
    openDuration: { _tag: "Exponential", base: "5 seconds", factor: 1.5 },
    maxOpenDuration: "20 seconds",
    halfOpen: { permits: 2, successesToClose: 2, probeTimeout: "60 seconds" }
  }
}
