/**
 * The breaker's state machine: functions of `(state, input, now)`, written once.
 * No Effect, no Clock, no timers: the shell (or a store) reads the time and calls
 * these in one synchronous step each for admission and for recording, so no
 * other fiber can interleave (the atomicity `Ref.modify` would give, without the
 * `Ref`: see the README, "Why the state is not in a Ref").
 *
 * For speed the functions update the state object they are given (windows are
 * ring buffers) and report their decision through its `out*` fields; the result
 * depends only on the inputs. `transition.ts` wraps them as the pure function
 * `(config, data, event, now) -> (data', decision)` over the state as data
 * (`state.ts`), and a property test proves both paths equal. Transitions are
 * lazy: Open becomes HalfOpen when a call arrives after the open time, never by
 * a timer.
 *
 * @internal
 */
import { isSlow, makeWindow, type RateSpec, type Window } from "./window.js"

export type { RateSpec, WindowSpec } from "./window.js"

/** @internal */
export type StateTag = "Closed" | "Open" | "HalfOpen" | "ForcedOpen" | "Disabled" | "MetricsOnly"

/** Why a transition happened. @internal */
export type Reason =
  | { readonly _tag: "ConsecutiveFailures"; readonly failures: number; readonly threshold: number }
  | {
    readonly _tag: "FailureRate" | "SlowCallRate"
    readonly rate: number
    readonly threshold: number
    readonly calls: number
  }
  | { readonly _tag: "OpenDurationElapsed" }
  | { readonly _tag: "ProbeFailed"; readonly slow: boolean }
  | { readonly _tag: "ProbesSucceeded"; readonly successes: number }
  | { readonly _tag: "Manual"; readonly action: "forceOpen" | "reset" | "disable" | "metricsOnly" }
  /** A shared store found the state had moved on (a lost message, a reconnect) and caught up. */
  | { readonly _tag: "Resynced" }

/** @internal */
export interface Transition {
  readonly breaker: string
  readonly from: StateTag
  readonly to: StateTag
  /** Epoch millis. */
  readonly at: number
  readonly reason: Reason
  /** When the new state is Open: epoch millis at which a probe may be admitted. */
  readonly openUntil: number | undefined
}

/**
 * Validated, compiled configuration. `initial` copies what the state machine
 * needs into the state, so the configuration (and its rate specs) is garbage
 * once a breaker is made.
 *
 * @internal
 */
export interface Config {
  readonly name: string
  /** The smallest consecutive-failures threshold, or Infinity when no such policy. */
  readonly consecutiveThreshold: number
  readonly rates: ReadonlyArray<RateSpec>
  /** Length (ms) of the n-th consecutive opening, n >= 1. */
  readonly openDelay: (n: number) => number
  /** The length (ms) of every opening when it is constant; undefined when `openDelay` follows a Schedule. */
  readonly openMs: number | undefined
  /** Cap (ms) on how far a failure's retry-after hint can lengthen an opening. */
  readonly maxOpenMs: number
  readonly permits: number
  readonly successesToClose: number
  /** After this long (ms) a probe's permit is taken back and its late outcome ignored. */
  readonly probeTimeoutMs: number
  /** The shortest slow-call duration among the policies (ms), or Infinity. */
  readonly slowMs: number
}

/** Admission decisions. @internal */
export const Pass = 0
/** @internal */
export const Probe = 1
/** @internal */
export const Reject = 2
/** Disabled: let through, record nothing. @internal */
export const Bypass = 3
/** @internal */
export type Decision = typeof Pass | typeof Probe | typeof Reject | typeof Bypass
/**
 * Returned only by a store's synchronous admission (never by the core): the
 * store must decide with an effect (e.g. a fleet-wide half-open permit).
 *
 * @internal
 */
export const Remote = 4

/** Manual control actions. @internal */
export type ManualAction = "forceOpen" | "reset" | "disable" | "metricsOnly"

/** Outcome codes as the core sees them. @internal */
export const OSuccess = 0
/** @internal */
export const OFailure = 1
/** @internal */
export const OIgnored = 2
/** @internal */
export type OutcomeCode = typeof OSuccess | typeof OFailure | typeof OIgnored

