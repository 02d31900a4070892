/**
 * What happened during one run, recorded as it happens: every caller request,
 * every attempt that reached a provider, and every breaker transition,
 * rejection and probe (through a breaker observer). Times are milliseconds
 * since the run started.
 *
 * @since 0.1.0
 */
import type * as Clock from "effect/Clock"
import type { CircuitBreaker } from "../../index.js"
import { describeReason } from "../report/timeline.js"
import type * as Timeline from "../report/timeline.js"
import type { ServedBy } from "./policy.js"
import { StallMeter } from "./stalls.js"

/**
 * One caller request: when it started and ended, and who answered (or the
 * `_tag` of the error the caller saw).
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestRecord {
  readonly startMs: number
  endMs: number
  outcome: ServedBy | "error" | "pending"
  error: string | undefined
  /** The hedge fired for this request (the primary had not answered after the hedge delay). */
  hedged: boolean
  /** The providers its attempts reached (one entry per attempt). */
  readonly reached: Array<string>
  /** The thread's run-queue wait at the start, then during the request (see `StallMeter`). */
  runQueueWaitMs: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface TransitionRecord extends Timeline.TransitionRecord {
  readonly breaker: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface PhaseRecord {
  readonly name: "healthy" | "outage" | "recovery"
  readonly startMs: number
  endMs: number
}

/**
 * The recording of one run.
 *
 * @since 0.1.0
 * @category models
 */
export class Recorder {
  readonly requests: Array<RequestRecord> = []
  readonly transitions: Array<TransitionRecord> = []
  private readonly seen = new Set<string>()
  /** Rejections by a breaker: when, and which breaker. */
  readonly rejections: Array<{ readonly atMs: number; readonly breaker: string }> = []
  /** Attempts that left for a provider (admitted by its breaker). */
  readonly attempts: Array<{ readonly atMs: number; readonly provider: string }> = []
  /** Half-open probes that finished, by breaker. */
  readonly probes: Record<string, number> = {}
  readonly phases: Array<PhaseRecord> = []
  /** The machine's stalls during each request (started and stopped by the run). */
  readonly stalls = new StallMeter(() => this.now())
  private readonly t0: bigint

  constructor(readonly clock: Clock.Clock) {
    this.t0 = clock.unsafeCurrentTimeNanos()
  }

  /** Milliseconds since the run started (sub-millisecond precision). */
  now(): number {
    return Number(this.clock.unsafeCurrentTimeNanos() - this.t0) / 1e6
  }

  begin(): RequestRecord {
    const r: RequestRecord = {
      startMs: this.now(),
      endMs: NaN,
      outcome: "pending",
      error: undefined,
      hedged: false,
      reached: [],
      runQueueWaitMs: this.stalls.mark()
    }
    this.requests.push(r)
    return r
  }

  end(r: RequestRecord, outcome: ServedBy | "error", error?: string, hedged = false): void {
    r.endMs = this.now()
    r.runQueueWaitMs = this.stalls.mark() - r.runQueueWaitMs
    r.outcome = outcome
    r.error = error
    r.hedged = hedged
  }

  /** An attempt left for `provider`, on behalf of `request` (when known). */
  attempt(provider: string, request?: RequestRecord): void {
    this.attempts.push({ atMs: this.now(), provider })
    request?.reached.push(provider)
  }

  /** How long the machine stalled while `r` ran (its own CPU work, GC, waits for a CPU). */
  stallOf(r: RequestRecord): number {
    return this.stalls.within(r.startMs, r.endMs, r.runQueueWaitMs)
  }

  phase(name: PhaseRecord["name"]): void {
    const at = this.now()
    const last = this.phases[this.phases.length - 1]
    if (last !== undefined) last.endMs = at
    this.phases.push({ name, startMs: at, endMs: NaN })
  }

  finish(): void {
    const last = this.phases[this.phases.length - 1]
    if (last !== undefined && Number.isNaN(last.endMs)) last.endMs = this.now()
  }

  /** The breaker observer that feeds this recording (synchronous, a push per event). */
  readonly observer: CircuitBreaker.Observer = {
    onTransition: (t) => {
      // With --fleet every replica's mirror reports the shared transition (same breaker, move and time): one
      // transition of the fleet's circuit, recorded once, so openings count the fleet's, not replicas × them.
      const key = `${t.breaker}|${t.from}|${t.to}|${t.at}`
      if (this.seen.has(key)) return
      this.seen.add(key)
      this.transitions.push({ atMs: this.now(), breaker: t.breaker, from: t.from, to: t.to, reason: describeReason(t.reason) })
    },
    onRejected: (breaker) => this.rejections.push({ atMs: this.now(), breaker }),
    onCall: (breaker, admittedIn) => {
      if (admittedIn === "HalfOpen") this.probes[breaker] = (this.probes[breaker] ?? 0) + 1
    }
  }
}
