/**
 * A plain view of a breaker's state as of a moment: what `breaker.stats`
 * returns, and what health, the admin API and the metrics read.
 *
 * Not a pure read: taking a snapshot first advances each time window to `now`
 * (expiring old buckets, as the next call would), so the counts it reports are
 * the window's as of `now`. It changes no decision: no transition, no counter
 * other than the windows' expiry.
 *
 * @internal
 */
import type { State, StateTag } from "./core.js"
import type { Window } from "./window.js"

/** A plain snapshot of the state as of `now`. @internal */
export interface Snapshot {
  readonly breaker: string
  readonly state: StateTag
  readonly generation: number
  readonly enteredAt: number
  readonly timeInStateMs: number
  /** Calls in the first rate window (or since the state was entered when there is none). */
  readonly calls: number
  readonly failures: number
  readonly slowCalls: number
  readonly failureRate: number
  readonly slowCallRate: number
  readonly consecutiveFailures: number
  readonly rejected: number
  readonly openings: number
  /**
   * Milliseconds until a call may be admitted: the rest of the open time when Open, Infinity when forced open,
   * 0 otherwise (in HalfOpen even when every permit is taken: no time is known until a probe finishes).
   */
  readonly retryAfterMs: number
  readonly probesInFlight: number
  readonly probeSuccesses: number
}

/** @internal */
export const snapshot = (s: State, now: number): Snapshot => {
  let calls = s.calls
  let failures = s.failures
  let slowCalls = s.slowCalls
  let failureWindow: Window | undefined
  let slowWindow: Window | undefined
  for (const w of s.windows) {
    w.advance(now)
    if (w.kind === "FailureRate") failureWindow ??= w
    else slowWindow ??= w
  }
  if (failureWindow) {
    calls = failureWindow.calls
    failures = failureWindow.bad
  }
  // The slow-call rate is the slow window's own rate: its window may differ from the failure window's.
  let slowOf = calls
  if (slowWindow) {
    slowCalls = slowWindow.bad
    slowOf = slowWindow.calls
    if (!failureWindow) calls = slowWindow.calls
  }
  let probesInFlight = 0
  let retryAfterMs = 0
  if (s.tag === "HalfOpen") {
    // retryAfterMs stays 0: with every permit taken, the next admission depends on a probe's outcome, not on a time.
    for (let i = 0; i < s.permits.length; i += 2) {
      const at = s.permits[i]!
      if (at === at && now - at < s.probeTimeoutMs) probesInFlight++
    }
  } else if (s.tag === "Open") retryAfterMs = Math.max(0, s.openUntil - now)
  else if (s.tag === "ForcedOpen") retryAfterMs = Infinity
  return {
    breaker: s.name,
    state: s.tag,
    generation: s.generation,
    enteredAt: s.enteredAt,
    timeInStateMs: Math.max(0, now - s.enteredAt),
    calls,
    failures,
    slowCalls,
    failureRate: calls === 0 ? 0 : failures / calls,
    slowCallRate: slowOf === 0 ? 0 : slowCalls / slowOf,
    consecutiveFailures: s.consecutiveFailures,
    rejected: s.rejected,
    openings: s.openings,
    retryAfterMs,
    probesInFlight,
    probeSuccesses: s.probeSuccesses
  }
}