/**
 * The breaker's state as the in-place core runs it: the data (`BreakerState` in
 * `state.ts`, what `toData` exports) with the few configuration values the hot
 * path reads copied in (one object instead of a state pointing at a
 * configuration), plus the `out*` fields through which a step reports its
 * decision. The configuration itself is `Config`, compiled once and immutable.
 *
 * @internal
 */
export interface State {
  readonly name: string
  readonly consecutiveThreshold: number
  /** The constant open duration (ms), used when `openDelay` is undefined. */
  readonly openMs: number
  /** The open-duration schedule's n-th delay (ms); undefined when the open duration is constant. */
  readonly openDelay: ((n: number) => number) | undefined
  readonly maxOpenMs: number
  readonly successesToClose: number
  readonly probeTimeoutMs: number
  readonly slowMs: number
  /** Whether a slow-call policy judges latency relative to work (per output token, time to first token). */
  readonly workSlow: boolean
  tag: StateTag
  /** Bumped by every transition; an outcome admitted under another generation changes nothing. */
  generation: number
  enteredAt: number
  openUntil: number
  /** Consecutive openings since the circuit last closed (drives the open-duration schedule). */
  openings: number
  consecutiveFailures: number
  /** One window per rate policy, carrying that policy's parameters. */
  readonly windows: ReadonlyArray<Window>
  /**
   * Half-open permits, two numbers each: at `2 * slot` when it was issued (NaN when
   * free), at `2 * slot + 1` the ticket of its holder. One array instead of two.
   */
  readonly permits: Array<number>
  ticket: number
  probeSuccesses: number
  /** Totals since the state was entered. */
  calls: number
  failures: number
  slowCalls: number
  rejected: number
  // Outputs of the last admit / record call.
  outSlot: number
  outTicket: number
  outRetryAfterMs: number
  outTransition: Transition | undefined
}

// Plain arrays: a typed array costs ~200 bytes of JSTypedArray + JSArrayBuffer before its first element.
const freePermits = (n: number): Array<number> => {
  const permits = new Array<number>(2 * n)
  for (let i = 0; i < permits.length; i += 2) {
    permits[i] = NaN
    permits[i + 1] = 0
  }
  return permits
}

/** Frees every permit (tickets stay: a ticket is never reused). */
const freeAll = (permits: Array<number>): void => {
  for (let i = 0; i < permits.length; i += 2) permits[i] = NaN
}

/** Shared by every breaker without a rate policy. */
const noWindows: ReadonlyArray<Window> = []

/** @internal */
export const initial = (config: Config, now: number): State => ({
  name: config.name,
  consecutiveThreshold: config.consecutiveThreshold,
  openMs: config.openMs ?? 0,
  openDelay: config.openMs === undefined ? config.openDelay : undefined,
  maxOpenMs: config.maxOpenMs,
  successesToClose: config.successesToClose,
  probeTimeoutMs: config.probeTimeoutMs,
  slowMs: config.slowMs,
  workSlow: config.rates.some((r) => (r.perTokenMs ?? 0) > 0 || (r.ttftMs ?? 0) > 0),
  tag: "Closed",
  generation: 0,
  enteredAt: now,
  openUntil: 0,
  openings: 0,
  consecutiveFailures: 0,
  windows: config.rates.length === 0 ? noWindows : config.rates.map(makeWindow),
  permits: freePermits(config.permits),
  ticket: 0,
  probeSuccesses: 0,
  calls: 0,
  failures: 0,
  slowCalls: 0,
  rejected: 0,
  outSlot: -1,
  outTicket: -1,
  outRetryAfterMs: 0,
  outTransition: undefined
})

const enter = (s: State, to: StateTag, now: number, reason: Reason): void => {
  const from = s.tag
  s.tag = to
  s.generation++
  s.enteredAt = now
  s.calls = 0
  s.failures = 0
  s.slowCalls = 0
  s.rejected = 0
  if (to === "HalfOpen" || from === "HalfOpen") {
    freeAll(s.permits)
    s.probeSuccesses = 0
  }
  if (to === "Closed" || to === "Disabled" || to === "MetricsOnly" || to === "ForcedOpen") {
    s.consecutiveFailures = 0
    for (const w of s.windows) w.reset()
  }
  if (to === "Closed") s.openings = 0
  s.outTransition = {
    breaker: s.name,
    from,
    to,
    at: now,
    reason,
    openUntil: to === "Open" ? s.openUntil : undefined
  }
}

