/**
 * Interruption storm over the memory store (TestClock): failover, a gated
 * breaker, a hedged fallback, the stream breaker with its idle/first/total
 * limits, and gate closings, 300 callers with tiny Effect.timeouts and random
 * Fiber.interrupts. Afterwards: no probe permit held, no hedge in flight, every
 * circuit recovers (none wedged in HalfOpen), and no fiber the library forked
 * ended with an unhandled failure (Effect's stream runner logs each failing
 * stream run itself, as test/resilience/unhandled.test.ts shows: those only).
 */
import { assert, it } from "@effect/vitest"
import { Cause, Effect, Fiber, Logger, LogLevel, Random, Stream, TestClock } from "effect"
import { CircuitBreaker, Fallback, RateLimitGate, TripPolicy } from "effect-breaker"

it.scoped("interrupted callers leave no permit, hedge or unhandled failure behind, and no circuit wedged", () => {
  const unhandled: Array<string> = []
  const logger = Logger.make(({ message, cause }) => {
    const text = Array.isArray(message) ? message.map(String).join(" ") : String(message)
    if (/unhandled/i.test(text)) unhandled.push(Cause.pretty(cause).split("\n")[0]!)
  })
  return Effect.gen(function*() {
    const mk = (name: string) => CircuitBreaker.make({ name, policy: TripPolicy.consecutiveFailures(3), openDuration: "1 second", halfOpen: { permits: 1, probeTimeout: "60 seconds" } })
    const b1 = yield* mk("s1"), b2 = yield* mk("s2"), b3 = yield* mk("s3")
    const gate = yield* Effect.provide(RateLimitGate.make({ maxKeys: 100 }), RateLimitGate.layerStoreMemory)
    const hedge = yield* Fallback.makeHedge({ delay: "5 millis", name: "h" })
    const flaky = (tag: string) => Effect.gen(function*() {
      yield* Effect.sleep(`${yield* Random.nextIntBetween(0, 20)} millis`)
      if ((yield* Random.nextIntBetween(0, 3)) === 0) return yield* Effect.fail(new Error(tag))
      return tag
    })
    const fo = yield* Fallback.failover([
      { name: "a", breaker: b1, run: (_: string) => flaky("a") },
      { name: "b", breaker: b2, run: (_: string) => flaky("b") }
    ])
    const sb = yield* CircuitBreaker.makeStream(b3, { idleTimeout: "7 millis", firstElementTimeout: "7 millis", totalTimeout: "30 millis" })
    const kinds = [
      () => fo.serve("q"),
      () => flaky("g").pipe(b1, gate.guard(`k${Math.floor(Math.random() * 5)}`)),
      () => flaky("h").pipe(b2, Fallback.serve({ fallback: [Fallback.effect("fb", flaky("fb"))], hedge })),
      () => Stream.runCollect(sb(Stream.fromEffect(flaky("s1")).pipe(Stream.concat(Stream.fromEffect(flaky("s2")))))),
      () => gate.closeFor("k1", "3 millis")
    ]
    const fibers: Array<Fiber.RuntimeFiber<unknown, unknown>> = []
    for (let round = 0; round < 15; round++) {
      for (let i = 0; i < 10; i++) {
        const k = kinds[Math.floor(Math.random() * kinds.length)]!
        const t = Math.floor(Math.random() * 15)
        fibers.push(yield* Effect.fork(Effect.exit(Effect.timeout(k() as Effect.Effect<unknown, unknown>, `${t} millis`))))
      }
      yield* TestClock.adjust(`${Math.floor(Math.random() * 4)} millis`)
      for (let i = 0; i < 3; i++) {
        const f = fibers[Math.floor(Math.random() * fibers.length)]!
        yield* Fiber.interrupt(f)
      }
    }
    yield* TestClock.adjust("1 second")
    for (const f of fibers) yield* Fiber.await(f)
    for (const b of [b1, b2, b3]) {
      const s = yield* b.stats
      assert.strictEqual(s.probesInFlight, 0, `${s.state}`)
    }
    assert.strictEqual(yield* hedge.inFlight, 0)
    yield* TestClock.adjust("2 seconds")
    for (const b of [b1, b2]) {
      for (let i = 0; i < 3; i++) yield* Effect.exit(b(Effect.succeed(1)))
      const s = yield* b.stats
      assert.strictEqual(s.state, "Closed")
    }
    assert.isAtMost(yield* gate.size, 100)
    // only the stream runner's own lines, for streams that failed (the breaker's, a timeout's or the work's error)
    assert.deepStrictEqual(unhandled.filter((c) => !/^(Error: s[12]|StreamTimeoutError|CircuitOpenError)/.test(c)), [])
  }).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)), Logger.withMinimumLogLevel(LogLevel.All))
}, 60_000)
