/**
 * What one simulated run records, and the per-request program both engines run:
 * `breaker(call)` exactly as production code writes it, with an optional
 * fallback outermost. Recording is plain mutation of counters, no effects.
 *
 * @internal
 */
import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as CircuitBreaker from "../CircuitBreaker.js"
import { CircuitOpenError } from "../CircuitBreaker.js"
import type { Observer } from "../internal/observer.js"
import type { Scenario } from "./Scenario.js"
import type { ProviderFailure } from "./SimConfig.js"
import type { Arrival } from "./traffic.js"

/** A state change as the simulator keeps it. @internal */
export interface TraceTransition {
  readonly atMs: number
  readonly from: CircuitBreaker.State
  readonly to: CircuitBreaker.State
  readonly reason: string
}

/** Everything a run of one configuration over one scenario produced. @internal */
export interface Trace {
  readonly config: string
  readonly transitions: Array<TraceTransition>
  /** Per chart interval (by arrival time): calls that succeeded, failed (health failure), failed but ignored (429, 400), were rejected. */
  readonly intervals: {
    readonly success: Array<number>
    readonly failed: Array<number>
    readonly ignored: Array<number>
    readonly rejected: Array<number>
  }
  /**
   * Per scenario window: requests made during it that reached the provider (in all, and after the circuit
   * first opened in it: the probes), the most of those in flight at once, and the successes of calls made
   * before the window that landed in it before the first opening (each resets a consecutive-failure count).
   */
  readonly windows: Array<{ reached: number; reachedAfterOpen: number; peakInFlight: number; lateSuccesses: number }>
  readonly totals: {
    requests: number
    reached: number
    succeeded: number
    failed: number
    ignored: number
    rejected: number
    callerErrors: number
    fallbacks: number
  }
}

/** @internal */
export class Recorder {
  readonly trace: Trace
  private readonly inFlight: Array<number>

  constructor(readonly scenario: Scenario, config: string) {
    const n = Math.ceil(scenario.durationMs / scenario.intervalMs)
    const zeros = () => new Array<number>(n).fill(0)
    this.trace = {
      config,
      transitions: [],
      intervals: { success: zeros(), failed: zeros(), ignored: zeros(), rejected: zeros() },
      windows: scenario.windows.map(() => ({ reached: 0, reachedAfterOpen: 0, peakInFlight: 0, lateSuccesses: 0 })),
      totals: { requests: 0, reached: 0, succeeded: 0, failed: 0, ignored: 0, rejected: 0, callerErrors: 0, fallbacks: 0 }
    }
    this.inFlight = scenario.windows.map(() => 0)
    this.opened = scenario.windows.map(() => false)
  }

  private readonly opened: Array<boolean>
  private cursor = 0

  /** The window the provider is in at `t` (times only move forward), or -1. */
  windowAt(t: number): number {
    const ws = this.scenario.windows
    while (this.cursor < ws.length && ws[this.cursor]!.endMs <= t) this.cursor++
    const w = ws[this.cursor]
    return w !== undefined && w.startMs <= t ? this.cursor : -1
  }

  /** A call made before the window it completes in succeeded. */
  success(madeIn: number, now: number): void {
    const w = this.windowAt(now)
    if (w >= 0 && w !== madeIn && !this.opened[w]) this.trace.windows[w]!.lateSuccesses++
  }

  /** Reports the breaker's transitions into the trace, synchronously, as they happen. */
  readonly observer: Observer = {
    onTransition: (t) => {
      this.trace.transitions.push({ atMs: t.at, from: t.from, to: t.to, reason: t.reason._tag })
      if (t.to === "Open") {
        const w = this.windowAt(t.at)
        if (w >= 0) this.opened[w] = true
      }
    }
  }

  interval(atMs: number): number {
    return Math.min(this.trace.intervals.success.length - 1, Math.floor(atMs / this.scenario.intervalMs))
  }

  reach(window: number): void {
    this.trace.totals.reached++
    if (window >= 0) {
      const w = this.trace.windows[window]!
      w.reached++
      if (this.opened[window]) w.reachedAfterOpen++
      const n = ++this.inFlight[window]!
      if (n > w.peakInFlight) w.peakInFlight = n
    }
  }

  done(window: number): void {
    if (window >= 0) this.inFlight[window]!--
  }
}

const failures = new Map<string, Effect.Effect<never, ProviderFailure>>()
const failWith = (kind: ProviderFailure["kind"], retryAfterMs: number): Effect.Effect<never, ProviderFailure> => {
  const key = `${kind}:${retryAfterMs}`
  let e = failures.get(key)
  if (e === undefined) {
    e = Effect.fail({ kind, retryAfterMs })
    failures.set(key, e)
  }
  return e
}

/**
 * Builds the program for one request: the provider call (sleep for its latency
 * on the breaker's `Clock`, then answer), protected by the breaker, with a
 * fallback outermost when `fallback`. `a` is copied: arrivals are reused.
 *
 * @internal
 */
export const requestProgram = (
  rec: Recorder,
  breaker: CircuitBreaker.CircuitBreaker,
  clock: Clock.Clock,
  fallback: boolean,
  a: Arrival
): Effect.Effect<void> => {
  const window = a.window
  const error = a.error
  const latency = a.latencyMs
  const answer: Effect.Effect<void, ProviderFailure> = error === undefined ? Effect.void : failWith(error, a.retryAfterMs)
  const bucket = rec.interval(a.atMs)
  const totals = rec.trace.totals
  const intervals = rec.trace.intervals
  totals.requests++
  const call = Effect.suspend(() => {
    rec.reach(window)
    const answered = latency > 0 ? Effect.zipRight(clock.sleep(Duration.millis(latency)), answer) : answer
    return window < 0 ? answered : Effect.ensuring(answered, Effect.sync(() => rec.done(window)))
  })
  return breaker(call).pipe(
    Effect.matchCauseEffect({
      onSuccess: () => {
        totals.succeeded++
        rec.success(window, clock.unsafeCurrentTimeMillis())
        intervals.success[bucket]!++
        return Effect.void
      },
      onFailure: (cause) => {
        const failure = cause._tag === "Fail" ? cause.error : undefined
        if (failure instanceof CircuitOpenError) {
          totals.rejected++
          intervals.rejected[bucket]!++
        } else if (failure !== undefined && (failure.kind === "rateLimited" || failure.kind === "invalid")) {
          totals.ignored++
          intervals.ignored[bucket]!++
        } else {
          totals.failed++
          intervals.failed[bucket]!++
        }
        if (fallback) totals.fallbacks++
        return fallback ? Effect.void : Effect.failCause(cause)
      }
    }),
    Effect.exit,
    Effect.map((exit) => {
      if (Exit.isFailure(exit)) totals.callerErrors++
    })
  )
}
