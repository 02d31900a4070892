import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, TestClock } from "effect"
import { CircuitBreaker, TripPolicy } from "effect-breaker"
import type { RedisServer } from "effect-breaker/testing"
import { eventually, fleetOf, inspect, replica, startServer, uniquePrefix } from "./support.js"

let server: RedisServer.RedisServer
let close: () => Promise<void>
beforeAll(async () => {
  ;({ server, close } = await startServer())
})
afterAll(() => close())

const options = { name: "outage", policy: TripPolicy.consecutiveFailures(3), openDuration: "1 minute" } as const

/** Every exit is a success or a typed failure: never a defect, never an interruption. */
const noDefect = (exit: Exit.Exit<unknown, unknown>) =>
  assert.isTrue(Exit.isSuccess(exit) || exit.cause._tag === "Fail", `unexpected exit ${String(exit)}`)

describe("Redis fleet store: redis-server killed and restarted mid-run", () => {
  it.scoped("policy \"local\": no defect; each replica keeps a local breaker; when Redis is back the state is resynced", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const ctxs = yield* Effect.forEach([0, 1], () => replica(server.url, { prefix, onStoreError: "local" }))
      const [a, b] = yield* Effect.forEach(ctxs, (ctx) => CircuitBreaker.make(options).pipe(Effect.provide(ctx)))
      for (const x of [a!, b!]) noDefect(yield* Effect.exit(x(Effect.succeed(1))))

      yield* server.kill
      for (const ctx of ctxs) yield* eventually(Effect.map(fleetOf(ctx).status, (s) => !s.up))
      // calls go on, decided locally: successes pass, three failures on A open A's local breaker
      for (const x of [a!, b!]) assert.strictEqual(yield* x(Effect.succeed(2)), 2)
      for (let i = 0; i < 3; i++) noDefect(yield* Effect.exit(a!(Effect.fail("down"))))
      const rejected = yield* Effect.exit(a!(Effect.succeed(3)))
      noDefect(rejected)
      assert.isTrue(Exit.isFailure(rejected), "A's local breaker opened during the outage")
      assert.strictEqual(yield* b!(Effect.succeed(4)), 4, "B saw no failure: its local breaker stays closed")

      yield* server.restart // empty: the shared state is gone
      for (const ctx of ctxs) yield* eventually(Effect.map(fleetOf(ctx).status, (s) => s.up), 5_000)
      // A's opening during the outage is the newest evidence: it opens the shared circuit, and B follows
      yield* eventually(Effect.map(b!.stats, (s) => s.state === "Open"))
      const redis = yield* inspect(server.url)
      assert.strictEqual(yield* Effect.promise(() => redis.hget(`${prefix}{outage}`, "tag")), "Open")
      noDefect(yield* Effect.exit(b!(Effect.succeed(5))))
      const statuses = yield* Effect.forEach(ctxs, (ctx) => fleetOf(ctx).status)
      for (const s of statuses) {
        assert.strictEqual(s.downs, 1)
        assert.strictEqual(s.ups, 2)
      }
      // and the fleet works as one again: the opening ends, one probe closes it for both
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* a!(Effect.succeed(6)), 6)
      yield* eventually(Effect.map(b!.stats, (s) => s.state === "Closed"))
    }))

  it.scoped("policy \"allow\" lets calls through unrecorded, \"reject\" rejects them, while Redis is down", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const allowCtx = yield* replica(server.url, { prefix, onStoreError: "allow" })
      const rejectCtx = yield* replica(server.url, { prefix, onStoreError: "reject" })
      const allow = yield* CircuitBreaker.make(options).pipe(Effect.provide(allowCtx))
      const reject = yield* CircuitBreaker.make(options).pipe(Effect.provide(rejectCtx))
      yield* server.kill
      for (const ctx of [allowCtx, rejectCtx]) yield* eventually(Effect.map(fleetOf(ctx).status, (s) => !s.up))
      for (let i = 0; i < 5; i++) noDefect(yield* Effect.exit(allow(Effect.fail("down"))))
      assert.strictEqual(yield* allow(Effect.succeed(1)), 1, "allow: still passing after 5 failures (nothing recorded)")
      const error = yield* Effect.flip(reject(Effect.succeed(1)))
      assert.strictEqual(error._tag, "CircuitOpenError")
      assert.strictEqual(error.state, "Open", "a rejection reports a rejecting state, never the mirror's Closed")
      assert.strictEqual(Duration.toMillis(error.retryAfter), 1_000)
      yield* server.restart
      for (const ctx of [allowCtx, rejectCtx]) yield* eventually(Effect.map(fleetOf(ctx).status, (s) => s.up), 5_000)
      assert.strictEqual(yield* reject(Effect.succeed(2)), 2)
    }))
})
