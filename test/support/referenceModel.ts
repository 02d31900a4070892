/**
 * A deliberately naive reference model of the breaker's state machine, written
 * from the spec (not from `src/internal/core.ts`) for property tests.
 *
 * Nothing here is incremental: the model keeps every recorded outcome with the
 * generation it was recorded in, and recomputes consecutive failures, window
 * counts and rates from that list on every question. Speed does not matter.
 *
 * Key observation that keeps it small: every transition moves the generation on,
 * and a window only ever holds calls recorded in Closed/MetricsOnly since the
 * last transition (opening, closing, every manual action clear them). So "the
 * window" is "the calls recorded in the current generation", cut to the last N
 * calls or to the buckets still inside the time window.
 */
import type { Config } from "../../src/internal/core.js"

export type Tag = "Closed" | "Open" | "HalfOpen" | "ForcedOpen" | "Disabled" | "MetricsOnly"
export type Decision = "Pass" | "Probe" | "Reject" | "Bypass"
export type Outcome = "Success" | "Failure" | "Ignored"
export type Action = "forceOpen" | "reset" | "disable" | "metricsOnly"

export type Reason =
  | { readonly _tag: "ConsecutiveFailures"; readonly failures: number; readonly threshold: number }
  | { readonly _tag: "FailureRate" | "SlowCallRate"; readonly rate: number; readonly threshold: number; readonly calls: number }
  | { readonly _tag: "OpenDurationElapsed" }
  | { readonly _tag: "ProbeFailed"; readonly slow: boolean }
  | { readonly _tag: "ProbesSucceeded"; readonly successes: number }
  | { readonly _tag: "Manual"; readonly action: Action }

export interface Transition {
  readonly breaker: string
  readonly from: Tag
  readonly to: Tag
  readonly at: number
  readonly reason: Reason
  readonly openUntil: number | undefined
}

/** One counted outcome: a call recorded in Closed/MetricsOnly, or a half-open probe. */
interface Recorded {
  readonly at: number
  readonly generation: number
  readonly probe: boolean
  readonly failed: boolean
  readonly durationMs: number
}

interface Permit {
  readonly issuedAt: number
  readonly ticket: number
}

/** What the model handed a probe; it must be shown again to record the probe's outcome. */
export interface ProbeToken {
  readonly slot: number
  readonly ticket: number
}

export interface Admission {
  readonly decision: Decision
  /** When rejected: ms until a call may be admitted. */
  readonly retryAfterMs: number | undefined
  readonly generation: number
  readonly token: ProbeToken | undefined
  readonly transition: Transition | undefined
}

export interface Snapshot {
  readonly state: Tag
  readonly generation: number
  readonly enteredAt: number
  readonly timeInStateMs: number
  readonly calls: number
  readonly failures: number
  readonly slowCalls: number
  readonly failureRate: number
  readonly slowCallRate: number
  readonly consecutiveFailures: number
  readonly rejected: number
  readonly openings: number
  readonly retryAfterMs: number
  readonly probesInFlight: number
  readonly probeSuccesses: number
}

type RateSpec = Config["rates"][number]

export class ReferenceModel {
  tag: Tag = "Closed"
  generation = 0
  enteredAt: number
  openUntil = 0
  openings = 0
  rejected = 0
  probeSuccesses = 0
  readonly log: Array<Recorded> = []
  /** How many permits were taken back from a stalled probe (for coverage reporting). */
  reclaimed = 0
  permits: Array<Permit | undefined>
  private tickets = 0

  constructor(readonly config: Config, now: number) {
    this.enteredAt = now
    this.permits = Array.from({ length: config.permits }, () => undefined)
  }

  // ---- derived, recomputed from the log every time ----

  /** Calls counted since the last transition (probes included). */
  private current(): Array<Recorded> {
    return this.log.filter((r) => r.generation === this.generation)
  }

