/**
 * The simulator's built-in configurations: the library's presets
 * (`BreakerRegistry.presets`), resolved exactly as a `BreakerRegistry` resolves
 * them, so they go through the same checks and a tuned config file can start
 * from one.
 *
 * @internal
 */
import * as Either from "effect/Either"
import { BreakerRegistry } from "../../index.js"
import { fromValue, type SimConfig } from "./SimConfig.js"

const describePolicy = (p: BreakerRegistry.Resolved["policy"]): string => {
  switch (p._tag) {
    case "ConsecutiveFailures":
      return `${p.threshold} in a row`
    case "FailureRate":
    case "SlowCallRate": {
      const window = p.window._tag === "LastCalls" ? `the last ${p.window.size} calls` : p.window.duration
      const what = p._tag === "FailureRate"
        ? ""
        : ` slow (${
          [
            p.duration === undefined ? undefined : `≥ ${p.duration}`,
            p.timeToFirstToken === undefined ? undefined : `first token ≥ ${p.timeToFirstToken}`,
            p.perOutputToken === undefined ? undefined : `${p.perOutputToken} per output token`
          ].filter((x) => x !== undefined).join(", ")
        })`
      return `≥${p.threshold * 100}% of ≥${p.minimumCalls} calls${what} in ${window}`
    }
    case "Any":
      return p.policies.map(describePolicy).join(", or ")
  }
}

const describe = (r: BreakerRegistry.Resolved): string => {
  const o = r.openDuration
  const open = typeof o === "object"
    ? `open ${o.base} ×${o.factor ?? 2} up to ${r.maxOpenDuration}`
    : `open ${o}`
  return `${describePolicy(r.policy)}; ${open}; ${r.halfOpen.permits} probe(s), ${r.halfOpen.successesToClose} to close`
}

/** A preset as a simulator configuration. @internal */
export const fromPreset = (name: BreakerRegistry.PresetName): SimConfig => {
  const config = fromValue(`preset ${name}`, { name, preset: name })
  if (Either.isLeft(config)) throw new Error(`preset ${name} does not resolve: ${config.left.message}`)
  const resolved = BreakerRegistry.resolveOptions(name, { preset: name })
  if (Either.isLeft(resolved)) throw new Error(`preset ${name} does not resolve: ${resolved.left.message}`)
  return { ...config.right, description: describe(resolved.right.settings) }
}

/** @internal */
export const presets: Readonly<Record<string, SimConfig>> = Object.fromEntries(
  BreakerRegistry.presetNames.map((name) => [name, fromPreset(name)])
)
