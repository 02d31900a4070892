/**
 * One breaker's circuit in the Redis fleet store: a local mirror of the shared
 * state (a `core.State`), so a call in Closed is admitted and recorded without
 * a round trip, and Open rejects locally from the shared `openUntil`.
 *
 * - Closed: outcomes are buffered (run-length encoded, in completion order);
 *   successes are flushed in the background, a failure at once (with the
 *   successes before it), so the fleet trips after the fleet-wide threshold.
 * - Open past its time, HalfOpen: one Lua round trip takes a fleet-wide permit
 *   lease (or says why not); while every permit is taken the mirror rejects
 *   locally until the soonest lease ends or a permit is freed (pub/sub).
 * - Transitions decided elsewhere reach the mirror by pub/sub or resync and are
 *   reported to the breaker (`onTransition`).
 * - Redis unreachable: `onStoreError` — "local" runs this state as a local
 *   breaker (reconciled when Redis is back), "allow" lets calls through
 *   unrecorded, "reject" rejects them.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as core from "../core.js"
import { type BreakerState, toData } from "../state.js"
import { CircuitStoreError, type Circuit, type RemoteAdmission, type StoreErrorPolicy } from "../store/types.js"
import * as cfg from "./config.js"
import type { Fleet, Reply, Summary } from "./fleet.js"

/** @internal */
export class RedisCircuit implements Circuit {
  readonly state: core.State
  readonly onStoreError: StoreErrorPolicy
  readonly key: string
  readonly cfgJson: string
  /** Outcomes not yet flushed: triples (mask, count, retry-after hint ms). */
  private pending: Array<number> = []
  private pendingCalls = 0
  /** Generation of the buffered outcomes: a batch never mixes generations. */
  private pendingGen = -1
  /** HalfOpen with every permit taken (as Redis last said): reject locally until then (local clock). */
  private busyUntil = 0
  /** Redis TIME minus the caller's clock, in "redis" time mode. */
  private offset = 0
  /** This replica ran as a local breaker while Redis was unreachable. */
  local = false
  /**
   * Until the first read of the shared state returns, the mirror runs under its
   * own starting generation; calls admitted then are counted under the shared
   * one it turns out to be (`aliasGen` → `state.generation`).
   */
  synced = false
  initial: Promise<void> = Promise.resolve()
  private aliasGen = -1
  /** Why the local breaker last moved (sent when reconciling); a probe's failure when the breaker recorded it directly. */
  localReason: core.Reason = { _tag: "ProbeFailed", slow: false }
  /** The last shared state seen. */
  shared: Summary | undefined = undefined
  mismatchReported = false
  /** No window and no slow-call duration: a success's bit mask is always 0. */
  private readonly untimed: boolean

  constructor(
    readonly fleet: Fleet,
    readonly config: core.Config,
    state: core.State,
    readonly onTransition: (t: core.Transition) => void
  ) {
    this.state = state
    this.onStoreError = fleet.onStoreError
    this.key = fleet.keyOf(config.name)
    this.cfgJson = cfg.encode(config)
    this.untimed = config.rates.length === 0 && !(config.slowMs < Infinity)
  }

  // --- the synchronous steps ---------------------------------------------------------------------------------

  admit(now: number): number {
    const s = this.state
    if (!this.fleet.up) return this.admitDown(now)
    s.outTransition = undefined
    switch (s.tag) {
      case "Closed":
      case "MetricsOnly":
        return core.Pass
      case "Disabled":
        return core.Bypass
      case "ForcedOpen":
        s.rejected++
        s.outRetryAfterMs = Infinity
        return core.Reject
      case "Open": {
        const t = now + this.offset
        if (t < s.openUntil) {
          s.rejected++
          s.outRetryAfterMs = s.openUntil - t
          return core.Reject
        }
        return core.Remote
      }
      case "HalfOpen":
        if (now < this.busyUntil) {
          s.rejected++
          s.outRetryAfterMs = this.busyUntil - now
          return core.Reject
        }
        return core.Remote
    }
  }

  private admitDown(now: number): number {
    const s = this.state
    switch (this.onStoreError) {
      case "local":
        return core.admit(s, now)
      case "allow":
        s.outTransition = undefined
        return core.Bypass
      case "reject":
        s.outTransition = undefined
        s.rejected++
        s.outRetryAfterMs = this.fleet.retryMs
        return core.Reject
    }
  }

