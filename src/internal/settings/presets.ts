/**
 * The presets: values of the one `Settings` type, tuned for calls to LLM
 * providers. Every preset sets every field, so a preset alone is a complete
 * breaker configuration (in a file, in the environment or in code).
 *
 * @internal
 */
import type { Settings } from "./types.js"

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
  readonly maxOpenDuration: string
  readonly halfOpen: { readonly permits: number; readonly successesToClose: number; readonly probeTimeout: string }
}

/** @internal */
export const presets: { readonly [K in PresetName]: Preset } = {
  default: {
    policy: {
      _tag: "Any",
      policies: [
        { _tag: "ConsecutiveFailures", threshold: 5 },
        {
          _tag: "FailureRate",
          threshold: 0.5,
          minimumCalls: 10,
          window: { _tag: "LastDuration", duration: "60 seconds", buckets: 12 }
        }
      ]
    },
    openDuration: { _tag: "Exponential", base: "30 seconds", factor: 2 },
    maxOpenDuration: "5 minutes",
    halfOpen: { permits: 1, successesToClose: 1, probeTimeout: "90 seconds" }
  },
  aggressive: {
    policy: {
      _tag: "Any",
      policies: [
        { _tag: "ConsecutiveFailures", threshold: 3 },
        {
          _tag: "FailureRate",
          threshold: 0.25,
          minimumCalls: 8,
          window: { _tag: "LastDuration", duration: "30 seconds", buckets: 10 }
        }
      ]
    },
    openDuration: { _tag: "Exponential", base: "60 seconds", factor: 2 },
    maxOpenDuration: "10 minutes",
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
          window: { _tag: "LastDuration", duration: "2 minutes", buckets: 12 }
        }
      ]
    },
    openDuration: "10 seconds",
    maxOpenDuration: "2 minutes",
    halfOpen: { permits: 3, successesToClose: 2, probeTimeout: "2 minutes" }
  }
}
