/**
 * The admin API's JSON shapes. Numbers that JSON cannot carry (`Infinity` for a
 * forced-open `retryAfterMs`, `NaN`) become `null`, so every body is well-defined.
 *
 * @internal
 */
import type { Stats } from "../CircuitBreaker.js"
import type { BreakerHealth, HealthReport as Report, Resolved } from "../BreakerRegistry.js"

/** A finite number, else `null`. @internal */
export const finite = (n: number): number | null => (Number.isFinite(n) ? n : null)

/** A snapshot with every number finite or `null`. @internal */
export const stats = (s: Stats): Record<string, string | number | null> => {
  const out: Record<string, string | number | null> = {}
  for (const [k, v] of Object.entries(s)) out[k] = typeof v === "number" ? finite(v) : v
  return out
}

/** One breaker: health, figures and settings. @internal */
export const breaker = (health: BreakerHealth, settings: Resolved | undefined) => ({
  name: health.breaker,
  status: health.status,
  reason: health.reason,
  stats: stats(health.stats),
  ...(settings === undefined ? {} : { settings })
})

/** @internal */
export const report = (r: Report) => ({
  status: r.status,
  breakers: r.breakers.map((b) => ({ name: b.breaker, status: b.status, reason: b.reason, stats: stats(b.stats) }))
})

/** An error body: a stable code and a human message, never request data beyond what is named. @internal */
export const error = (code: string, message: string, extra?: Record<string, unknown>) => ({
  error: code,
  message,
  ...extra
})
