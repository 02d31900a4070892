/**
 * A breaker's compiled configuration as the Lua scripts read it (one JSON
 * string, compared byte for byte to spot replicas configured differently), and
 * the per-call bit mask a flush carries.
 *
 * @internal
 */
import type * as core from "../core.js"

/** How many open durations of a Schedule are passed (the last repeats). @internal */
export const SCHEDULE_STEPS = 32

/** @internal */
export const encode = (config: core.Config): string => {
  const od: Array<number> = config.openMs !== undefined
    ? [config.openMs]
    : Array.from({ length: SCHEDULE_STEPS }, (_, i) => finite(config.openDelay(i + 1)))
  return JSON.stringify({
    ct: Number.isFinite(config.consecutiveThreshold) ? config.consecutiveThreshold : 0,
    r: config.rates.map((r) => ({
      k: r.kind === "FailureRate" ? 0 : 1,
      th: r.threshold,
      min: r.minimumCalls,
      w: r.window._tag === "LastCalls" ? 0 : 1,
      n: r.window._tag === "LastCalls" ? r.window.size : r.window.buckets,
      d: r.window._tag === "LastCalls" ? 0 : r.window.durationMs
    })),
    od,
    mo: finite(config.maxOpenMs),
    p: config.permits,
    stc: config.successesToClose,
    pt: finite(config.probeTimeoutMs)
  })
}

const finite = (ms: number): number => Number.isFinite(ms) ? Math.max(0, Math.round(ms)) : 2 ** 50

/**
 * Bit 0: failed; bit 1: slow (by the breaker's slow-call duration); bit 2 + i:
 * bad for rate window i (failed for a FailureRate window, at least its
 * duration for a SlowCallRate one).
 *
 * @internal
 */
export const mask = (config: core.Config, failed: boolean, durationMs: number): number => {
  let m = failed ? 1 : 0
  if (durationMs >= config.slowMs) m |= 2
  const rates = config.rates
  for (let i = 0; i < rates.length; i++) {
    const r = rates[i]!
    if (r.kind === "FailureRate" ? failed : durationMs >= r.slowMs) m |= 4 << i
  }
  return m
}
