/**
 * The breaker's pure state machine behind a small synchronous interface, for
 * code that replays many calls on its own clock (the simulator's search engine):
 * the same core transitions a breaker runs, without fibers, clocks or effects.
 *
 * Every admitted call gets a token (a slot in a few plain arrays, reused once
 * the call is recorded), so recording needs no allocation.
 *
 * @internal
 */
import * as Either from "effect/Either"
import type { InvalidOptionError } from "./errors.js"
import type { Outcome } from "../Outcome.js"
import * as core from "./core.js"
import { compile, type Options } from "./options.js"
import { firstTokenOf, hintMillis, outcomeCode, tokensOf } from "./shell.js"

/** @internal */
export class Machine {
  /** The transition the last `admit` or `record` caused, if any. */
  transition: core.Transition | undefined = undefined
  /** After a rejection: millis until a call may be admitted. */
  retryAfterMs = 0
  private readonly generations: Array<number> = []
  private readonly slots: Array<number> = []
  private readonly tickets: Array<number> = []
  private readonly free: Array<number> = []

  constructor(readonly core: core.State) {}

  get name(): string {
    return this.core.name
  }

  get state(): core.StateTag {
    return this.core.tag
  }

  /** Admits a call at `now`: a token ≥ 0 to record it with, or -1 when rejected. */
  admit(now: number): number {
    const s = this.core
    const decision = core.admit(s, now)
    this.transition = s.outTransition
    if (decision === core.Reject) {
      this.retryAfterMs = s.outRetryAfterMs
      return -1
    }
    const token = this.free.length > 0 ? this.free.pop()! : this.generations.length
    // A bypassed call (Disabled) records nothing: generation -1 never matches.
    this.generations[token] = decision === core.Bypass ? -1 : s.generation
    this.slots[token] = decision === core.Probe ? s.outSlot : -1
    this.tickets[token] = decision === core.Probe ? s.outTicket : 0
    return token
  }

  /** Records how the call `token` ended at `now`, after `durationMs`. */
  record(token: number, now: number, outcome: Outcome, durationMs: number): void {
    const s = this.core
    const generation = this.generations[token]!
    const slot = this.slots[token]!
    this.free.push(token)
    const code = outcomeCode(outcome)
    const hint = code === core.OFailure ? hintMillis(outcome) : 0
    const tokens = code === core.OSuccess ? tokensOf(outcome) : 0
    const firstToken = code === core.OSuccess ? firstTokenOf(outcome) : NaN
    if (slot >= 0) core.recordProbe(s, now, generation, slot, this.tickets[token]!, code, durationMs, hint, tokens, firstToken)
    else core.record(s, now, generation, code, durationMs, hint, tokens, firstToken)
    this.transition = s.outTransition
  }

  /** The breaker's figures as of `now` (what `breaker.stats` gives). */
  stats(now: number): core.Snapshot {
    return core.snapshot(this.core, now)
  }
}

/** @internal */
export const machine = (options: Options, now = 0): Either.Either<Machine, InvalidOptionError> =>
  Either.map(compile(options), ({ config }) => new Machine(core.initial(config, now)))
