/**
 * What the drill and the simulator both record of a breaker over a run: its
 * transitions (through `CircuitBreaker.layerObserver`), and from them the
 * states it was in, span by span.
 *
 * @internal
 */
import type { CircuitBreaker } from "../../index.js"

/** A transition as the reports keep it: milliseconds since the run started, and why. @internal */
export interface TransitionRecord {
  readonly atMs: number
  readonly from: CircuitBreaker.State
  readonly to: CircuitBreaker.State
  readonly reason: string
}

/** The circuit in one state from `fromMs` to `toMs`, and the transition that put it there (none at the start). @internal */
export interface StateSpan<T> {
  readonly state: CircuitBreaker.State
  readonly fromMs: number
  readonly toMs: number
  readonly by: T | undefined
}

/**
 * The states over `[0, durationMs]` as consecutive spans (empty ones left out),
 * starting Closed; transitions after `durationMs` are cut off.
 *
 * @internal
 */
export const stateSpans = <T extends { readonly atMs: number; readonly to: CircuitBreaker.State }>(
  transitions: ReadonlyArray<T>,
  durationMs: number
): Array<StateSpan<T>> => {
  const spans: Array<StateSpan<T>> = []
  let state: CircuitBreaker.State = "Closed"
  let from = 0
  let by: T | undefined
  for (const t of transitions) {
    const at = Math.min(t.atMs, durationMs)
    if (at > from) spans.push({ state, fromMs: from, toMs: at, by })
    state = t.to
    from = at
    by = t
  }
  if (durationMs > from) spans.push({ state, fromMs: from, toMs: durationMs, by })
  return spans
}

/** Why a transition happened, in words: `5 consecutive failures`, `FailureRate 60% of 20`, ... @internal */
export const describeReason = (reason: CircuitBreaker.TransitionReason): string => {
  switch (reason._tag) {
    case "ConsecutiveFailures":
      return `${reason.failures} consecutive failures`
    case "FailureRate":
    case "SlowCallRate":
      return `${reason._tag} ${(reason.rate * 100).toFixed(0)}% of ${reason.calls}`
    case "OpenDurationElapsed":
      return "open duration elapsed"
    case "ProbeFailed":
      return reason.slow ? "probe too slow" : "probe failed"
    case "ProbesSucceeded":
      return `${reason.successes} probe(s) succeeded`
    case "Manual":
      return reason.action
    case "Resynced":
      return "resynced"
  }
}