  /** Calls a rate window holds at `now`. */
  windowCalls(spec: RateSpec, now: number): Array<Recorded> {
    const calls = this.current().filter((r) => !r.probe)
    const w = spec.window
    if (w._tag === "LastCalls") return calls.slice(-w.size)
    const width = Math.max(1, Math.ceil(w.durationMs / w.buckets))
    return calls.filter((r) => Math.floor(r.at / width) > Math.floor(now / width) - w.buckets)
  }

  private isBad(spec: RateSpec, r: Recorded): boolean {
    return spec.kind === "FailureRate" ? r.failed : r.durationMs >= spec.slowMs
  }

  consecutiveFailures(): number {
    const calls = this.current().filter((r) => !r.probe)
    let n = 0
    for (let i = calls.length - 1; i >= 0 && calls[i]!.failed; i--) n++
    return n
  }

  private tripReason(now: number): Reason | undefined {
    const consecutive = this.consecutiveFailures()
    if (consecutive >= this.config.consecutiveThreshold) {
      return { _tag: "ConsecutiveFailures", failures: consecutive, threshold: this.config.consecutiveThreshold }
    }
    for (const spec of this.config.rates) {
      const calls = this.windowCalls(spec, now)
      const bad = calls.filter((r) => this.isBad(spec, r)).length
      if (calls.length >= spec.minimumCalls && bad >= spec.threshold * calls.length) {
        return { _tag: spec.kind, rate: bad / calls.length, threshold: spec.threshold, calls: calls.length }
      }
    }
    return undefined
  }

  private permitFree(p: Permit | undefined, now: number): boolean {
    return p === undefined || now - p.issuedAt >= this.config.probeTimeoutMs
  }

  // ---- transitions ----

  private moveTo(to: Tag, now: number, reason: Reason): Transition {
    const from = this.tag
    this.tag = to
    this.generation++
    this.enteredAt = now
    this.rejected = 0
    if (to === "HalfOpen") {
      this.permits = this.permits.map(() => undefined)
      this.probeSuccesses = 0
    }
    if (to === "Closed") this.openings = 0
    return { breaker: this.config.name, from, to, at: now, reason, openUntil: to === "Open" ? this.openUntil : undefined }
  }

  private open(now: number, hintMs: number, reason: Reason): Transition {
    this.openings++
    this.openUntil = now + Math.max(this.config.openDelay(this.openings), Math.min(hintMs, this.config.maxOpenMs))
    return this.moveTo("Open", now, reason)
  }

  admit(now: number): Admission {
    const result = (
      decision: Decision,
      retryAfterMs?: number,
      token?: ProbeToken,
      transition?: Transition
    ): Admission => ({ decision, retryAfterMs, generation: this.generation, token, transition })
    switch (this.tag) {
      case "Closed":
      case "MetricsOnly":
        return result("Pass")
      case "Disabled":
        return result("Bypass")
      case "ForcedOpen":
        this.rejected++
        return result("Reject", Infinity)
      case "Open": {
        if (now < this.openUntil) {
          this.rejected++
          return result("Reject", this.openUntil - now)
        }
        const t = this.moveTo("HalfOpen", now, { _tag: "OpenDurationElapsed" })
        const a = this.takePermit(now)
        return { ...a, transition: t }
      }
      case "HalfOpen":
        return this.takePermit(now)
    }
  }

  private takePermit(now: number): Admission {
    const slot = this.permits.findIndex((p) => this.permitFree(p, now))
    if (slot >= 0) {
      if (this.permits[slot] !== undefined) this.reclaimed++
      const ticket = ++this.tickets
      this.permits[slot] = { issuedAt: now, ticket }
      return { decision: "Probe", retryAfterMs: undefined, generation: this.generation, token: { slot, ticket }, transition: undefined }
    }
    this.rejected++
    // a half-open rejection names no time: the probes in flight decide (issue 9 finding 9)
    return { decision: "Reject", retryAfterMs: 0, generation: this.generation, token: undefined, transition: undefined }
  }

