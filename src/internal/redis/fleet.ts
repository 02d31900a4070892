/**
 * The Redis fleet store: the circuits of this replica, their background flush
 * and resync, the pub/sub dispatch, and Redis's health (down → every circuit
 * runs its `onStoreError` policy; back → reconcile, resync).
 *
 * @internal
 */
import type * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Runtime from "effect/Runtime"
import { openMemory } from "../store/memory.js"
import type { Circuit, CircuitStoreError, OpenOptions, StoreErrorPolicy } from "../store/types.js"
import { RedisCircuit, storeError } from "./circuit.js"
import * as conn from "./connection.js"
import type { Counters, FleetOptions, GateListener, Reply } from "./types.js"

export type { Counters, FleetOptions, GateListener, Reply, Summary } from "./types.js"

const storeUp = Metric.gauge("effect_breaker_store_up", {
  description: "1 when the breakers' shared store (Redis) is reachable, 0 when they run on their onStoreError policy"
})
const storeErrors = Metric.counter("effect_breaker_store_errors", {
  description: "Failed store operations (Redis unreachable, timed out, script error)",
  incremental: true
})


/** @internal */
export class Fleet {
  up = false
  readonly channel: string
  readonly gateChannel: string
  readonly counters: Counters = { flushes: 0, flushedCalls: 0, callerRoundTrips: 0, failureFlushes: 0, resyncs: 0, messages: 0, errors: 0, downs: 0, ups: 0 }
  readonly circuits = new Map<string, Set<RedisCircuit>>()
  readonly gates = new Map<string, Set<GateListener>>()
  private readonly dirtySet = new Set<RedisCircuit>()
  connection!: conn.Connection
  private reconciling = false
  /** This replica's id in the shared state (which replica recorded the latest failure). */
  readonly replica = Math.random().toString(36).slice(2, 10)
  /** The store's scope is closing: the connections going away is not an outage. */
  closing = false

  constructor(
    readonly options: FleetOptions,
    readonly clock: Clock.Clock,
    readonly runtime: Runtime.Runtime<never>
  ) {
    this.channel = `${options.prefix}events`
    this.gateChannel = `${options.prefix}gates`
    this.setUp(false)
  }

  get onStoreError(): StoreErrorPolicy {
    return this.options.onStoreError
  }
  get redisTime(): boolean {
    return this.options.redisTime
  }
  get ttlMs(): number {
    return this.options.ttlMs
  }
  /** How long a rejected call (policy "reject") is told to wait: until the next reconnect attempt. */
  get retryMs(): number {
    return 1_000
  }
  keyOf(name: string): string {
    return `${this.options.prefix}{${name}}`
  }
  gateKeyOf(name: string): string {
    return `${this.options.prefix}gate:{${name}}`
  }
  now(): number {
    return this.clock.unsafeCurrentTimeMillis()
  }

  private log(level: "Warning" | "Info", message: string): void {
    const log = level === "Warning" ? Effect.logWarning(message) : Effect.logInfo(message)
    Runtime.runFork(this.runtime)(log.pipe(Effect.annotateLogs({ "breaker.store": "redis" })))
  }

  private setUp(up: boolean): void {
    this.up = up
    Runtime.runSync(this.runtime)(Metric.set(Metric.tagged(storeUp, "store", "redis"), up ? 1 : 0))
  }

  private failed(e: unknown): void {
    this.counters.errors++
    Runtime.runSync(this.runtime)(Metric.increment(Metric.tagged(storeErrors, "store", "redis")))
    this.down(conn.describe(e))
  }

  // --- health ---------------------------------------------------------------------------------------------------

  /** Redis became unreachable: every circuit runs on its policy until it is back. */
  down(reason: string): void {
    if (!this.up || this.closing) return
    this.setUp(false)
    this.counters.downs++
    const now = this.now()
    for (const set of this.circuits.values()) for (const c of set) c.goLocal(now)
    this.log(
      "Warning",
      `effect-breaker: Redis unreachable (${reason}); breakers run on onStoreError=${this.onStoreError} until it is back`
    )
  }

  /** Connected (again): reconcile every circuit with the shared state, then go back to it. */
  ready(): void {
    if (this.reconciling) return
    this.reconciling = true
    const wasDown = this.counters.downs > 0
    const all = [...this.circuits.values()].flatMap((set) => [...set])
    Promise.all(all.map((c) => this.read(c, c.local))).then(
      () => {
        this.reconciling = false
        if (!this.connection.ready()) return
        for (const c of all) c.local = false
        this.setUp(true)
        this.counters.ups++
        if (wasDown) this.log("Info", `effect-breaker: Redis reachable again; ${all.length} breaker(s) resynced`)
        void this.resyncGates()
      },
      (e) => {
        this.reconciling = false
        this.counters.errors++
        void e
      }
    )
  }

