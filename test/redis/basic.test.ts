import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { CircuitBreaker, TripPolicy } from "effect-breaker"
import type { RedisServer } from "effect-breaker/testing"
import { eventually, fleetOf, replica, startServer, uniquePrefix } from "./support.js"

let server: RedisServer.RedisServer
let close: () => Promise<void>
beforeAll(async () => {
  ;({ server, close } = await startServer())
})
afterAll(() => close())

const boom = Effect.fail("boom")

describe("Redis fleet store: basics", () => {
  it.scoped("five failures spread over three replicas open the shared circuit; every replica rejects", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const ctxs = [yield* replica(server.url, { prefix }), yield* replica(server.url, { prefix }), yield* replica(server.url, { prefix })]
      const breakers = yield* Effect.forEach(ctxs, (ctx) =>
        CircuitBreaker.make({ name: "basic", policy: TripPolicy.consecutiveFailures(5), openDuration: "30 seconds" }).pipe(
          Effect.provide(ctx)
        ))
      for (let i = 0; i < 5; i++) {
        yield* Effect.flip(breakers[i % 3]!(boom))
        yield* fleetOf(ctxs[i % 3]!).flush
      }
      for (const b of breakers) {
        yield* eventually(Effect.map(b.stats, (s) => s.state === "Open"))
        const e = yield* Effect.flip(b(Effect.succeed(1)))
        assert.strictEqual((e as any)._tag, "CircuitOpenError")
      }
      yield* TestClock.adjust("30 seconds")
      // one probe fleet-wide: it closes the circuit (permits 1, successesToClose 1)
      assert.strictEqual(yield* breakers[1]!(Effect.succeed(7)), 7)
      for (const b of breakers) yield* eventually(Effect.map(b.stats, (s) => s.state === "Closed"))
    }))
})

describe("Redis fleet store: consecutive failures across replicas", () => {
  it.scoped("a success flushed after later failures elsewhere does not break their streak (A.S B.S C.S, then 5 failures round-robin)", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const ctxs = [yield* replica(server.url, { prefix }), yield* replica(server.url, { prefix }), yield* replica(server.url, { prefix })]
      const breakers = yield* Effect.forEach(ctxs, (ctx) =>
        CircuitBreaker.make({ name: "streak", policy: TripPolicy.consecutiveFailures(5) }).pipe(Effect.provide(ctx)))
      // each replica's success stays buffered (flushed with its first failure, after other replicas' failures)
      for (const b of breakers) {
        yield* b(Effect.succeed(1))
        yield* TestClock.adjust("1 millis")
      }
      for (let i = 0; i < 5; i++) {
        yield* Effect.flip(breakers[i % 3]!(boom))
        yield* TestClock.adjust("1 millis")
      }
      for (const b of breakers) yield* eventually(Effect.map(b.stats, (s) => s.state === "Open"))
    }))

  it.scoped("a success after the failures does break the streak, wherever it happened", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const ctxs = [yield* replica(server.url, { prefix }), yield* replica(server.url, { prefix })]
      const [a, b] = yield* Effect.forEach(ctxs, (ctx) =>
        CircuitBreaker.make({ name: "streak-broken", policy: TripPolicy.consecutiveFailures(3) }).pipe(Effect.provide(ctx)))
      yield* Effect.flip(a!(boom))
      yield* Effect.flip(a!(boom))
      yield* TestClock.adjust("1 millis")
      yield* b!(Effect.succeed(1))
      yield* fleetOf(ctxs[1]!).flush
      yield* Effect.flip(a!(boom))
      yield* Effect.flip(a!(boom))
      yield* fleetOf(ctxs[0]!).resync
      assert.strictEqual((yield* a!.stats).state, "Closed")
      assert.strictEqual((yield* a!.stats).consecutiveFailures, 2)
    }))
})
