/**
 * Health of breakers: `healthy`, `degraded` or `failed`, with the figures behind it.
 *
 * **Details**
 *
 * | state | status |
 * |---|---|
 * | `Closed`, quiet | `healthy` |
 * | `Closed` with an elevated failure (or slow-call) rate or run of failures: at least `degradedAt` (default half) of a trip threshold | `degraded` |
 * | `HalfOpen` (probing after an opening) | `degraded` |
 * | `Open`, `ForcedOpen` | `failed` |
 * | `Disabled` (an operator turned protection off: calls flow, nothing is recorded) | `degraded` |
 * | `MetricsOnly` (calls flow and are recorded, it never trips) | as `Closed`: at most `degraded` |
 *
 * A rate counts only once the window holds the policy's `minimumCalls`. The
 * overall status is the worst of the breakers (`failWhen: "any"`, the default) or,
 * for breakers that back each other up, `failed` only when every one has failed
 * (`failWhen: "all"`; anything not healthy is then `degraded`).
 * {@link evaluate} and {@link overall} are pure; {@link check} reads a registry.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { Stats } from "../../CircuitBreaker.js"
import type { Resolved } from "../settings/types.js"
import type { Registry } from "./registry.js"

/**
 * @since 0.1.0
 * @category models
 */
export type Status = "healthy" | "degraded" | "failed"

/**
 * The trip thresholds health compares against; `0` (or absent) means the policy is off.
 *
 * @since 0.1.0
 * @category models
 */
export interface Thresholds {
  readonly consecutiveFailures?: number | undefined
  readonly failureRate?: number | undefined
  readonly slowCallRate?: number | undefined
  readonly minimumCalls?: number | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The fraction of a trip threshold at which a closed breaker is `degraded`. Default 0.5. */
  readonly degradedAt?: number | undefined
  /** `"any"` (default): overall is the worst status. `"all"`: `failed` only when every breaker failed. */
  readonly failWhen?: "any" | "all" | undefined
}

/**
 * One breaker's health: its status, a one-line reason, and the snapshot it was read from.
 *
 * @since 0.1.0
 * @category models
 */
export interface BreakerHealth {
  readonly breaker: string
  readonly status: Status
  readonly reason: string
  readonly stats: Stats
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Report {
  readonly status: Status
  readonly breakers: ReadonlyArray<BreakerHealth>
}

/**
 * The thresholds of a breaker made by a registry.
 *
 * @since 0.1.0
 * @category constructors
 */
export const thresholdsOf = (settings: Pick<Resolved, "policy">): Thresholds => {
  let consecutiveFailures = 0
  let failureRate = 0
  let slowCallRate = 0
  let minimumCalls: number | undefined
  const walk = (p: Resolved["policy"]): void => {
    switch (p._tag) {
      case "ConsecutiveFailures":
        consecutiveFailures = consecutiveFailures === 0 ? p.threshold : Math.min(consecutiveFailures, p.threshold)
        return
      case "FailureRate":
      case "SlowCallRate":
        // the stats' rates are over the first rate policy's window
        minimumCalls ??= p.minimumCalls
        if (p._tag === "FailureRate" && failureRate === 0) failureRate = p.threshold
        if (p._tag === "SlowCallRate" && slowCallRate === 0) slowCallRate = p.threshold
        return
      case "Any":
        p.policies.forEach(walk)
    }
  }
  walk(settings.policy)
  return { consecutiveFailures, failureRate, slowCallRate, minimumCalls: minimumCalls ?? 1 }
}

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`

const elevated = (stats: Stats, t: Thresholds, at: number): string | undefined => {
  const enough = stats.calls > 0 && stats.calls >= (t.minimumCalls ?? 1)
  const fr = t.failureRate ?? 0
  if (fr > 0 && enough && stats.failureRate >= fr * at) {
    return `failure rate ${pct(stats.failureRate)} over ${stats.calls} calls (trips at ${pct(fr)})`
  }
  const sr = t.slowCallRate ?? 0
  if (sr > 0 && enough && stats.slowCallRate >= sr * at) {
    return `slow-call rate ${pct(stats.slowCallRate)} over ${stats.calls} calls (trips at ${pct(sr)})`
  }
  const cf = t.consecutiveFailures ?? 0
  if (cf > 0 && stats.consecutiveFailures >= Math.max(1, Math.ceil(cf * at))) {
    return `${stats.consecutiveFailures} failures in a row (trips at ${cf})`
  }
  return undefined
}

/**
 * The health of one breaker from its snapshot and its trip thresholds.
 *
 * @since 0.1.0
 * @category constructors
 */
export const evaluate = (stats: Stats, thresholds: Thresholds = {}, options?: Options): BreakerHealth => {
  const at = options?.degradedAt ?? 0.5
  const make = (status: Status, reason: string): BreakerHealth => ({ breaker: stats.breaker, status, reason, stats })
  switch (stats.state) {
    case "Open":
      return make("failed", `open after ${stats.openings} consecutive opening(s); next probe in ${stats.retryAfterMs} ms`)
    case "ForcedOpen":
      return make("failed", "forced open by an operator: every call is rejected")
    case "HalfOpen":
      return make("degraded", `half-open: ${stats.probesInFlight} probe(s) in flight, ${stats.probeSuccesses} succeeded`)
    case "Disabled":
      return make("degraded", "disabled by an operator: calls are not protected and nothing is recorded")
    case "Closed":
    case "MetricsOnly": {
      const why = elevated(stats, thresholds, at)
      const prefix = stats.state === "MetricsOnly" ? "metrics only (never trips): " : ""
      return why === undefined ? make("healthy", `${prefix}closed, quiet`) : make("degraded", prefix + why)
    }
  }
}

const rank: Record<Status, number> = { healthy: 0, degraded: 1, failed: 2 }

/**
 * The overall status of several breakers (`healthy` when there are none).
 *
 * @since 0.1.0
 * @category constructors
 */
export const overall = (breakers: ReadonlyArray<BreakerHealth>, options?: Options): Status => {
  let worst: Status = "healthy"
  let failed = 0
  for (const b of breakers) {
    if (rank[b.status] > rank[worst]) worst = b.status
    if (b.status === "failed") failed++
  }
  if (options?.failWhen === "all" && worst === "failed" && failed < breakers.length) return "degraded"
  return worst
}

/**
 * A report over snapshots and their thresholds.
 *
 * @since 0.1.0
 * @category constructors
 */
export const report = (
  items: ReadonlyArray<{ readonly stats: Stats; readonly thresholds?: Thresholds | undefined }>,
  options?: Options
): Report => {
  const breakers = items.map((i) => evaluate(i.stats, i.thresholds, options))
  return { status: overall(breakers, options), breakers }
}

/**
 * The health of every breaker in `registry`, now.
 *
 * @internal
 */
export const check = (registry: Registry, options?: Options): Effect.Effect<Report> =>
  Effect.map(
    Effect.forEach(registry.entries, (e) =>
      Effect.map(e.breaker.stats, (stats) => ({ stats, thresholds: thresholdsOf(e.settings) }))),
    (items) => report(items, options)
  )

/**
 * @since 0.1.0
 * @category guards
 */
export const isStatus = (u: unknown): u is Status => u === "healthy" || u === "degraded" || u === "failed"