  /** The outcome of a call admitted with Pass (or Bypass) under `generation`. */
  record(now: number, generation: number, outcome: Outcome, durationMs: number, hintMs: number): Transition | undefined {
    if (generation !== this.generation || outcome === "Ignored") return undefined
    if (this.tag !== "Closed" && this.tag !== "MetricsOnly") return undefined
    const failed = outcome === "Failure"
    this.log.push({ at: now, generation, probe: false, failed, durationMs })
    if (this.tag === "MetricsOnly") return undefined
    const reason = this.tripReason(now)
    return reason === undefined ? undefined : this.open(now, failed ? hintMs : 0, reason)
  }

  /** The outcome of a half-open probe admitted under `generation` with `token`. */
  recordProbe(
    now: number,
    generation: number,
    token: ProbeToken,
    outcome: Outcome,
    durationMs: number,
    hintMs: number
  ): Transition | undefined {
    if (generation !== this.generation || this.tag !== "HalfOpen") return undefined
    const permit = this.permits[token.slot]
    if (permit?.ticket !== token.ticket) return undefined
    // a probe past the probe timeout has stalled: its outcome no longer counts
    if (now - permit.issuedAt >= this.config.probeTimeoutMs) return undefined
    this.permits[token.slot] = undefined
    if (outcome === "Ignored") return undefined
    const failed = outcome === "Failure"
    const slow = durationMs >= this.config.slowMs
    this.log.push({ at: now, generation, probe: true, failed, durationMs })
    if (failed || slow) return this.open(now, failed ? hintMs : 0, { _tag: "ProbeFailed", slow: !failed })
    this.probeSuccesses++
    if (this.probeSuccesses < this.config.successesToClose) return undefined
    return this.moveTo("Closed", now, { _tag: "ProbesSucceeded", successes: this.probeSuccesses })
  }

  manual(action: Action, now: number): Transition | undefined {
    const to: Tag = action === "forceOpen" ? "ForcedOpen" : action === "disable" ? "Disabled" : action === "metricsOnly" ? "MetricsOnly" : "Closed"
    // reset always acts (it clears); the others do nothing when already there
    if (action !== "reset" && this.tag === to) return undefined
    return this.moveTo(to, now, { _tag: "Manual", action })
  }

  // ---- reading ----

  snapshot(now: number): Snapshot {
    const counted = this.current()
    const failureSpec = this.config.rates.find((r) => r.kind === "FailureRate")
    const slowSpec = this.config.rates.find((r) => r.kind === "SlowCallRate")
    const failureWindow = failureSpec && this.windowCalls(failureSpec, now)
    const slowWindow = slowSpec && this.windowCalls(slowSpec, now)
    const calls = (failureWindow ?? slowWindow ?? counted).length
    const failures = failureWindow
      ? failureWindow.filter((r) => r.failed).length
      : counted.filter((r) => r.failed).length
    const slowCalls = slowWindow
      ? slowWindow.filter((r) => r.durationMs >= slowSpec!.slowMs).length
      : counted.filter((r) => r.durationMs >= this.config.slowMs).length
    const slowOf = slowWindow ? slowWindow.length : calls
    const halfOpen = this.tag === "HalfOpen"
    const held = halfOpen ? this.permits.filter((p) => !this.permitFree(p, now)) : []
    const retryAfterMs = this.tag === "Open"
      ? Math.max(0, this.openUntil - now)
      : this.tag === "ForcedOpen"
      ? Infinity
      : 0
    return {
      state: this.tag,
      generation: this.generation,
      enteredAt: this.enteredAt,
      timeInStateMs: Math.max(0, now - this.enteredAt),
      calls,
      failures,
      slowCalls,
      failureRate: calls === 0 ? 0 : failures / calls,
      slowCallRate: slowOf === 0 ? 0 : slowCalls / slowOf,
      consecutiveFailures: this.consecutiveFailures(),
      rejected: this.rejected,
      openings: this.openings,
      retryAfterMs,
      probesInFlight: held.length,
      probeSuccesses: halfOpen ? this.probeSuccesses : 0
    }
  }
}
