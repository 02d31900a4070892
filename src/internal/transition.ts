/**
 * The state machine as one pure function over the state as data:
 * `(config, state, event, now) -> (state', decision)`.
 *
 * It is the same code the in-memory breaker runs (`core.ts`), not a second
 * copy: the data is loaded into a fresh in-place state, the event applied, and
 * the result read back as data. The in-memory path skips the loading and the
 * copying for speed; `test/transition.test.ts` proves, over random event
 * sequences, that both give the same states and decisions. The simulator, a
 * tuner or a store that keeps the state elsewhere can use this function alone.
 *
 * @internal
 */
import * as core from "./core.js"
import { type BreakerState, fromData, toData } from "./state.js"

/** What can happen to a breaker. @internal */
export type Event =
  | { readonly _tag: "Admit" }
  | {
    /** The outcome of a call admitted with `Pass` under `generation`. */
    readonly _tag: "Record"
    readonly generation: number
    readonly outcome: core.OutcomeCode
    readonly durationMs: number
    readonly retryAfterMs: number
    /** What a success reports of its work (work-relative slow calls): output tokens (0: unknown) and time to first token (NaN: unknown). */
    readonly outputTokens?: number | undefined
    readonly firstTokenMs?: number | undefined
  }
  | {
    /** The outcome of a probe admitted with `Probe` (holding `slot` with `ticket`) under `generation`. */
    readonly _tag: "RecordProbe"
    readonly generation: number
    readonly slot: number
    readonly ticket: number
    readonly outcome: core.OutcomeCode
    readonly durationMs: number
    readonly retryAfterMs: number
    readonly outputTokens?: number | undefined
    readonly firstTokenMs?: number | undefined
  }
  | { readonly _tag: "Control"; readonly action: core.ManualAction }
  | { readonly _tag: "Remote"; readonly transition: core.RemoteTransition }

/** What the machine decided. `decision` is set for `Admit` only. @internal */
export interface Decided {
  readonly decision: core.Decision | undefined
  /** The generation a passed call or a probe was admitted under. */
  readonly generation: number
  /** On `Probe`: the permit taken. */
  readonly slot: number
  readonly ticket: number
  /** On `Reject`: millis until a call may be admitted. */
  readonly retryAfterMs: number
  readonly transition: core.Transition | undefined
}

/** Applies `event` to an in-place state (the in-memory path). @internal */
export const applyInPlace = (s: core.State, event: Event, now: number): Decided => {
  let decision: core.Decision | undefined
  switch (event._tag) {
    case "Admit":
      decision = core.admit(s, now)
      break
    case "Record":
      core.record(
        s,
        now,
        event.generation,
        event.outcome,
        event.durationMs,
        event.retryAfterMs,
        event.outputTokens ?? 0,
        event.firstTokenMs ?? NaN
      )
      break
    case "RecordProbe":
      core.recordProbe(
        s,
        now,
        event.generation,
        event.slot,
        event.ticket,
        event.outcome,
        event.durationMs,
        event.retryAfterMs,
        event.outputTokens ?? 0,
        event.firstTokenMs ?? NaN
      )
      break
    case "Control":
      core.control(s, event.action, now)
      break
    case "Remote":
      core.applyRemote(s, event.transition)
      break
  }
  return {
    decision,
    generation: s.generation,
    slot: decision === core.Probe ? s.outSlot : -1,
    ticket: decision === core.Probe ? s.outTicket : -1,
    retryAfterMs: decision === core.Reject ? s.outRetryAfterMs : 0,
    transition: s.outTransition
  }
}

/**
 * The pure transition function: `state` is not changed; the new state is
 * returned as fresh data.
 *
 * @internal
 */
export const step = (
  config: core.Config,
  state: BreakerState,
  event: Event,
  now: number
): { readonly state: BreakerState; readonly decided: Decided } => {
  const s = fromData(config, state)
  const decided = applyInPlace(s, event, now)
  return { state: toData(s), decided }
}
