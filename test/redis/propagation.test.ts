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
const passes = (b: CircuitBreaker.CircuitBreaker) =>
  Effect.map(b(Effect.succeed(2)), (v) => v === 2).pipe(Effect.orElseSucceed(() => false))

/** The median of the figures (an odd count: the middle one). */
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** Rounds of force-open then reset: the claim is on their median, each one bounded (a loaded machine can stall any one). */
const ROUNDS = 7
/** Far below the replicas' resync and flush intervals (1 minute): within it, only a pub/sub message can carry the news. */
const BOUND_MS = 1_000

describe("Redis fleet store: manual control reaches every replica (real pub/sub)", () => {
  // The one place a test reads the wall clock: how long a transition takes to reach the other replicas.
  it.live("force-open on one replica: the other two reject within 50 ms (median of 7 rounds); a reset on another closes all three", () =>
    Effect.scoped(Effect.gen(function*() {
      const prefix = uniquePrefix()
      // No background flush or resync within the test: a polling call's buffered success is never flushed (a flush reply
      // carries the shared state too), so what a replica learns in time it learns from the pub/sub message.
      const breakers = yield* Effect.forEach([0, 1, 2], () =>
        Effect.flatMap(replica(server.url, { prefix, flushInterval: "1 minute", resyncInterval: "1 minute" }), (ctx) =>
          CircuitBreaker.make({ name: "manual", policy: TripPolicy.consecutiveFailures(5) }).pipe(Effect.provide(ctx))))
      for (const x of breakers) assert.strictEqual(yield* x(Effect.succeed(1)), 1)
      const opened: Array<number> = []
      const closed: Array<number> = []
      for (let round = 0; round < ROUNDS; round++) {
        const forcer = breakers[round % 3]!
        const resetter = breakers[(round + 1) % 3]!
        const others = (b: CircuitBreaker.CircuitBreaker) => breakers.filter((x) => x !== b)

        const started = Date.now()
        yield* forcer.forceOpen
        assert.isTrue(yield* isRejected(forcer), "the replica that forced it rejects at once")
        yield* Effect.all(others(forcer).map((b) => eventually(isRejected(b), BOUND_MS)))
        opened.push(Date.now() - started)
        for (const b of breakers) assert.strictEqual((yield* b.stats).state, "ForcedOpen")

        const resetAt = Date.now()
        yield* resetter.reset
        assert.isTrue(yield* passes(resetter), "the replica that reset it passes calls at once")
        yield* Effect.all(others(resetter).map((b) => eventually(passes(b), BOUND_MS)))
        closed.push(Date.now() - resetAt)
        for (const b of breakers) assert.strictEqual((yield* b.stats).state, "Closed")
      }
      console.log(
        `force-open reached the other two replicas in ${opened.join(", ")} ms (median ${median(opened)} ms); ` +
          `reset in ${closed.join(", ")} ms (median ${median(closed)} ms), from the call`
      )
      assert.isAtMost(median(opened), 50, `force-open: ${opened.join(", ")} ms`)
      assert.isAtMost(median(closed), 50, `reset: ${closed.join(", ")} ms`)

      const [a, b, c] = breakers as [CircuitBreaker.CircuitBreaker, CircuitBreaker.CircuitBreaker, CircuitBreaker.CircuitBreaker]
      yield* c.disable
      yield* eventually(Effect.map(a.stats, (s) => s.state === "Disabled"), BOUND_MS)
      yield* eventually(Effect.map(b.stats, (s) => s.state === "Disabled"), BOUND_MS)
    })))
})