  /** Reads a circuit's shared state (seeding a restarted Redis from the local breaker) and adopts it. */
  private read(c: RedisCircuit, seed: boolean): Promise<void> {
    const s = c.state
    const now = this.now()
    const args = [
      ...c.args(now, seed ? s.generation : undefined),
      seed ? s.tag : "",
      s.openUntil,
      s.openings,
      JSON.stringify(c.localReason)
    ]
    return this.connection.run("ebRead", c.key, args).then((raw) => {
      const reply = JSON.parse(raw as string) as Reply
      c.noteTime(reply.s.now, now)
      this.checkMismatch(c, reply)
      c.adopt(reply.s, reply.t)
    })
  }

  /** A restored breaker: its whole state seeds the shared circuit if the fleet has none yet (else the fleet's wins). */
  private seed(c: RedisCircuit): Promise<void> {
    const now = this.now()
    return this.connection.run("ebSeed", c.key, [...c.args(now, c.state.generation), JSON.stringify(c.seedData())]).then(
      (raw) => {
        const reply = JSON.parse(raw as string) as Reply
        c.noteTime(reply.s.now, now)
        this.checkMismatch(c, reply)
        c.adopt(reply.s, reply.t)
      }
    )
  }

  private checkMismatch(c: RedisCircuit, reply: Reply): void {
    if (reply.m === 1 && !c.mismatchReported) {
      c.mismatchReported = true
      this.log(
        "Warning",
        `effect-breaker: breaker "${c.config.name}" is configured differently from the fleet's shared circuit; ` +
          "it follows the shared configuration until a reset installs this one"
      )
    }
  }

  // --- scripts run for a caller ---------------------------------------------------------------------------------

  call(
    c: RedisCircuit,
    operation: CircuitStoreError["operation"],
    script: conn.ScriptName,
    args: ReadonlyArray<string | number>
  ): Effect.Effect<Reply, CircuitStoreError> {
    return Effect.suspend(() => {
      if (!this.up) return Effect.fail(storeError(c.config.name, operation, "Redis is unreachable"))
      const sent = this.send(c, script, args)
      return Effect.tryPromise({
        try: () => sent,
        catch: (e) => storeError(c.config.name, operation, conn.describe(e))
      })
    })
  }

  /**
   * Sends a script for a caller now (the command leaves in this step) and
   * returns the decoded reply; a failure puts the store down.
   */
  send(c: RedisCircuit, script: conn.ScriptName, args: ReadonlyArray<string | number>): Promise<Reply> {
    this.counters.callerRoundTrips++
    return this.track(this.connection.run(script, c.key, args)).then(
      (raw) => {
        const reply = JSON.parse(raw as string) as Reply
        this.checkMismatch(c, reply)
        return reply
      },
      (e) => {
        this.failed(e)
        throw e
      }
    )
  }

  /** Commands a caller is waiting for (admissions, probe outcomes, manual control): `settled` waits for them. */
  private readonly inflight = new Set<Promise<unknown>>()

  private track<A>(p: Promise<A>): Promise<A> {
    this.inflight.add(p)
    const done = () => {
      this.inflight.delete(p)
    }
    p.then(done, done)
    return p
  }

  /** Flushes everything buffered and waits for every command in flight: what this replica did is in Redis. */
  async settled(): Promise<void> {
    // a reply can send another command (an interrupted admission gives its lease back): wait until none is left
    for (let i = 0; i < 10 && this.inflight.size > 0; i++) await Promise.allSettled([...this.inflight])
    await this.flushAll()
  }

  // --- flushing --------------------------------------------------------------------------------------------------

  dirty(c: RedisCircuit): void {
    this.dirtySet.add(c)
  }

  /**
   * A failure: its batch is sent now (the command leaves in this step, so
   * batches keep their order), and the failing caller waits for the answer, so
   * its next call sees a trip it caused. Never fails: an error puts the store
   * down and the batch back for the local breaker.
   */
  flushFailure(c: RedisCircuit): Effect.Effect<void> {
    this.dirtySet.delete(c)
    this.counters.failureFlushes++
    const sent = this.flush(c)
    return Effect.promise(() => sent)
  }

  flushNow(c: RedisCircuit): Effect.Effect<void> {
    return Effect.promise(() => this.flush(c))
  }

