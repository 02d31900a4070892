/**
 * A breaker's compiled configuration as the Lua scripts read it (one JSON
 * string, compared byte for byte to spot replicas configured differently), and
 * the per-call bit mask a flush carries.
 *
 * @internal
 */
import type * as core from "../core.js"
import { judgeSlow } from "../window.js"

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
export const mask = (
  config: core.Config,
  failed: boolean,
  durationMs: number,
  outputTokens: number = 0,
  firstTokenMs: number = NaN
): number => {
  let m = failed ? 1 : 0
  let slowAny = false
  const rates = config.rates
  for (let i = 0; i < rates.length; i++) {
    const r = rates[i]!
    // A slow-call policy judges the call relative to its work when the outcome reported it (as the core does).
    const bad = r.kind === "FailureRate"
      ? failed
      : judgeSlow(r.slowMs, r.perTokenMs ?? 0, r.ttftMs ?? 0, durationMs, outputTokens, firstTokenMs)
    if (bad) m |= 4 << i
    if (bad && r.kind === "SlowCallRate") slowAny = true
  }
  if (workSlow(config) ? slowAny : durationMs >= config.slowMs) m |= 2
  return m
}

/** Whether a slow-call policy judges latency relative to work (then a call's slowness is its policies' verdict). @internal */
export const workSlow = (config: core.Config): boolean =>
  config.rates.some((r) => (r.perTokenMs ?? 0) > 0 || (r.ttftMs ?? 0) > 0)