const open = (s: State, now: number, hintMs: number, reason: Reason): void => {
  s.openings++
  const scheduled = s.openDelay === undefined ? s.openMs : s.openDelay(s.openings)
  const hinted = Math.min(hintMs, s.maxOpenMs)
  s.openUntil = now + Math.max(scheduled, hinted)
  s.consecutiveFailures = 0
  for (const w of s.windows) w.reset()
  enter(s, "Open", now, reason)
}

/**
 * Decides whether a call may run. On `Probe`, `outSlot` and `outTicket` name the
 * permit taken; on `Reject`, `outRetryAfterMs` says how long until a call may be
 * admitted (Open: the rest of the open time; ForcedOpen: Infinity; HalfOpen: 0,
 * as no time is known until a probe in flight finishes). `outTransition` is set when the call moved the state (Open → HalfOpen).
 *
 * @internal
 */
export const admit = (s: State, now: number): Decision => {
  s.outTransition = undefined
  switch (s.tag) {
    case "Closed":
    case "MetricsOnly":
      return Pass
    case "Disabled":
      return Bypass
    case "ForcedOpen":
      s.rejected++
      s.outRetryAfterMs = Infinity
      return Reject
    case "Open":
      if (now < s.openUntil) {
        s.rejected++
        s.outRetryAfterMs = s.openUntil - now
        return Reject
      }
      enter(s, "HalfOpen", now, { _tag: "OpenDurationElapsed" })
      return takePermit(s, now)
    case "HalfOpen":
      return takePermit(s, now)
  }
}

const takePermit = (s: State, now: number): Decision => {
  const permits = s.permits
  const timeout = s.probeTimeoutMs
  for (let i = 0; i < permits.length; i += 2) {
    const at = permits[i]!
    // A free slot, or one whose probe has stalled past the probe timeout (its late outcome will not match).
    if (at !== at || now - at >= timeout) {
      permits[i] = now
      permits[i + 1] = ++s.ticket
      s.outSlot = i >> 1
      s.outTicket = s.ticket
      return Probe
    }
  }
  s.rejected++
  // No time is known: a probe in flight decides (see `CircuitOpenError`), so a half-open rejection carries 0, not the permit's expiry.
  s.outRetryAfterMs = 0
  return Reject
}

/**
 * Records the outcome of a call admitted with `Pass` under `generation`.
 * A call admitted before the latest transition changes nothing.
 *
 * @internal
 */
export const record = (
  s: State,
  now: number,
  generation: number,
  outcome: OutcomeCode,
  durationMs: number,
  retryAfterMs: number,
  outputTokens: number = 0,
  firstTokenMs: number = NaN
): void => {
  s.outTransition = undefined
  if (generation !== s.generation || outcome === OIgnored) return
  if (s.tag !== "Closed" && s.tag !== "MetricsOnly") return
  const failed = outcome === OFailure
  const work = s.workSlow
  const slow = work ? slowAny(s, durationMs, outputTokens, firstTokenMs) : durationMs >= s.slowMs
  s.calls++
  if (failed) s.failures++
  if (slow) s.slowCalls++
  s.consecutiveFailures = failed ? s.consecutiveFailures + 1 : 0
  const windows = s.windows
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i]!
    w.record(
      now,
      w.kind === "FailureRate" ? failed : work ? isSlow(w, durationMs, outputTokens, firstTokenMs) : durationMs >= w.slowMs
    )
  }
  if (s.tag === "MetricsOnly") return
  const reason = tripReason(s)
  if (reason !== undefined) open(s, now, failed ? retryAfterMs : 0, reason)
}

/** Whether any slow-call policy finds the call slow, judged relative to its work (see `isSlow`). */
const slowAny = (s: State, durationMs: number, outputTokens: number, firstTokenMs: number): boolean => {
  const windows = s.windows
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i]!
    if (w.kind === "SlowCallRate" && isSlow(w, durationMs, outputTokens, firstTokenMs)) return true
  }
  return false
}

const tripReason = (s: State): Reason | undefined => {
  const threshold = s.consecutiveThreshold
  if (s.consecutiveFailures >= threshold) {
    return { _tag: "ConsecutiveFailures", failures: s.consecutiveFailures, threshold }
  }
  const windows = s.windows
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i]!
    if (w.calls >= w.minimumCalls && w.bad >= w.threshold * w.calls) {
      return { _tag: w.kind, rate: w.bad / w.calls, threshold: w.threshold, calls: w.calls }
    }
  }
  return undefined
}

