/**
 * The live view: one line per interval with each breaker's state and what the
 * callers got. Colours only on a terminal; plain text in CI logs.
 *
 * @since 0.1.0
 */
import type { CircuitBreaker } from "../../index.js"
import type { Interval } from "./report.js"

const COLORS: Record<CircuitBreaker.State, string> = {
  Closed: "\x1b[32m",
  Open: "\x1b[31m",
  HalfOpen: "\x1b[33m",
  ForcedOpen: "\x1b[35m",
  Disabled: "\x1b[90m",
  MetricsOnly: "\x1b[36m"
}
const RESET = "\x1b[0m"

const num = (n: number, width = 3) => String(n).padStart(width)

/**
 * Formats one interval: `[with breaker]  4.5s outage    openai Open      anthropic Closed  │ ...`.
 *
 * @since 0.1.0
 * @category getters
 */
export const formatLine = (label: string, endMs: number, interval: Interval, color: boolean): string => {
  const states = Object.entries(interval.states)
    .map(([name, state]) => `${name} ${color ? `${COLORS[state]}${state.padEnd(8)}${RESET}` : state.padEnd(8)}`)
    .join(" ")
  const sent = Object.entries(interval.sent).map(([name, n]) => `${name} ${num(n, 2)}`).join(" ")
  const p99 = interval.p99Ms === null ? "    —" : `${interval.p99Ms.toFixed(0).padStart(5)}ms`
  return `[${label}] ${(endMs / 1000).toFixed(1).padStart(5)}s ${interval.phase.padEnd(8)} ${states} │ ` +
    `answered ${num(interval.primary + interval.failover + interval.cache)} (primary ${num(interval.primary)} failover ${num(interval.failover)} cache ${
      num(interval.cache)
    }) hedged ${num(interval.hedged)} failed ${num(interval.failed)} rejected ${num(interval.rejected)} │ p99 ${p99} │ sent: ${sent}`
}
