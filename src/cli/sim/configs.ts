/**
 * The simulator's built-in configurations: the library's presets
 * (`BreakerRegistry.presets`), resolved exactly as a `BreakerRegistry` resolves them and
 * written as the JSON a config file holds, so they go through the same checks
 * and a tuned config file can start from one.
 *
 * @internal
 */
import * as Either from "effect/Either"
import { BreakerRegistry } from "../../index.js"
import type { SimConfig } from "./SimConfig.js"

const seconds = (ms: number) => `${ms / 1000} s`

const describe = (r: BreakerRegistry.Resolved): string => {
  const open = r.openBackoff === "exponential"
    ? `open ${seconds(r.openDurationMs)} doubling to ${seconds(r.openDurationMaxMs)}`
    : `open ${seconds(r.openDurationMs)}`
  return `${r.consecutiveFailures} in a row, or ≥${r.failureRate * 100}% of ≥${r.minimumCalls} calls in ${
    seconds(r.windowMs)
  }; ${open}; ${r.halfOpenPermits} probe(s), ${r.successesToClose} to close`
}

/** A preset as a simulator configuration. @internal */
export const fromPreset = (name: BreakerRegistry.PresetName): SimConfig => {
  const resolved = BreakerRegistry.resolveOptions(name, { preset: name })
  if (Either.isLeft(resolved)) throw new Error(`preset ${name} does not resolve: ${resolved.left.message}`)
  const r = resolved.right.settings
  const policies: Array<Record<string, unknown>> = [{ _tag: "ConsecutiveFailures", threshold: r.consecutiveFailures }]
  if (r.failureRate > 0) {
    policies.push({
      _tag: "FailureRate",
      threshold: r.failureRate,
      minimumCalls: r.minimumCalls,
      window: { _tag: "LastDuration", duration: r.windowMs, buckets: r.windowBuckets }
    })
  }
  if (r.slowCallMs > 0) {
    policies.push({
      _tag: "SlowCallRate",
      duration: r.slowCallMs,
      threshold: r.slowCallRate,
      minimumCalls: r.minimumCalls,
      window: { _tag: "LastDuration", duration: r.windowMs, buckets: r.windowBuckets }
    })
  }
  return {
    name,
    description: describe(r),
    policy: { _tag: "Any", policies } as SimConfig["policy"],
    openDuration: r.openBackoff === "exponential"
      ? { exponential: r.openDurationMs, factor: 2, max: r.openDurationMaxMs }
      : r.openDurationMs,
    maxOpenDuration: r.openDurationMaxMs,
    halfOpen: { permits: r.halfOpenPermits, successesToClose: r.successesToClose, probeTimeout: r.probeTimeoutMs }
  }
}

/** @internal */
export const presets: Readonly<Record<string, SimConfig>> = Object.fromEntries(
  BreakerRegistry.presetNames.map((name) => [name, fromPreset(name)])
)
