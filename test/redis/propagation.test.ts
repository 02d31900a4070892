import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { CircuitBreaker, TripPolicy } from "effect-breaker"
import type { RedisServer } from "effect-breaker/testing"
import { eventually, replica, startServer, uniquePrefix } from "./support.js"

let server: RedisServer.RedisServer
let close: () => Promise<void>
beforeAll(async () => {
  ;({ server, close } = await startServer())
})
afterAll(() => close())

const isRejected = (b: CircuitBreaker.CircuitBreaker) =>
  Effect.map(Effect.either(b(Effect.succeed(1))), (e) => e._tag === "Left" && e.left._tag === "CircuitOpenError")

describe("Redis fleet store: manual control reaches every replica (real pub/sub)", () => {
  // The one place a test reads the wall clock: how long a transition takes to reach the other replicas.
  it.live("force-open on one replica: the other two reject within 50 ms; a reset on another closes all three", () =>
    Effect.scoped(Effect.gen(function*() {
      const prefix = uniquePrefix()
      const breakers = yield* Effect.forEach([0, 1, 2], () =>
        Effect.flatMap(replica(server.url, { prefix }), (ctx) =>
          CircuitBreaker.make({ name: "manual", policy: TripPolicy.consecutiveFailures(5) }).pipe(Effect.provide(ctx))))
      const [a, b, c] = breakers as [CircuitBreaker.CircuitBreaker, CircuitBreaker.CircuitBreaker, CircuitBreaker.CircuitBreaker]
      for (const x of breakers) assert.strictEqual(yield* x(Effect.succeed(1)), 1)
      const started = Date.now()
      yield* a.forceOpen
      assert.isTrue(yield* isRejected(a), "the replica that forced it rejects at once")
      const waited = yield* Effect.all([eventually(isRejected(b), 50), eventually(isRejected(c), 50)])
      const elapsed = Date.now() - started
      console.log(`force-open reached the other replicas in ${waited.join(" ms and ")} ms (${elapsed} ms from the call)`)
      assert.isAtMost(elapsed, 50)
      assert.strictEqual((yield* c.stats).state, "ForcedOpen")

      yield* b.reset
      yield* Effect.all([eventually(Effect.map(a(Effect.succeed(2)), (v) => v === 2).pipe(Effect.orElseSucceed(() => false)), 50),
        eventually(Effect.map(c(Effect.succeed(2)), (v) => v === 2).pipe(Effect.orElseSucceed(() => false)), 50)])
      assert.strictEqual((yield* a.stats).state, "Closed")

      yield* c.disable
      yield* eventually(Effect.map(a.stats, (s) => s.state === "Disabled"), 50)
      yield* eventually(Effect.map(b.stats, (s) => s.state === "Disabled"), 50)
    })))
})
