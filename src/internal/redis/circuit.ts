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
import * as data from "./data.js"
import * as mirror from "./mirror.js"
import { describe } from "./connection.js"
import type { Fleet, Reply, Summary } from "./fleet.js"

/** @internal */
export class RedisCircuit implements Circuit {
  readonly state: core.State
  readonly onStoreError: StoreErrorPolicy
  readonly key: string
  readonly cfgJson: string
  /** Outcomes not yet flushed: runs of (mask, count, retry-after hint ms, time of the run's last call). */
  pending: Array<number> = []
  pendingCalls = 0
  /** Generation of the buffered outcomes: a batch never mixes generations. */
  pendingGen = -1
  /** HalfOpen with every permit taken (as Redis last said): reject locally until then (local clock). */
  busyUntil = 0
  /** Redis TIME minus the caller's clock, in "redis" time mode. */
  offset = 0
  /** This replica ran as a local breaker while Redis was unreachable. */
  local = false
  /**
   * Until the first read of the shared state returns, the mirror runs under its
   * own starting generation; calls admitted then are counted under the shared
   * one it turns out to be (`aliasGen` → `state.generation`).
   */
  synced = false
  initial: Promise<void> = Promise.resolve()
  aliasGen = -1
  /** Probe admissions this replica is asking Redis for. */
  asking = 0
  /** Probes this replica holds: ticket → when admitted (local clock). A lease older than the probe timeout no longer counts. */
  readonly holds = new Map<number, number>()
  /** Why the local breaker last moved (sent when reconciling); a probe's failure when the breaker recorded it directly. */
  localReason: core.Reason = { _tag: "ProbeFailed", slow: false }
  /** The last shared state seen. */
  shared: Summary | undefined = undefined
  mismatchReported = false
  /** No window and no slow-call duration: a success's bit mask is always 0. */
  private readonly untimed: boolean
  /** A consecutive-failures policy: each outcome's time matters (the shell passes 0 for an untimed success). */
  private readonly streaks: boolean
  /** The last success came with its time (a timed breaker): its run's time is exact. */
  private timedSuccess = false

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
    this.streaks = Number.isFinite(config.consecutiveThreshold)
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
        return this.remote(now)
      }
      case "HalfOpen":
        if (now < this.busyUntil) {
          s.rejected++
          // a half-open rejection names no time: the probes decide (internal/rejection.ts, issue 9 finding 9)
          s.outRetryAfterMs = 0
          return core.Reject
        }
        return this.remote(now)
    }
  }

  /**
   * Asks Redis, unless this replica already asks for or holds as many probes as
   * there are permits fleet-wide: then no answer could admit the call, and it is
   * rejected here (a burst of callers sends at most `permits` round trips).
   */
  private remote(now: number): number {
    const s = this.state
    // The open time has passed: the circuit is half-open for everyone (Redis moves it on the first admission).
    if (s.tag === "Open") s.tag = "HalfOpen"
    let held = 0
    for (const [ticket, at] of this.holds) {
      if (now - at >= this.config.probeTimeoutMs) this.holds.delete(ticket)
      else held++
    }
    if (this.asking + held >= this.config.permits) {
      s.rejected++
      s.outRetryAfterMs = 0 // half-open: the probes decide
      return core.Reject
    }
    this.asking++
    return core.Remote
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
    retryAfterMs: number,
    outputTokens?: number,
    firstTokenMs?: number
  ): Effect.Effect<void, CircuitStoreError> | undefined {
    const s = this.state
    if (!this.fleet.up) {
      if (this.onStoreError === "local") {
        core.record(s, now, generation, outcome, durationMs, retryAfterMs, outputTokens, firstTokenMs)
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
    const m = !failed && this.untimed ? 0 : cfg.mask(this.config, failed, durationMs, outputTokens, firstTokenMs)
    const hint = failed ? Math.round(retryAfterMs) : 0
    // When it happened, so that a success flushed late does not break a streak of failures recorded after it.
    // A timed call knows (`now`); an untimed success reads the clock only when it starts a run: a run of one success
    // carries its exact time, a longer run the time it ended by (closed by the next failure or by the flush).
    const p = this.pending
    const n = p.length
    if (!failed) this.timedSuccess = now !== 0
    if (n > 0 && p[n - 4] === m && p[n - 2] === hint) {
      p[n - 3]!++
      if (now !== 0) p[n - 1] = now
    } else {
      if (failed && n > 0 && now !== 0 && p[n - 3]! > 1 && (p[n - 4]! & 1) === 0) p[n - 1] = now
      p.push(m, 1, hint, now !== 0 || !this.streaks ? now : this.fleet.now())
    }
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
    retryAfterMs: number,
    outputTokens?: number,
    firstTokenMs?: number
  ): Effect.Effect<void, CircuitStoreError> | undefined {
    const s = this.state
    s.outTransition = undefined
    this.holds.delete(ticket)
    if (!this.fleet.up) {
      if (this.onStoreError === "local") {
        core.recordProbe(s, now, generation, slot, ticket, outcome, durationMs, retryAfterMs, outputTokens, firstTokenMs)
      }
      return undefined
    }
    const slow = (cfg.mask(this.config, false, durationMs, outputTokens, firstTokenMs) & 2) !== 0 ? 1 : 0
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
    return this.script("control", "ebManual", now, [action], () => undefined, true)
  }

  /**
   * One round trip: Redis moves Open → HalfOpen (once, fleet-wide) and takes a
   * permit lease, or says why not. If the caller is interrupted while asking,
   * a lease granted meanwhile is given back as soon as the answer arrives.
   */
  admitRemote(now: number): Effect.Effect<RemoteAdmission, CircuitStoreError> {
    return Effect.suspend(() => {
      if (!this.fleet.up) {
        this.asking = Math.max(0, this.asking - 1)
        return Effect.fail(storeError(this.config.name, "admit", "Redis is unreachable"))
      }
      const answered = this.fleet.send(this, "ebAdmit", this.args(now)).then((reply) => {
        this.asking = Math.max(0, this.asking - 1)
        this.noteTime(reply.s.now, now)
        return reply
      }, (e) => {
        this.asking = Math.max(0, this.asking - 1)
        throw e
      })
      return Effect.tryPromise({
        try: () => answered,
        catch: (e) => storeError(this.config.name, "admit", describe(e))
      }).pipe(
        Effect.map((reply) => this.admitted(reply, now)),
        Effect.onInterrupt(() =>
          Effect.sync(() => {
            answered.then((reply) => {
              this.adopt(reply.s, reply.t)
              if (reply.d !== core.Probe) return
              // nobody runs this probe: give its lease back (as an Ignored outcome)
              const release = [...this.args(now), reply.s.gen, reply.sl ?? -1, reply.tk ?? -1, core.OIgnored, 0, 0]
              this.fleet.send(this, "ebProbe", release).then((r) => void this.adopt(r.s, r.t), () => {})
            }, () => {})
          })
        )
      )
    })
  }

  private admitted(reply: Reply, now: number): RemoteAdmission {
    const s = this.state
    const t = this.adopt(reply.s, reply.t, false)
    const decision = (reply.d ?? core.Reject) as core.Decision
    const retryAfterMs = reply.ra === undefined || reply.ra < 0 ? Infinity : reply.ra
    if (decision === core.Probe) this.holds.set(reply.tk ?? -1, now)
    const halfOpenReject = decision === core.Reject && reply.s.tag === "HalfOpen"
    if (decision === core.Reject) {
      s.rejected++
      // the lease expiry only spares this replica round trips; the caller is told no time (the probes decide)
      if (halfOpenReject) this.busyUntil = now + retryAfterMs
    }
    return {
      decision,
      admittedIn: reply.s.tag,
      generation: reply.s.gen,
      slot: reply.sl ?? -1,
      ticket: reply.tk ?? -1,
      retryAfterMs: halfOpenReject ? 0 : retryAfterMs,
      transition: t
    }
  }

  export(now: number): Effect.Effect<BreakerState, CircuitStoreError> {
    if (!this.fleet.up) return Effect.sync(() => toData(this.state))
    return Effect.flatMap(
      this.fleet.flushNow(this),
      () => this.script("export", "ebExport", now, [], (reply) => ({ ...toData(this.state), windows: data.windowsData(this.config, reply) }))
    )
  }

  /** The restored state, as the seed script takes it. */
  seedData(): unknown {
    return data.seedData(this.state)
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
    name: "ebAdmit" | "ebProbe" | "ebManual" | "ebRead" | "ebExport",
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
    const p = this.pending
    const n = p.length
    // a trailing run of several untimed successes ended by now at the latest
    if (this.streaks && !this.timedSuccess && p[n - 3]! > 1 && (p[n - 4]! & 1) === 0) p[n - 1] = this.fleet.now()
    const taken = { gen: this.pendingGen, batch: p.join(","), calls: this.pendingCalls }
    this.pending = []
    this.pendingCalls = 0
    return taken
  }

  /** Makes the mirror agree with the shared state (see `mirror.ts`). */
  adopt(sum: Summary, t: LuaTransition | undefined, report = true): core.Transition | undefined {
    return mirror.adopt(this, sum, t, report)
  }

  /** Redis became unreachable: from now on this state is a local breaker (policy "local"). */
  goLocal(now: number): void {
    mirror.goLocal(this, now)
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


/** A store failure, named for the breaker's log line. @internal */
export const storeError = (breaker: string, operation: CircuitStoreError["operation"], detail: string): CircuitStoreError =>
  new CircuitStoreError({ store: "redis", breaker, operation, detail }, { disableValidation: true })
