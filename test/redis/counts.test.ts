import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { CircuitBreaker, TripPolicy } from "effect-breaker"
import type { RedisServer } from "effect-breaker/testing"
import { fleetOf, inspect, replica, startServer, uniquePrefix } from "./support.js"

let server: RedisServer.RedisServer
let close: () => Promise<void>
beforeAll(async () => {
  ;({ server, close } = await startServer())
})
afterAll(() => close())

/** A small seeded PRNG (mulberry32): the same outcomes every run. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

describe("Redis fleet store: shared counts", () => {
  it.scoped("10,000 calls across three replicas with random outcomes: the shared counts equal what was sent", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const ctxs = yield* Effect.forEach([0, 1, 2], () => replica(server.url, { prefix }))
      const breakers = yield* Effect.forEach(ctxs, (ctx) =>
        CircuitBreaker.make({
          name: "counts",
          // never trips: every outcome stays in one generation, so every one must be counted
          policy: TripPolicy.consecutiveFailures(1_000_000),
          // "ignored" results say nothing about the dependency: not counted
          classify: (exit) =>
            Exit.isSuccess(exit) ? (exit.value === "ignored" ? { _tag: "Ignored" } : { _tag: "Success" }) : {
              _tag: "Failure",
              retryAfter: undefined
            }
        }).pipe(Effect.provide(ctx)))
      const random = prng(42)
      const plan = Array.from({ length: 10_000 }, (_, i) => {
        const r = random()
        return { replica: i % 3, outcome: r < 0.3 ? "failure" : r < 0.4 ? "ignored" : "success" } as const
      })
      const sent = { success: 0, failure: 0, ignored: 0 }
      for (const p of plan) sent[p.outcome]++
      yield* Effect.forEach(
        plan,
        (p) => {
          const call = p.outcome === "failure" ? Effect.fail("down") : Effect.succeed(p.outcome)
          return Effect.exit(breakers[p.replica]!(call))
        },
        { concurrency: 64, discard: true }
      )
      yield* Effect.forEach(ctxs, (ctx) => fleetOf(ctx).flush, { discard: true })
      const redis = yield* inspect(server.url)
      const [tc, tf] = yield* Effect.promise(() => redis.hmget(`${prefix}{counts}`, "tc", "tf"))
      console.log(
        `sent ${sent.success} successes, ${sent.failure} failures, ${sent.ignored} ignored; Redis counted ${tc} calls, ${tf} failures`
      )
      assert.strictEqual(Number(tc), sent.success + sent.failure)
      assert.strictEqual(Number(tf), sent.failure)
      const statuses = yield* Effect.forEach(ctxs, (ctx) => fleetOf(ctx).status)
      console.log(`flushes per replica: ${statuses.map((s) => s.flushes).join(", ")}`)
      for (const s of statuses) assert.isTrue(s.up)
    }))
})