  flush(c: RedisCircuit): Promise<void> {
    if (!this.up) return Promise.resolve()
    // Outcomes recorded before the first read are counted under the generation it returns.
    if (!c.synced) return c.initial.then(() => this.flush(c))
    const taken = c.takeBatch()
    if (taken === undefined) return Promise.resolve()
    this.counters.flushes++
    this.counters.flushedCalls += taken.calls
    const now = this.now()
    return this.track(this.connection.run("ebFlush", c.key, [...c.args(now), taken.gen, taken.batch, this.replica])).then(
      (raw) => {
        const reply = JSON.parse(raw as string) as Reply
        c.noteTime(reply.s.now, now)
        this.checkMismatch(c, reply)
        c.adopt(reply.s, reply.t)
      },
      (e) => {
        c.untake(taken)
        this.failed(e)
      }
    )
  }

  /** Flushes every circuit with buffered outcomes. */
  flushAll(): Promise<void> {
    const all = [...this.dirtySet]
    this.dirtySet.clear()
    return Promise.all(all.map((c) => this.flush(c))).then(() => undefined)
  }

  /** Reads every circuit's shared state (a lost message, a missed transition). */
  resyncAll(): Promise<void> {
    if (!this.up) return Promise.resolve()
    this.counters.resyncs++
    const all = [...this.circuits.values()].flatMap((set) => [...set])
    return Promise.all(all.map((c) => this.read(c, false).catch((e) => this.failed(e)))).then(() => this.resyncGates())
  }

  // --- pub/sub ---------------------------------------------------------------------------------------------------

  message(channel: string, raw: string): void {
    this.counters.messages++
    let m: any
    try {
      m = JSON.parse(raw)
    } catch {
      return
    }
    if (channel === this.channel) {
      const set = this.circuits.get(m.n)
      if (set === undefined || !this.up) return
      for (const c of set) c.adopt(m.s, m.t)
    } else if (channel === this.gateChannel) {
      const set = this.gates.get(m.g)
      if (set !== undefined) for (const g of set) g.onRemote(m.k, m.u)
    }
  }

  // --- circuits ---------------------------------------------------------------------------------------------------

  /**
   * Opens a circuit at once (no asynchronous step: a breaker per new host is
   * made with `runSync`) and reads the shared state in the background; a
   * restored state seeds the shared circuit if the fleet's is Closed or new.
   */
  open(options: OpenOptions): Effect.Effect<Circuit> {
    return Effect.sync(() => {
      const mirror = openMemory(options)
      const c = new RedisCircuit(this, options.config, mirror.state, options.onTransition)
      const name = options.config.name
      let set = this.circuits.get(name)
      if (set === undefined) this.circuits.set(name, set = new Set())
      set.add(c)
      if (!this.up) {
        c.local = true
        c.synced = true
        return c
      }
      const synced = () => {
        c.synced = true
      }
      const first = options.restore !== undefined ? this.seed(c) : this.read(c, false)
      c.initial = first.then(synced, (e) => {
        synced()
        this.failed(e)
      })
      return c
    })
  }

  release(c: RedisCircuit): void {
    this.dirtySet.delete(c)
    const set = this.circuits.get(c.config.name)
    if (set === undefined) return
    set.delete(c)
    if (set.size === 0) this.circuits.delete(c.config.name)
  }

  // --- the rate-limit gate ----------------------------------------------------------------------------------------

  gateClose(gate: string, key: string, untilMs: number, now: number): void {
    if (!this.up) return
    this.connection.run("ebGateClose", this.gateKeyOf(gate), [key, untilMs, now, this.gateChannel, gate, this.ttlMs])
      .catch((e) => this.failed(e))
  }

  gateOpen(gate: string, key: string): void {
    if (!this.up) return
    this.connection.run("ebGateOpen", this.gateKeyOf(gate), [key, this.gateChannel, gate]).catch((e) => this.failed(e))
  }

  private resyncGates(): Promise<void> {
    const now = this.now()
    return Promise.all([...this.gates.entries()].map(([name, set]) =>
      this.connection.run("ebGateRead", this.gateKeyOf(name), [now]).then((flat) => {
        const a = flat as Array<string>
        for (let i = 0; i < a.length; i += 2) for (const g of set) g.onRemote(a[i]!, Number(a[i + 1]))
      })
    )).then(() => undefined, (e) => this.failed(e))
  }

  addGate(listener: GateListener): Effect.Effect<void> {
    return Effect.promise(() => {
      let set = this.gates.get(listener.name)
      if (set === undefined) this.gates.set(listener.name, set = new Set())
      set.add(listener)
      return this.up ? this.resyncGates() : Promise.resolve()
    })
  }

  removeGate(listener: GateListener): void {
    this.gates.get(listener.name)?.delete(listener)
  }
}
