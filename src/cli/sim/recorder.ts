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
import type * as Cause from "effect/Cause"
import { type CircuitBreaker, CircuitOpenError } from "../../index.js"
import type { TransitionRecord } from "../report/timeline.js"
import * as Latency from "./latency.js"
import type { ErrorKind, Scenario } from "./Scenario.js"
import type { ProviderFailure } from "./SimConfig.js"
import { type Arrival, retryAnswer } from "./traffic.js"

/** A state change as the simulator keeps it. @internal */
export type TraceTransition = TransitionRecord

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
    /** Sum and maximum of the caller latency of the requests made in the interval. */
    readonly latencySumMs: Array<number>
    readonly latencyMaxMs: Array<number>
  }
  /**
   * Per scenario window: requests made during it that reached the provider (in all, and after the circuit
   * first opened in it: the probes), the most of those in flight at once, and the successes of calls made
   * before the window that landed in it before the first opening (each resets a consecutive-failure count).
   */
  readonly windows: Array<{ reached: number; reachedAfterOpen: number; peakInFlight: number; lateSuccesses: number }>
  /** How long callers waited for an answer (the provider's, an error, or the fallback's), over the run and for requests made during faults. */
  readonly latency: { readonly all: Latency.Histogram; readonly faults: Latency.Histogram }
  readonly totals: {
    requests: number
    /** Retried attempts (each also counted in `reached` when admitted). */
    retries: number
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
      intervals: {
        success: zeros(),
        failed: zeros(),
        ignored: zeros(),
        rejected: zeros(),
        latencySumMs: zeros(),
        latencyMaxMs: zeros()
      },
      windows: scenario.windows.map(() => ({ reached: 0, reachedAfterOpen: 0, peakInFlight: 0, lateSuccesses: 0 })),
      latency: { all: Latency.make(), faults: Latency.make() },
      totals: { requests: 0, retries: 0, reached: 0, succeeded: 0, failed: 0, ignored: 0, rejected: 0, callerErrors: 0, fallbacks: 0 }
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
  readonly observer: CircuitBreaker.Observer = {
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

  /** The caller of a request made at `atMs` (in `window`) got its answer at `now`. */
  answered(atMs: number, window: number, now: number): void {
    const ms = now - atMs
    const i = this.interval(atMs)
    const intervals = this.trace.intervals
    intervals.latencySumMs[i]! += ms
    if (ms > intervals.latencyMaxMs[i]!) intervals.latencyMaxMs[i] = ms
    const b = Latency.bucket(ms)
    this.trace.latency.all[b]!++
    if (window >= 0 && this.scenario.windows[window]!.fault) this.trace.latency.faults[b]!++
  }

  /** The request's final attempt ended: count it by its outcome (`"rejected"` for a rejection). */
  final(bucket: number, kind: ErrorKind | "rejected" | undefined, fallback: boolean): void {
    const totals = this.trace.totals
    const intervals = this.trace.intervals
    if (kind === undefined) {
      totals.succeeded++
      intervals.success[bucket]!++
      return
    }
    if (kind === "rejected") {
      totals.rejected++
      intervals.rejected[bucket]!++
    } else if (kind === "rateLimited" || kind === "invalid") {
      totals.ignored++
      intervals.ignored[bucket]!++
    } else {
      totals.failed++
      intervals.failed[bucket]!++
    }
    if (fallback) totals.fallbacks++
    else totals.callerErrors++
  }
}

/** Whether a caller retries a failure of this kind: not a bad request, not back-pressure, not a rejection. @internal */
export const retryable = (kind: ErrorKind | "rejected" | undefined): boolean =>
  kind === "server" || kind === "overloaded" || kind === "timeout" || kind === "network"

/** The value a successful simulated call returns: what the answer's usage says. @internal */
export interface Answer {
  readonly outputTokens: number
  readonly firstTokenMs: number
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

/** What the caller's program needs to know about its world. @internal */
export interface World {
  readonly scenario: Scenario
  readonly seed: number
  readonly fallback: boolean
}

const kindOf = (cause: Cause.Cause<unknown>): ErrorKind | "rejected" => {
  const failure = cause._tag === "Fail" ? cause.error : undefined
  return failure instanceof CircuitOpenError ? "rejected" : failure !== undefined ? (failure as ProviderFailure).kind : "server"
}

/**
 * Builds the program for one request: the provider call (sleep for its latency
 * on the breaker's `Clock`, then answer), protected by the breaker, retried
 * after `retryDelayMs` on a retryable failure (never on a rejection), with a
 * fallback outermost when `fallback`. `a` is copied: arrivals are reused.
 *
 * @internal
 */
export const requestProgram = (
  rec: Recorder,
  breaker: CircuitBreaker.CircuitBreaker,
  clock: Clock.Clock,
  world: World,
  a: Arrival
): Effect.Effect<void> => {
  const s = world.scenario
  const atMs = a.atMs
  const id = a.id
  const window0 = a.window
  const bucket = rec.interval(atMs)
  rec.trace.totals.requests++
  const attempt = (k: number, at: Arrival): Effect.Effect<void> => {
    const window = at.window
    const error = at.error
    const latency = at.latencyMs
    const answer: Effect.Effect<Answer, ProviderFailure> = error === undefined
      ? Effect.succeed({ outputTokens: at.outputTokens, firstTokenMs: at.firstTokenMs })
      : failWith(error, at.retryAfterMs)
    const call = Effect.suspend(() => {
      rec.reach(window)
      const answered = latency > 0 ? Effect.zipRight(clock.sleep(Duration.millis(latency)), answer) : answer
      return window < 0 ? answered : Effect.ensuring(answered, Effect.sync(() => rec.done(window)))
    })
    return breaker(call).pipe(
      Effect.matchCauseEffect({
        onSuccess: () => {
          const now = clock.unsafeCurrentTimeMillis()
          rec.success(window, now)
          rec.final(bucket, undefined, false)
          rec.answered(atMs, window0, now)
          return Effect.void
        },
        onFailure: (cause) => {
          const kind = kindOf(cause)
          if (k < s.retries && retryable(kind)) {
            rec.trace.totals.retries++
            const next = (): Effect.Effect<void> => {
              const now = clock.unsafeCurrentTimeMillis()
              return attempt(k + 1, { ...retryAnswer(s, world.seed, id, k + 1, now, scratch) })
            }
            return s.retryDelayMs > 0
              ? Effect.zipRight(clock.sleep(Duration.millis(s.retryDelayMs)), Effect.suspend(next))
              : Effect.suspend(next)
          }
          rec.final(bucket, kind, world.fallback)
          rec.answered(atMs, window0, clock.unsafeCurrentTimeMillis() + (world.fallback ? s.fallbackMs : 0))
          return Effect.void
        }
      })
    )
  }
  return attempt(0, { ...a })
}

const scratch: Arrival = { id: 0, atMs: 0, window: -1, error: undefined, latencyMs: 0, retryAfterMs: 0, outputTokens: 0, firstTokenMs: NaN }
