/** A breaker's stats snapshot: a quiet, closed breaker, with the given fields changed. */
import type { CircuitBreaker } from "effect-breaker"

export const statsOf = (over: Partial<CircuitBreaker.Stats> = {}): CircuitBreaker.Stats => ({
  breaker: "x",
  state: "Closed",
  generation: 0,
  enteredAt: 0,
  timeInStateMs: 0,
  calls: 0,
  failures: 0,
  slowCalls: 0,
  failureRate: 0,
  slowCallRate: 0,
  consecutiveFailures: 0,
  rejected: 0,
  openings: 0,
  retryAfterMs: 0,
  probesInFlight: 0,
  probeSuccesses: 0,
  ...over
})
