import { assert, describe, it } from "@effect/vitest"
import { Cause, Clock, Duration, Effect, Exit, Fiber, Metric, Option, Scope, Supervisor, TestClock } from "effect"
import { CircuitBreaker, CircuitOpenError, Fallback, InvalidOptionError, TripPolicy } from "effect-breaker"
import { Policy } from "effect-breaker/llm"
import { hedgesKey } from "../../src/internal/resilience/hedge.js"
import { Unavailable } from "./lib.js"

/** A dependency that hangs until `Effect.timeout` ends it, as a typed failure (what a breaker records). */
const hangs = (timeout: Duration.DurationInput) =>
  Effect.timeoutFail(Effect.never, { duration: timeout, onTimeout: () => new Unavailable({}) })

/** Records when (on the Clock) something started and how it ended. */
const probe = <A, E>(self: Effect.Effect<A, E>) => {
  const log: { startedAt: number | undefined; interrupted: boolean; ended: boolean } = {
    startedAt: undefined,
    interrupted: false,
    ended: false
  }
  const effect = Effect.flatMap(Clock.currentTimeMillis, (now) => {
    log.startedAt = now
    return self
  }).pipe(
    Effect.onExit((exit) => Effect.sync(() => {
      log.ended = true
      log.interrupted = Exit.isInterrupted(exit)
    }))
  )
  return { log, effect }
}

/** Serves `self` with one fallback, named after the hedge, started beside it by `hedge` (the `hedge` option of serve). */
const hedged = <B, E2>(hedge: Fallback.Hedge, fallback: Effect.Effect<B, E2> | ((input: unknown) => Effect.Effect<B, E2>)) =>
<A, E>(self: Effect.Effect<A, E>) => Fallback.serve(self, { fallback: [Fallback.effect(hedge.name, fallback)], hedge })

const consecutive = (name: string) =>
  CircuitBreaker.make({ name, policy: TripPolicy.consecutiveFailures(1), openDuration: "10 seconds" })

