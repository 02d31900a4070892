import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import { CircuitBreaker, Outcome, TripPolicy } from "effect-breaker"
import type { RedisServer } from "effect-breaker/testing"
import { eventually, fleetOf, replica, startServer, uniquePrefix } from "./support.js"

let server: RedisServer.RedisServer
let close: () => Promise<void>
beforeAll(async () => {
  ;({ server, close } = await startServer())
})
afterAll(() => close())

const byUsage = Outcome.classifier<{ tokens: number }, unknown>({ onSuccess: (a) => Outcome.successWith({ outputTokens: a.tokens }) })

describe("Redis fleet store: latency relative to work", () => {
  it.scoped("answers slow for their length, spread over two replicas, open the shared circuit; long answers do not", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const ctxs = [yield* replica(server.url, { prefix }), yield* replica(server.url, { prefix })]
      const policy = TripPolicy.slowCallRate({
        perOutputToken: "50 millis",
        timeToFirstToken: "500 millis",
        threshold: 0.5,
        minimumCalls: 4,
        window: TripPolicy.lastCalls(10)
      })
      const breakers = yield* Effect.forEach(ctxs, (ctx) =>
        CircuitBreaker.make({ name: "work", policy, classify: byUsage }).pipe(Effect.provide(ctx)))
      const call = (b: CircuitBreaker.CircuitBreaker, ms: number, tokens: number) =>
        Effect.gen(function*() {
          const f = yield* Effect.fork(b(Effect.as(Effect.sleep(ms), { tokens })))
          yield* TestClock.adjust(ms)
          return yield* Fiber.join(f)
        })
      // 1000 tokens in 20 s: within 0.5 s + 1000 × 50 ms.
      for (let i = 0; i < 3; i++) yield* call(breakers[i % 2]!, 20_000, 1000)
      for (const ctx of ctxs) yield* fleetOf(ctx).flush
      for (const b of breakers) assert.strictEqual((yield* b.stats).state, "Closed")
      // 10 tokens in 5 s: past 0.5 s + 10 × 50 ms. Two of five slow (0.4) stay under the 0.5 rate.
      for (let i = 0; i < 2; i++) {
        yield* call(breakers[i % 2]!, 5_000, 10)
        yield* fleetOf(ctxs[i % 2]!).flush
      }
      for (const b of breakers) assert.strictEqual((yield* b.stats).state, "Closed")
      // The third makes three of six (0.5): the shared window trips, and every replica learns it. No call is made after
      // this one, so none can race the news of the trip (a fourth call on the other replica could arrive before or after it).
      yield* call(breakers[0]!, 5_000, 10)
      yield* fleetOf(ctxs[0]!).flush
      for (const b of breakers) yield* eventually(Effect.map(b.stats, (s) => s.state === "Open"))
    }))
})