/**
 * Records the outcome of a half-open probe holding permit `slot` with `ticket`.
 * A probe that held its permit past the probe timeout (it stalled; its permit
 * may already serve another probe) or that belongs to an earlier generation
 * changes nothing. A slow probe counts as a failed one.
 *
 * @internal
 */
export const recordProbe = (
  s: State,
  now: number,
  generation: number,
  slot: number,
  ticket: number,
  outcome: OutcomeCode,
  durationMs: number,
  retryAfterMs: number,
  outputTokens: number = 0,
  firstTokenMs: number = NaN
): void => {
  s.outTransition = undefined
  if (generation !== s.generation || s.tag !== "HalfOpen" || s.permits[2 * slot + 1] !== ticket) return
  const issuedAt = s.permits[2 * slot]!
  // A free permit, or one held past the probe timeout: that probe stalled and no longer counts.
  if (issuedAt !== issuedAt || now - issuedAt >= s.probeTimeoutMs) return
  s.permits[2 * slot] = NaN
  if (outcome === OIgnored) return
  const slow = s.workSlow ? slowAny(s, durationMs, outputTokens, firstTokenMs) : durationMs >= s.slowMs
  s.calls++
  if (slow) s.slowCalls++
  if (outcome === OFailure || slow) {
    if (outcome === OFailure) s.failures++
    open(s, now, outcome === OFailure ? retryAfterMs : 0, { _tag: "ProbeFailed", slow: outcome !== OFailure })
    return
  }
  s.probeSuccesses++
  if (s.probeSuccesses >= s.successesToClose) {
    enter(s, "Closed", now, { _tag: "ProbesSucceeded", successes: s.probeSuccesses })
  }
}

/** Runs a manual action. @internal */
export const control = (s: State, action: ManualAction, now: number): void => {
  switch (action) {
    case "forceOpen":
      return forceOpen(s, now)
    case "reset":
      return reset(s, now)
    case "disable":
      return disable(s, now)
    case "metricsOnly":
      return metricsOnly(s, now)
  }
}

/**
 * A transition decided elsewhere (another replica, through a shared store),
 * applied to this state: `generation` is the shared generation the transition
 * created. A transition that is not newer than the state changes nothing (a
 * late or repeated message). The state enters `to` as if it had decided the
 * transition itself (counters and permits cleared, windows cleared where a local
 * transition would clear them) and reports it in `outTransition`.
 *
 * @internal
 */
export interface RemoteTransition {
  readonly generation: number
  readonly to: StateTag
  readonly at: number
  readonly reason: Reason
  /** When `to` is Open. */
  readonly openUntil: number | undefined
  /** Consecutive openings since the circuit last closed, as the deciding side counts them. */
  readonly openings: number
}

/** @internal */
export const applyRemote = (s: State, t: RemoteTransition): void => {
  s.outTransition = undefined
  if (t.generation <= s.generation) return
  s.openings = t.openings
  if (t.to === "Open") {
    s.openUntil = t.openUntil ?? t.at
    s.consecutiveFailures = 0
    for (const w of s.windows) w.reset()
  }
  enter(s, t.to, t.at, t.reason)
  s.generation = t.generation
}

/** Manual control. @internal */
export const forceOpen = (s: State, now: number): void => {
  s.outTransition = undefined
  if (s.tag !== "ForcedOpen") enter(s, "ForcedOpen", now, { _tag: "Manual", action: "forceOpen" })
}

/** Back to Closed with empty windows, from any state. @internal */
export const reset = (s: State, now: number): void => {
  s.outTransition = undefined
  s.openings = 0
  enter(s, "Closed", now, { _tag: "Manual", action: "reset" })
}

/** @internal */
export const disable = (s: State, now: number): void => {
  s.outTransition = undefined
  if (s.tag !== "Disabled") enter(s, "Disabled", now, { _tag: "Manual", action: "disable" })
}

/** @internal */
export const metricsOnly = (s: State, now: number): void => {
  s.outTransition = undefined
  if (s.tag !== "MetricsOnly") enter(s, "MetricsOnly", now, { _tag: "Manual", action: "metricsOnly" })
}

/** @internal */
export { type Snapshot, snapshot } from "./snapshot.js"
