/**
 * The simulator's built-in configurations. They live here until the shared
 * preset registry (`src/Presets.ts`) exists; they are written as the same JSON
 * a config file holds, and go through the same checks.
 *
 * @internal
 */
import type { SimConfig } from "./SimConfig.js"

/** @internal */
export const presets: Readonly<Record<string, SimConfig>> = {
  /** The library's defaults: 5 failures in a row, 30 s open, one probe. */
  default: {
    name: "default",
    description: "5 consecutive failures; open 30 s; 1 probe",
    policy: { _tag: "ConsecutiveFailures", threshold: 5 },
    openDuration: "30 seconds",
    halfOpen: { permits: 1 }
  },
  /** Trips early on few failures or slow calls, backs off exponentially. */
  aggressive: {
    name: "aggressive",
    description: "3 in a row, or ≥20% failed / ≥50% slow (≥5 s) of last 20; open 10 s doubling to 2 min",
    policy: {
      _tag: "Any",
      policies: [
        { _tag: "ConsecutiveFailures", threshold: 3 },
        { _tag: "FailureRate", threshold: 0.2, minimumCalls: 10, window: { _tag: "LastCalls", size: 20 } },
        {
          _tag: "SlowCallRate",
          duration: "5 seconds",
          threshold: 0.5,
          minimumCalls: 10,
          window: { _tag: "LastCalls", size: 20 }
        }
      ]
    },
    openDuration: { exponential: "10 seconds", factor: 2, max: "2 minutes" },
    halfOpen: { permits: 1 }
  },
  /** Tolerates a lot before tripping, retries soon with several probes. */
  lenient: {
    name: "lenient",
    description: "20 in a row, or ≥50% failed over 60 s (min 50 calls); open 10 s; 3 probes",
    policy: {
      _tag: "Any",
      policies: [
        { _tag: "ConsecutiveFailures", threshold: 20 },
        {
          _tag: "FailureRate",
          threshold: 0.5,
          minimumCalls: 50,
          window: { _tag: "LastDuration", duration: "60 seconds", buckets: 12 }
        }
      ]
    },
    openDuration: "10 seconds",
    halfOpen: { permits: 3, successesToClose: 3 }
  }
}