describe("Hedge", () => {
  it.effect("a primary that answers before the delay serves; the fallback never starts and nothing is left running", () =>
    Effect.gen(function*() {
      const hedge = yield* Fallback.makeHedge({ delay: "150 millis", name: "anthropic" })
      const fallback = probe(Effect.succeed("fallback"))
      const fiber = yield* Effect.fork(Effect.delay(Effect.succeed("primary"), "149 millis").pipe(hedged(hedge, fallback.effect)))
      yield* TestClock.adjust("149 millis")
      const served = yield* Fiber.join(fiber)
      assert.deepStrictEqual(served, { value: "primary", servedBy: { _tag: "Primary" }, hedged: false })
      assert.isUndefined(fallback.log.startedAt)
      assert.strictEqual(yield* hedge.inFlight, 0)
    }).pipe(Effect.scoped))

  it.effect("a hanging primary: the fallback starts at exactly the delay and answers; the primary runs on and its breaker records the timeout", () =>
    Effect.gen(function*() {
      const breaker = yield* consecutive("openai")
      const hedge = yield* Fallback.makeHedge({ delay: "150 millis", name: "anthropic" })
      const primary = probe(breaker(hangs("1 second")))
      const fallback = probe(Effect.succeed("from claude"))
      const supervisor = yield* Supervisor.track
      const fiber = yield* Effect.fork(hedged(hedge, fallback.effect)(primary.effect).pipe(Effect.supervised(supervisor)))

      yield* TestClock.adjust("149 millis")
      assert.isUndefined(fallback.log.startedAt, "not one millisecond early")
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(fallback.log.startedAt, 150)
      const served = yield* Fiber.join(fiber)
      assert.deepStrictEqual(served, { value: "from claude", servedBy: { _tag: "Fallback", name: "anthropic" }, hedged: true })
      assert.strictEqual(yield* Clock.currentTimeMillis, 150)

      // the caller has its answer; the primary is still running, not cancelled
      assert.isFalse(primary.log.ended)
      assert.strictEqual(yield* hedge.inFlight, 1)
      assert.strictEqual((yield* breaker.stats).state, "Closed")
      yield* TestClock.adjust("850 millis")
      assert.isTrue(primary.log.ended)
      assert.isFalse(primary.log.interrupted)
      // the timeout at exactly 1 s was recorded as a failure: it opened the circuit (1 consecutive failure)
      const stats = yield* breaker.stats
      assert.strictEqual(stats.state, "Open")
      assert.strictEqual(stats.openings, 1)
      assert.strictEqual(stats.enteredAt, 1000)
      // no fiber left behind
      assert.strictEqual(yield* hedge.inFlight, 0)
      assert.deepStrictEqual((yield* supervisor.value).filter((f) => f.unsafePoll() === null), [])
    }).pipe(Effect.scoped))

  it.effect("an open circuit rejects at once: the fallback runs at once, with no delay, and gets the rejection", () =>
    Effect.gen(function*() {
      const breaker = yield* consecutive("openai")
      yield* breaker.forceOpen
      const hedge = yield* Fallback.makeHedge({ delay: "150 millis" })
      let trigger: unknown
      const served = yield* breaker(Effect.succeed("never")).pipe(
        hedged(hedge, (e: unknown) => {
          trigger = e
          return Effect.succeed("fallback")
        })
      )
      assert.deepStrictEqual(served, { value: "fallback", servedBy: { _tag: "Fallback", name: "hedge" }, hedged: false })
      assert.strictEqual(yield* Clock.currentTimeMillis, 0)
      assert.instanceOf(trigger, CircuitOpenError, "the alternative gets the rejection")
    }).pipe(Effect.scoped))

  it.effect("the fallback fails, then the primary succeeds: the primary's answer is used", () =>
    Effect.gen(function*() {
      const hedge = yield* Fallback.makeHedge({ delay: "100 millis" })
      let trigger: string | undefined
      const fiber = yield* Effect.fork(
        Effect.delay(Effect.succeed("late primary"), "400 millis").pipe(
          hedged(hedge, (e: unknown) => {
            trigger = Cause.isTimeoutException(e) ? "Slow" : "Failed"
            return Effect.delay(Effect.fail(new Unavailable({})), "50 millis")
          })
        )
      )
      yield* TestClock.adjust("400 millis")
      const served = yield* Fiber.join(fiber)
      assert.deepStrictEqual(served, { value: "late primary", servedBy: { _tag: "Primary" }, hedged: true })
      assert.strictEqual(trigger, "Slow")
    }).pipe(Effect.scoped))

  it.effect("the primary wins after the hedge fired: the fallback is interrupted", () =>
    Effect.gen(function*() {
      const hedge = yield* Fallback.makeHedge({ delay: "100 millis" })
      const fallback = probe(Effect.delay(Effect.succeed("slow fallback"), "1 second"))
      const fiber = yield* Effect.fork(Effect.delay(Effect.succeed("primary"), "300 millis").pipe(hedged(hedge, fallback.effect)))
      yield* TestClock.adjust("300 millis")
      const served = yield* Fiber.join(fiber)
      assert.strictEqual(served.servedBy._tag, "Primary")
      assert.isTrue(served.hedged)
      assert.strictEqual(fallback.log.startedAt, 100)
      assert.isTrue(fallback.log.interrupted)
    }).pipe(Effect.scoped))

  it.effect("both fail: a typed failure with both causes, the fallback's first", () =>
    Effect.gen(function*() {
      const hedge = yield* Fallback.makeHedge({ delay: "100 millis" })
      const fiber = yield* Effect.fork(Effect.exit(
        hangs("1 second").pipe(hedged(hedge, Effect.delay(Effect.fail("fallback down" as const), "50 millis")))
      ))
      yield* TestClock.adjust("1 second")
      const exit = yield* Fiber.join(fiber)
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) {
        const failures = Array.from(Cause.failures(exit.cause))
        assert.strictEqual(failures[0], "fallback down")
        assert.instanceOf(failures[1], Unavailable)
      }
      // flip sees the fallback's error
      const early = yield* Effect.flip(Effect.fail(new Unavailable({})).pipe(hedged(hedge, Effect.fail("fallback down" as const))))
      assert.strictEqual(early, "fallback down")
    }).pipe(Effect.scoped))

  it.effect("`when` rejects a failure: it ends the call at once, the fallback never starts; defects are never hedged over", () =>
    Effect.gen(function*() {
      const hedge = yield* Fallback.makeHedge({ delay: "100 millis", when: (e: { _tag: string }) => e._tag === "Unavailable" })
      const fallback = probe(Effect.succeed("fallback"))
      const error = yield* Effect.flip(Effect.fail({ _tag: "BadRequest" as const }).pipe(hedged(hedge, fallback.effect)))
      assert.deepStrictEqual(error, { _tag: "BadRequest" })
      assert.isUndefined(fallback.log.startedAt)
      const defect = yield* Effect.exit(Effect.die("bug").pipe(hedged(hedge, fallback.effect)))
      assert.isTrue(Exit.isFailure(defect) && Cause.isDie(defect.cause))
      assert.isUndefined(fallback.log.startedAt)
    }).pipe(Effect.scoped))

  it.effect("interrupting the caller interrupts the primary and the fallback", () =>
    Effect.gen(function*() {
      const hedge = yield* Fallback.makeHedge({ delay: "100 millis" })
      const primary = probe(Effect.never)
      const fallback = probe(Effect.never)
      const fiber = yield* Effect.fork(primary.effect.pipe(hedged(hedge, fallback.effect)))
      yield* TestClock.adjust("200 millis")
      assert.strictEqual(fallback.log.startedAt, 100)
      yield* Fiber.interrupt(fiber)
      assert.isTrue(primary.log.interrupted)
      assert.isTrue(fallback.log.interrupted)
      assert.strictEqual(yield* hedge.inFlight, 0)

      // before the delay too
      const primary2 = probe(Effect.never)
      const fiber2 = yield* Effect.fork(primary2.effect.pipe(hedged(hedge, Effect.succeed(1))))
      yield* TestClock.adjust("50 millis")
      yield* Fiber.interrupt(fiber2)
      assert.isTrue(primary2.log.interrupted)
    }).pipe(Effect.scoped))

  it.effect("closing the hedge's scope interrupts primaries that outlived their caller", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const hedge = yield* Scope.extend(Fallback.makeHedge({ delay: "100 millis" }), scope)
      const primary = probe(Effect.never)
      const fiber = yield* Effect.fork(primary.effect.pipe(hedged(hedge, Effect.succeed("fallback"))))
      yield* TestClock.adjust("100 millis")
      assert.strictEqual((yield* Fiber.join(fiber)).value, "fallback")
      assert.strictEqual(yield* hedge.inFlight, 1)
      yield* Scope.close(scope, Exit.void)
      assert.isTrue(primary.log.interrupted)
    }))

  it.effect("spans and metrics: hedge.fired and hedge.served_by when it fires, nothing when the primary answers first", () =>
    Effect.gen(function*() {
      const hedge = yield* Fallback.makeHedge({ delay: "100 millis", name: "metrics-test" })
      const served = Metric.fromMetricKey(hedgesKey).pipe((m) =>
        Metric.tagged(Metric.tagged(m, "hedge", "metrics-test"), "served_by", "fallback")
      )
      const before = (yield* Metric.value(served)).count
      const attributes = <E>(self: Effect.Effect<unknown, E>) =>
        Effect.withSpan(Effect.zipRight(self, Effect.map(Effect.currentSpan, (s) => Object.fromEntries(s.attributes))), "call")
      const fiber = yield* Effect.fork(attributes(hangs("1 second").pipe(hedged(hedge, Effect.succeed("x")))))
      yield* TestClock.adjust("100 millis")
      const fired = yield* Fiber.join(fiber)
      assert.strictEqual(fired["hedge.fired"], true)
      assert.strictEqual(fired["hedge.served_by"], "fallback")
      assert.strictEqual((yield* Metric.value(served)).count, before + 1)
      const quiet = yield* attributes(Effect.succeed(1).pipe(hedged(hedge, Effect.succeed(2))))
      assert.isUndefined(quiet["hedge.fired"])
      yield* TestClock.adjust("1 second")
    }).pipe(Effect.scoped))

  it.effect("bad options are typed errors naming the option", () =>
    Effect.gen(function*() {
      const missing = yield* Effect.flip(Fallback.makeHedge({} as any))
      assert.instanceOf(missing, InvalidOptionError)
      assert.strictEqual(missing.option, "hedge.delay")
      const negative = yield* Effect.flip(Fallback.makeHedge({ delay: -5 }))
      assert.strictEqual(negative.option, "hedge.delay")
      assert.include(negative.message, "-5")
      const name = yield* Effect.flip(Fallback.makeHedge({ delay: 10, name: "" }))
      assert.strictEqual(name.option, "hedge.name")
      const when = yield* Effect.flip(Fallback.makeHedge({ delay: 10, when: 3 as any }))
      assert.strictEqual(when.option, "hedge.when")
      const zero = yield* Fallback.makeHedge({ delay: 0 })
      assert.isTrue(Fallback.isHedge(zero))
      assert.isFalse(Fallback.isHedge({}))
      assert.isTrue(Option.isSome(Option.some(zero.delay)))
    }).pipe(Effect.scoped))
})

