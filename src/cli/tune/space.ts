/**
 * The settings space the tuner searches: each dimension a short list of
 * values, a candidate an index per dimension (a "genome"). A genome becomes a
 * breaker's settings in the one settings vocabulary (what a settings file says
 * and the registry loads) and, from those, the simulator's configuration.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import type { BreakerRegistry } from "../../index.js"
import type { SimConfig } from "../sim/SimConfig.js"

/** The dimensions and their values, in the order a genome lists them. @internal */
export const dimensions = {
  consecutiveFailures: [3, 5, 8, 12, 20],
  failureRate: [0, 0.25, 0.4, 0.5, 0.6, 0.8],
  minimumCalls: [10, 20, 50, 100],
  window: ["10 seconds", "30 seconds", "60 seconds", "2 minutes"],
  slowRate: [0, 0.3, 0.5, 0.7],
  perOutputToken: ["20 millis", "30 millis", "50 millis", "80 millis"],
  timeToFirstToken: ["1 second", "2 seconds", "4 seconds"],
  openBase: ["1 second", "2 seconds", "5 seconds", "10 seconds", "20 seconds", "30 seconds"],
  openFactor: [1, 1.5, 2],
  maxOpen: ["10 seconds", "15 seconds", "20 seconds", "30 seconds", "45 seconds", "60 seconds", "2 minutes", "5 minutes"],
  permits: [1, 2, 3],
  successesToClose: [1, 2, 3],
  probeTimeout: ["30 seconds", "60 seconds"]
} as const

/** @internal */
export type Dimension = keyof typeof dimensions

/** @internal */
export const dimensionNames = Object.keys(dimensions) as ReadonlyArray<Dimension>

/** One index per dimension. @internal */
export type Genome = ReadonlyArray<number>

/**
 * A breaker's settings in the one vocabulary, as a settings file holds them,
 * every field set: the public `BreakerRegistry.Preset` type, so the presets are
 * starting points as they are and a candidate is written as a settings file.
 *
 * @internal
 */
export type SettingsData = BreakerRegistry.Preset

/** A trip policy as data, durations as text (the settings file flavour). @internal */
export type PolicyData = SettingsData["policy"]

type DurationText = SettingsData["maxOpenDuration"]

const millis = (text: DurationText): number => Duration.toMillis(Duration.decode(text))

/** The value of dimension `d` in genome `g`. @internal */
export const valueOf = <D extends Dimension>(g: Genome, d: D): typeof dimensions[D][number] =>
  dimensions[d][g[dimensionNames.indexOf(d)]!]!

/**
 * A genome with its dead dimensions pinned to 0 (a slow-call threshold that is
 * off makes its per-token values irrelevant, ...), so equal settings have one
 * genome and are evaluated once. The cap is raised to at least the base.
 *
 * @internal
 */
export const normalize = (g: Genome): Genome => {
  const out = [...g]
  const at = (d: Dimension) => dimensionNames.indexOf(d)
  if (valueOf(g, "slowRate") === 0) {
    out[at("perOutputToken")] = 0
    out[at("timeToFirstToken")] = 0
  }
  if (valueOf(g, "failureRate") === 0 && valueOf(g, "slowRate") === 0) {
    out[at("minimumCalls")] = 0
    out[at("window")] = 0
  }
  while (millis(dimensions.maxOpen[out[at("maxOpen")]!]!) < millis(dimensions.openBase[out[at("openBase")]!]!)) {
    out[at("maxOpen")]!++
  }
  return out
}

/** @internal */
export const key = (g: Genome): string => g.join(".")

/** The settings a genome stands for. @internal */
export const toSettings = (g: Genome): SettingsData => {
  const window = { _tag: "LastDuration" as const, duration: valueOf(g, "window"), buckets: 10 }
  const minimumCalls = valueOf(g, "minimumCalls")
  const policies: Array<PolicyData> = [{ _tag: "ConsecutiveFailures", threshold: valueOf(g, "consecutiveFailures") }]
  const rate = valueOf(g, "failureRate")
  if (rate > 0) policies.push({ _tag: "FailureRate", threshold: rate, minimumCalls, window })
  const slow = valueOf(g, "slowRate")
  if (slow > 0) {
    policies.push({
      _tag: "SlowCallRate",
      perOutputToken: valueOf(g, "perOutputToken"),
      timeToFirstToken: valueOf(g, "timeToFirstToken"),
      threshold: slow,
      minimumCalls,
      window
    })
  }
  const factor = valueOf(g, "openFactor")
  const base = valueOf(g, "openBase")
  return {
    policy: policies.length === 1 ? policies[0]! : { _tag: "Any", policies },
    openDuration: factor === 1 ? base : { _tag: "Exponential", base, factor },
    maxOpenDuration: valueOf(g, "maxOpen"),
    halfOpen: {
      permits: valueOf(g, "permits"),
      successesToClose: valueOf(g, "successesToClose"),
      probeTimeout: valueOf(g, "probeTimeout")
    }
  }
}

/**
 * The simulator's configuration for settings in the one vocabulary: the same
 * fields, passed to the breaker as they are (what `simulate` does with a
 * settings file, so a replay runs exactly these settings).
 *
 * @internal
 */
export const toSimConfig = (name: string, s: SettingsData, extra: Partial<SimConfig> = {}): SimConfig => ({
  name,
  description: describe(s),
  policy: s.policy,
  openDuration: s.openDuration,
  maxOpenDuration: s.maxOpenDuration,
  halfOpen: s.halfOpen,
  ...extra
})

const short = (text: DurationText): string => {
  const ms = millis(text)
  return ms < 1000 ? `${ms} ms` : ms < 120_000 ? `${ms / 1000} s` : `${ms / 60_000} min`
}

type WindowData = Extract<PolicyData, { readonly _tag: "FailureRate" }>["window"]

const window = (w: WindowData): string =>
  w._tag === "LastDuration" ? `in ${short(w.duration)}` : `in the last ${w.size} calls`

/** One line saying what the settings do. @internal */
export const describe = (s: SettingsData): string => {
  const policies = s.policy._tag === "Any" ? s.policy.policies : [s.policy]
  const parts = policies.map((p) => {
    switch (p._tag) {
      case "ConsecutiveFailures":
        return `${p.threshold} in a row`
      case "FailureRate":
        return `≥${p.threshold * 100}% failing of ≥${p.minimumCalls} ${window(p.window)}`
      case "SlowCallRate": {
        const judged = p.perOutputToken !== undefined
          ? `${p.timeToFirstToken === undefined ? "" : `${short(p.timeToFirstToken)} + `}${short(p.perOutputToken)}/token`
          : p.timeToFirstToken !== undefined
          ? `first token ${short(p.timeToFirstToken)}`
          : `${short(p.duration ?? "0 millis")}`
        return `≥${p.threshold * 100}% slow (${judged}) of ≥${p.minimumCalls} ${window(p.window)}`
      }
      default:
        return "any"
    }
  })
  const open = typeof s.openDuration === "string"
    ? `open ${short(s.openDuration)}`
    : `open ${short(s.openDuration.base)} ×${s.openDuration.factor ?? 2} to ${short(s.maxOpenDuration)}`
  return `${parts.join(", or ")}; ${open}; ${s.halfOpen.permits} probe(s), ${s.halfOpen.successesToClose} to close`
}