  record(
    now: number,
    generation: number,
    outcome: core.OutcomeCode,
    durationMs: number,
    retryAfterMs: number
  ): Effect.Effect<void, CircuitStoreError> | undefined {
    const s = this.state
    if (!this.fleet.up) {
      if (this.onStoreError === "local") {
        core.record(s, now, generation, outcome, durationMs, retryAfterMs)
        if (s.outTransition !== undefined) this.localReason = s.outTransition.reason
      } else s.outTransition = undefined
      return undefined
    }
    s.outTransition = undefined
    if (generation === this.aliasGen) generation = s.generation
    if (outcome === core.OIgnored || generation !== s.generation) return undefined
    if (generation !== this.pendingGen) {
      this.pending = []
      this.pendingCalls = 0
      this.pendingGen = generation
    }
    const failed = outcome === core.OFailure
    const m = !failed && this.untimed ? 0 : cfg.mask(this.config, failed, durationMs)
    const hint = failed ? Math.round(retryAfterMs) : 0
    const p = this.pending
    const n = p.length
    if (n > 0 && p[n - 3] === m && p[n - 1] === hint) p[n - 2]!++
    else p.push(m, 1, hint)
    if (failed) {
      this.pendingCalls++
      return this.fleet.flushFailure(this)
    }
    if (this.pendingCalls++ === 0) this.fleet.dirty(this)
    return undefined
  }

  recordProbe(
    now: number,
    generation: number,
    slot: number,
    ticket: number,
    outcome: core.OutcomeCode,
    durationMs: number,
    retryAfterMs: number
  ): Effect.Effect<void, CircuitStoreError> | undefined {
    const s = this.state
    s.outTransition = undefined
    if (!this.fleet.up) {
      if (this.onStoreError === "local") core.recordProbe(s, now, generation, slot, ticket, outcome, durationMs, retryAfterMs)
      return undefined
    }
    const slow = durationMs >= this.config.slowMs ? 1 : 0
    const hint = outcome === core.OFailure ? Math.round(retryAfterMs) : 0
    return this.script("record", "ebProbe", now, [generation, slot, ticket, outcome, slow, hint], () => {})
  }

  control(action: core.ManualAction, now: number): Effect.Effect<void, CircuitStoreError> | undefined {
    // Applied here at once (this replica obeys before the round trip), then fleet-wide.
    core.control(this.state, action, now)
    if (!this.fleet.up) {
      if (this.state.outTransition !== undefined) this.localReason = this.state.outTransition.reason
      return undefined
    }
    // The breaker reports the local transition; the shared one (the same move, same generation) is not reported twice.
    return this.script("control", "ebManual", now, [action], () => undefined)
  }

  admitRemote(now: number): Effect.Effect<RemoteAdmission, CircuitStoreError> {
    return this.script("admit", "ebAdmit", now, [], (reply, t) => {
      const s = this.state
      const decision = reply.d ?? core.Reject
      const retryAfterMs = reply.ra === undefined || reply.ra < 0 ? Infinity : reply.ra
      if (decision === core.Reject && reply.s.tag === "HalfOpen") this.busyUntil = now + retryAfterMs
      if (decision === core.Reject) s.rejected++
      return {
        decision: decision as core.Decision,
        admittedIn: reply.s.tag,
        generation: reply.s.gen,
        slot: reply.sl ?? -1,
        ticket: reply.tk ?? -1,
        retryAfterMs,
        transition: t
      }
    }, true)
  }

  export(now: number): Effect.Effect<BreakerState, CircuitStoreError> {
    if (!this.fleet.up) return Effect.sync(() => toData(this.state))
    return Effect.flatMap(
      this.fleet.flushNow(this),
      () => this.script("export", "ebRead", now, ["", 0, 0], () => toData(this.state))
    )
  }

  release(): void {
    this.fleet.release(this)
  }

  // --- talking to Redis ------------------------------------------------------------------------------------

  /**
   * The arguments every script starts with. `minGen`: the generation floor a
   * restarted (empty) Redis starts above: the highest shared generation seen,
   * or after running locally, the local one.
   */
  args(now: number, minGen = this.shared?.gen ?? this.state.generation): Array<string | number> {
    return [this.cfgJson, this.fleet.redisTime ? -1 : now, minGen, this.fleet.channel, this.config.name, this.fleet.ttlMs]
  }

  /**
   * Runs a script and adopts the shared state it returns. `own`: a transition
   * the script made is returned to the caller (the breaker reports it) instead
   * of being reported here.
   */
  script<A>(
    operation: CircuitStoreError["operation"],
    name: "ebAdmit" | "ebProbe" | "ebManual" | "ebRead",
    now: number,
    extra: ReadonlyArray<string | number>,
    f: (reply: Reply, own: core.Transition | undefined) => A,
    own = false
  ): Effect.Effect<A, CircuitStoreError> {
    return Effect.flatMap(this.fleet.call(this, operation, name, [...this.args(now), ...extra]), (reply) =>
      Effect.sync(() => {
        this.noteTime(reply.s.now, now)
        const t = this.adopt(reply.s, reply.t, !own)
        return f(reply, t)
      }))
  }

