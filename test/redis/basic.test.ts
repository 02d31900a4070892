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
