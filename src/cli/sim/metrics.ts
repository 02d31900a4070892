/**
 * From a run's trace to the figures that compare configurations: false opens,
 * time to detect each fault, requests that reached the provider while it was
 * failing, time to recover, and what callers saw. Pure.
 *
 * A fault window counts from its start until `callTimeoutMs` after its end: a
 * call made during the fault can fail that late, so an opening then is the
 * fault's doing, not a false open.
 *
 * @internal
 */
import type { CircuitBreaker } from "../../index.js"
import * as Timeline from "../report/timeline.js"
import type { Scenario } from "./Scenario.js"
import type { SimConfig } from "./SimConfig.js"
import * as Latency from "./latency.js"
import type { Trace } from "./recorder.js"

/** @internal */
export interface WindowReport {
  readonly label: string
  readonly startS: number
  readonly endS: number
  readonly errorRate: number
  /** Whether the provider is at fault (false: trouble the breaker should ride out; not counted as detected or missed). */
  readonly fault: boolean
  /** Requests made during the window that reached the provider. */
  readonly reached: number
  /** Of those, the ones made after the circuit first opened in the window: half-open probes. */
  readonly reachedAfterOpen: number
  /** The most of those in flight at once. */
  readonly peakInFlight: number
  /** Successes of calls made before the window that landed in it before the first opening. */
  readonly lateSuccesses: number
  /** Openings from the window's start until `callTimeoutMs` after its end. */
  readonly openings: number
  /** From the window's start to the first opening; null when it never opened. */
  readonly detectMs: number | null
  /** From the window's end until the circuit is Closed again: 0 when it was; null when it never closed. */
  readonly recoverMs: number | null
}

/** @internal */
export interface StateSpan {
  readonly state: CircuitBreaker.State
  readonly fromMs: number
  readonly toMs: number
}

/** @internal */
export interface ConfigReport {
  readonly config: string
  readonly description: string
  readonly opens: number
  readonly falseOpens: number
  readonly detected: number
  readonly missed: number
  readonly detectMeanMs: number | null
  readonly detectMaxMs: number | null
  readonly reachedDuringFaults: number
  readonly recoverMeanMs: number | null
  readonly recoverMaxMs: number | null
  /** Windows after which the circuit never closed before the end of the run. */
  readonly neverRecovered: number
  readonly requests: number
  readonly succeeded: number
  readonly failed: number
  readonly ignored: number
  readonly rejected: number
  readonly callerErrors: number
  readonly fallbacks: number
  /** Retried attempts. */
  readonly retries: number
  /** Caller latency (answer, error or fallback; retries included) over the run, and for requests made during faults (null when none). */
  readonly latencyP50Ms: number | null
  readonly latencyP99Ms: number | null
  readonly faultLatencyP50Ms: number | null
  readonly faultLatencyP99Ms: number | null
  /** Fraction of the run spent not Closed. */
  readonly notClosedFraction: number
  readonly windows: ReadonlyArray<WindowReport>
  readonly states: ReadonlyArray<StateSpan>
  readonly intervals: Intervals
}

/** Per chart interval (by arrival time): what happened to the requests made in it, and their callers' mean and worst latency. @internal */
export interface Intervals {
  readonly success: ReadonlyArray<number>
  readonly failed: ReadonlyArray<number>
  readonly ignored: ReadonlyArray<number>
  readonly rejected: ReadonlyArray<number>
  readonly latencyMeanMs: ReadonlyArray<number>
  readonly latencyMaxMs: ReadonlyArray<number>
}

const round = (n: number): number => Math.round(n)
const mean = (xs: ReadonlyArray<number>): number | null =>
  xs.length === 0 ? null : round(xs.reduce((a, b) => a + b, 0) / xs.length)
const max = (xs: ReadonlyArray<number>): number | null => (xs.length === 0 ? null : round(Math.max(...xs)))

/** The circuit's state over the run as consecutive spans (whole milliseconds). @internal */
export const stateSpans = (trace: Trace, durationMs: number): Array<StateSpan> =>
  Timeline.stateSpans(trace.transitions, durationMs).map((s) => ({ state: s.state, fromMs: round(s.fromMs), toMs: round(s.toMs) }))

