/**
 * The store seam: where a breaker's state lives and who decides its transitions.
 *
 * A store opens one `Circuit` per breaker. The breaker holds the circuit for its
 * life and calls it on every admission and every recorded outcome, so the
 * circuit's hot methods are SYNCHRONOUS and work on a local `core.State` (the
 * memory store's whole state, a fleet store's mirror of the shared state). A
 * store that must ask elsewhere on a rare path says so by returning
 * `core.Remote` from `admit` (then the breaker runs `admitRemote`, an effect) or
 * by returning an effect from `recordProbe` / `control` (the breaker runs it
 * after the local step). The memory store never does, so the hot path pays one
 * method call and no allocation.
 *
 * @internal
 */
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as core from "../core.js"
import type { BreakerState } from "../state.js"

/**
 * What a breaker does when its store fails (e.g. Redis unreachable):
 * - `"local"`: decide from the local state alone, as a breaker of this process
 *   (a store that can, reconciles when the shared state is back);
 * - `"allow"`: let the call through unrecorded;
 * - `"reject"`: reject the call with `CircuitOpenError`.
 *
 * @internal
 */
export type StoreErrorPolicy = "local" | "allow" | "reject"

/**
 * A store operation failed. Never a defect: the breaker applies the store's
 * `onStoreError` policy, and reports the error in its logs.
 *
 * @internal
 */
export class CircuitStoreError extends Schema.TaggedError<CircuitStoreError>()("CircuitStoreError", {
  /** The store's name, e.g. "memory" or "redis". */
  store: Schema.String,
  breaker: Schema.String,
  operation: Schema.Literal("open", "admit", "record", "control", "export", "sync"),
  /** What went wrong, with no secret in it (no credentials, no URL with a password). */
  detail: Schema.String
}) {
  override get message(): string {
    return `Store "${this.store}" failed to ${this.operation} for breaker "${this.breaker}": ${this.detail}`
  }
}

/**
 * The result of an effectful admission (`admitRemote`). The decision is never
 * `Remote`. `admittedIn` is the state the call was admitted (or rejected) in.
 *
 * @internal
 */
export interface RemoteAdmission {
  readonly decision: core.Decision
  readonly admittedIn: core.StateTag
  /** The (shared) generation a passed call or a probe was admitted under: its outcome carries it back. */
  readonly generation: number
  /** On `Probe`: the permit (lease) taken. */
  readonly slot: number
  readonly ticket: number
  /** On `Reject`: millis until a call may be admitted. */
  readonly retryAfterMs: number
  /** A transition the admission caused (Open → HalfOpen), to report. */
  readonly transition: core.Transition | undefined
}

/** What a store is given to open a breaker's circuit. @internal */
export interface OpenOptions {
  /** The compiled configuration (immutable). `config.name` is the circuit's key. */
  readonly config: core.Config
  /** The caller's clock reading (epoch millis). */
  readonly now: number
  /** A state to start from (already validated against `config`), from the `restore` option. */
  readonly restore: BreakerState | undefined
  /**
   * Reports a transition this breaker did not cause itself: one decided by
   * another replica and pushed to this one, or found by a resync. The breaker
   * reports it to its observers and subscribers like its own. Call it after the
   * local state has taken the transition (e.g. with `core.applyRemote`).
   */
  readonly onTransition: (transition: core.Transition) => void
}

/**
 * One breaker's circuit in a store.
 *
 * Contract for the synchronous methods: they run inside the breaker's step (no
 * other fiber interleaves), take `now` from the caller's `Clock`, update
 * `state` as the core would (`core.admit`, `core.record`, ... set the `out*`
 * fields the breaker reads right after), and never throw.
 *
 * @internal
 */
export interface Circuit {
  /**
   * The local state the breaker reads (stats, the state a call is admitted in,
   * `out*` fields after each step). The memory store's only state; a fleet
   * store's mirror of the shared one.
   */
  readonly state: core.State
  /** What the breaker does when an effect of this circuit fails. */
  readonly onStoreError: StoreErrorPolicy
  /**
   * When true, the breaker always passes the clock's time as `now`. Otherwise
   * (the memory store) it passes 0 where the core does not read the time: to
   * `admit` in Closed/MetricsOnly/Disabled/ForcedOpen when no call is timed,
   * and to `record` for a success on a breaker with neither windows nor timing.
   */
  readonly exactTime?: boolean | undefined
  /**
   * Admission from local state: `core.Pass`, `Probe`, `Reject` or `Bypass` with
   * the figures in `state.out*` (as `core.admit`), or `core.Remote` when the
   * store must decide with an effect (then nothing in `state` changed).
   */
  admit(now: number): number
  /** The effectful admission, run only after `admit` returned `core.Remote`. */
  admitRemote(now: number): Effect.Effect<RemoteAdmission, CircuitStoreError>
  /**
   * Records the outcome of a call admitted with `Pass` under `generation` (as
   * `core.record`, locally), and returns an effect the breaker runs in the
   * caller's fiber before the call returns (e.g. flushing a failure so this
   * replica's next call sees a fleet-wide trip), or `undefined` (the memory
   * store always; a fleet store for a success, flushed in the background).
   */
  record(
    now: number,
    generation: number,
    outcome: core.OutcomeCode,
    durationMs: number,
    retryAfterMs: number,
    /** The work a success reported (0 / NaN when unknown): slow-call policies may judge by it. */
    outputTokens?: number,
    firstTokenMs?: number
  ): Effect.Effect<void, CircuitStoreError> | undefined
  /**
   * Records a probe's outcome (as `core.recordProbe`, locally), and returns an
   * effect the breaker runs after it (e.g. giving a fleet-wide lease back and
   * deciding the transition in the shared state), or `undefined` when done.
   * Runs whatever the probe's exit, interruption included.
   */
  recordProbe(
    now: number,
    generation: number,
    slot: number,
    ticket: number,
    outcome: core.OutcomeCode,
    durationMs: number,
    retryAfterMs: number,
    outputTokens?: number,
    firstTokenMs?: number
  ): Effect.Effect<void, CircuitStoreError> | undefined
  /**
   * Manual control: applies the action to the local state (as `core.control`)
   * and returns an effect that propagates it (to every replica), or `undefined`.
   */
  control(action: core.ManualAction, now: number): Effect.Effect<void, CircuitStoreError> | undefined
  /** The state as data (a fleet store: the shared state; the local mirror if it cannot read it). */
  export(now: number): Effect.Effect<BreakerState, CircuitStoreError>
  /**
   * Frees what the store holds for this breaker alone (a subscription, a flush
   * timer), when the owner drops the breaker (e.g. an evicted per-host breaker).
   * Synchronous and idempotent; the breaker is not called again afterwards.
   */
  release?: (() => void) | undefined
}

/** A store of circuits. @internal */
export interface Store {
  /** For errors and logs: "memory", "redis". */
  readonly name: string
  /**
   * Opens a breaker's circuit. Must complete WITHOUT an asynchronous step
   * (`HttpBreakers` makes a breaker per new host with `Runtime.runSync`): build
   * the local state at once and fetch the shared state in the background. A
   * store that cannot reach its backend opens the circuit anyway (as its
   * `onStoreError` policy says) and catches up later. Never fails.
   */
  readonly open: (options: OpenOptions) => Effect.Effect<Circuit>
}