describe("Policy.failover(...).serve with a hedge", () => {
  const setup = Effect.gen(function*() {
    const openai = yield* Policy.make({
      provider: "openai",
      timeout: "1 second",
      retry: false,
      gate: false,
      breaker: { preset: "default", policy: { _tag: "ConsecutiveFailures", threshold: 1 } }
    })
    const anthropic = yield* Policy.make({ provider: "anthropic", retry: false, gate: false })
    const sent = { openai: 0, anthropic: 0 }
    const ask = yield* Policy.failover([
      { policy: openai, run: (_: string) => Effect.suspend(() => (sent.openai++, Effect.never)) },
      { policy: anthropic, run: (q: string) => Effect.suspend(() => (sent.anthropic++, Effect.succeed(`claude: ${q}`))) }
    ])
    const hedge = yield* Fallback.makeHedge({ delay: "150 millis" })
    const cache = yield* Fallback.makeCache<string>({ maxAge: "1 minute" })
    return { openai, ask, hedge, cache, sent }
  })

  it.effect("a hanging first provider: the next one answers at exactly the delay; the first one's timeout opens its circuit; then no delay", () =>
    Effect.gen(function*() {
      const { ask, cache, hedge, openai, sent } = yield* setup
      const fiber = yield* Effect.fork(ask.serve("hi", { fallback: [Fallback.cached(cache, "hi")], hedge }))
      yield* TestClock.adjust("149 millis")
      assert.strictEqual(sent.anthropic, 0)
      yield* TestClock.adjust("1 millis")
      const served = yield* Fiber.join(fiber)
      assert.deepStrictEqual(served, { value: "claude: hi", servedBy: { _tag: "Fallback", name: "anthropic" }, hedged: true })
      assert.strictEqual((yield* openai.breaker.stats).state, "Closed")
      yield* TestClock.adjust("850 millis")
      assert.strictEqual((yield* openai.breaker.stats).state, "Open")
      assert.strictEqual(yield* hedge.inFlight, 0)

      // the circuit is open: rejected at once, the next provider answers with no delay and no hedge
      const now = yield* Clock.currentTimeMillis
      const again = yield* ask.serve("again", { fallback: [Fallback.cached(cache, "again")], hedge })
      assert.deepStrictEqual(again, { value: "claude: again", servedBy: { _tag: "Fallback", name: "anthropic" }, hedged: false })
      assert.strictEqual(yield* Clock.currentTimeMillis, now)
      assert.deepStrictEqual(sent, { openai: 1, anthropic: 2 })
      // every answer filled the cache
      assert.isTrue(Option.isSome(yield* cache.get("again")))
    }).pipe(Effect.scoped))

  it.effect("a bad hedge is a typed error naming it", () =>
    Effect.gen(function*() {
      const { ask } = yield* setup
      const error = yield* Effect.flip(ask.serve("hi", { fallback: [], hedge: {} as any }))
      assert.instanceOf(error, InvalidOptionError)
      assert.strictEqual((error as InvalidOptionError).option, "serve.hedge")
    }).pipe(Effect.scoped))
})