const stateAt = (trace: Trace, atMs: number): CircuitBreaker.State => {
  let state: CircuitBreaker.State = "Closed"
  for (const t of trace.transitions) {
    if (t.atMs > atMs) break
    state = t.to
  }
  return state
}

/** @internal */
export const summarize = (scenario: Scenario, config: SimConfig, trace: Trace): ConfigReport => {
  const grace = scenario.callTimeoutMs
  const opens = trace.transitions.filter((t) => t.to === "Open")
  const inFault = (at: number) => scenario.windows.some((w) => w.fault && at >= w.startMs && at < w.endMs + grace)
  const windows = scenario.windows.map((w, i): WindowReport => {
    const during = opens.filter((t) => t.atMs >= w.startMs && t.atMs < w.endMs + grace)
    let recoverMs: number | null = 0
    if (stateAt(trace, w.endMs) !== "Closed") {
      const closed = trace.transitions.find((t) => t.atMs > w.endMs && t.to === "Closed")
      recoverMs = closed === undefined ? null : round(closed.atMs - w.endMs)
    }
    return {
      label: w.label,
      startS: w.startMs / 1000,
      endS: w.endMs / 1000,
      errorRate: w.behavior.errorRate,
      fault: w.fault,
      reached: trace.windows[i]!.reached,
      reachedAfterOpen: trace.windows[i]!.reachedAfterOpen,
      peakInFlight: trace.windows[i]!.peakInFlight,
      lateSuccesses: trace.windows[i]!.lateSuccesses,
      openings: during.length,
      detectMs: during.length === 0 ? null : round(during[0]!.atMs - w.startMs),
      recoverMs
    }
  })
  const faults = windows.filter((w) => w.fault)
  const detects = faults.flatMap((w) => (w.detectMs === null ? [] : [w.detectMs]))
  const recovers = faults.flatMap((w) => (w.detectMs === null || w.recoverMs === null ? [] : [w.recoverMs]))
  const states = stateSpans(trace, scenario.durationMs)
  const notClosed = states.reduce((acc, s) => acc + (s.state === "Closed" ? 0 : s.toMs - s.fromMs), 0)
  const t = trace.totals
  return {
    config: config.name,
    description: config.description ?? "",
    opens: opens.length,
    falseOpens: opens.filter((o) => !inFault(o.atMs)).length,
    detected: detects.length,
    missed: faults.length - detects.length,
    detectMeanMs: mean(detects),
    detectMaxMs: max(detects),
    reachedDuringFaults: faults.reduce((acc, w) => acc + w.reached, 0),
    recoverMeanMs: mean(recovers),
    recoverMaxMs: max(recovers),
    neverRecovered: faults.filter((w) => w.recoverMs === null).length,
    requests: t.requests,
    succeeded: t.succeeded,
    failed: t.failed,
    ignored: t.ignored,
    rejected: t.rejected,
    callerErrors: t.callerErrors,
    fallbacks: t.fallbacks,
    retries: t.retries,
    latencyP50Ms: Latency.quantile(trace.latency.all, 0.5),
    latencyP99Ms: Latency.quantile(trace.latency.all, 0.99),
    faultLatencyP50Ms: Latency.quantile(trace.latency.faults, 0.5),
    faultLatencyP99Ms: Latency.quantile(trace.latency.faults, 0.99),
    notClosedFraction: Math.round((notClosed / scenario.durationMs) * 10_000) / 10_000,
    windows,
    states,
    intervals: {
      success: trace.intervals.success,
      failed: trace.intervals.failed,
      ignored: trace.intervals.ignored,
      rejected: trace.intervals.rejected,
      latencyMeanMs: trace.intervals.latencySumMs.map((sum, i) => {
        const n = trace.intervals.success[i]! + trace.intervals.failed[i]! + trace.intervals.ignored[i]! + trace.intervals.rejected[i]!
        return n === 0 ? 0 : round(sum / n)
      }),
      latencyMaxMs: trace.intervals.latencyMaxMs.map(round)
    }
  }
}