  noteTime(redisNow: number, localNow: number): void {
    if (this.fleet.redisTime) this.offset = redisNow - localNow
  }

  /** Puts a batch whose flush failed back in front of the pending one. */
  untake(taken: { gen: number; batch: string; calls: number }): void {
    if (taken.gen !== this.pendingGen && this.pendingCalls > 0) return
    this.pending = [...taken.batch.split(",").map(Number), ...this.pending]
    this.pendingCalls += taken.calls
    this.pendingGen = taken.gen
  }

  /** Takes the pending batch (the fleet flushes it). */
  takeBatch(): { gen: number; batch: string; calls: number } | undefined {
    if (this.pendingCalls === 0) return undefined
    const taken = { gen: this.pendingGen, batch: this.pending.join(","), calls: this.pendingCalls }
    this.pending = []
    this.pendingCalls = 0
    return taken
  }

  /**
   * Makes the mirror agree with the shared state. A newer generation is a
   * transition: applied as the core would and reported unless `report` is
   * false (the caller reports it). Returns that transition.
   */
  adopt(sum: Summary, t: LuaTransition | undefined, report = true): core.Transition | undefined {
    const s = this.state
    if (this.shared === undefined || sum.gen >= this.shared.gen) this.shared = sum
    let transition: core.Transition | undefined
    if (sum.gen !== s.generation && !this.synced && sum.tag === s.tag) {
      // The first read: the local start was the shared state all along, under the shared generation.
      if (this.pendingGen === s.generation) this.pendingGen = sum.gen
      this.aliasGen = s.generation
      s.generation = sum.gen
      s.enteredAt = sum.entered
    } else if (sum.gen > s.generation) {
      this.busyUntil = 0
      this.aliasGen = -1
      if (sum.tag === s.tag) {
        s.generation = sum.gen
        s.enteredAt = sum.entered
      } else {
        core.applyRemote(s, {
          generation: sum.gen,
          to: sum.tag,
          at: t !== undefined && t.to === sum.tag ? t.at : sum.entered,
          reason: t !== undefined && t.to === sum.tag ? t.reason : lastReason(sum),
          openUntil: sum.tag === "Open" ? sum.until : undefined,
          openings: sum.openings
        })
        transition = s.outTransition
        s.outTransition = undefined
      }
    } else if (sum.gen < s.generation) return undefined
    if (sum.tag === "HalfOpen" && sum.pi < this.config.permits) this.busyUntil = 0
    s.openUntil = sum.until
    s.openings = sum.openings
    s.consecutiveFailures = sum.cf
    s.probeSuccesses = sum.ps
    s.calls = sum.calls
    s.failures = sum.fails
    s.slowCalls = sum.slow
    for (let i = 0; i < s.windows.length; i++) {
      const w = s.windows[i]!
      const c = sum.w[i]
      if (c !== undefined) {
        w.calls = c[0]
        w.bad = c[1]
      }
    }
    if (transition !== undefined && report) this.onTransition(transition)
    return transition
  }

  /** Redis became unreachable: from now on this state is a local breaker (policy "local"). */
  goLocal(now: number): void {
    const s = this.state
    for (const w of s.windows) w.reset()
    this.local = true
    this.busyUntil = 0
    if (this.onStoreError !== "local") {
      this.takeBatch()
      return
    }
    // The outcomes not flushed yet are this replica's latest evidence: the local breaker starts from them.
    const taken = this.takeBatch()
    if (taken === undefined || taken.gen !== s.generation) return
    const p = taken.batch.split(",").map(Number)
    for (let i = 0; i < p.length; i += 3) {
      const failed = (p[i]! & 1) !== 0
      const slow = (p[i]! & 2) !== 0
      for (let k = 0; k < p[i + 1]!; k++) {
        core.record(s, now, s.generation, failed ? core.OFailure : core.OSuccess, slow ? Infinity : 0, p[i + 2]!)
        const t = s.outTransition
        if (t !== undefined) {
          this.localReason = t.reason
          this.onTransition(t)
        }
      }
    }
  }
}

/** A transition as the scripts return it. @internal */
export interface LuaTransition {
  readonly from: core.StateTag
  readonly to: core.StateTag
  readonly at: number
  readonly reason: core.Reason
  readonly openUntil: number
}

/** Why the shared state is what it is, for a transition a replica only learnt by reading it (it missed the message). */
const lastReason = (sum: Summary): core.Reason => {
  try {
    if (sum.lr !== undefined) return JSON.parse(sum.lr) as core.Reason
  } catch {
    // fall through
  }
  return { _tag: "Resynced" }
}

/** A store failure, named for the breaker's log line. @internal */
export const storeError = (breaker: string, operation: CircuitStoreError["operation"], detail: string): CircuitStoreError =>
  new CircuitStoreError({ store: "redis", breaker, operation, detail }, { disableValidation: true })
