/**
 * Interruption storm on fleet-wide half-open admission: callers on three
 * replicas are interrupted at random points while they ask Redis for a probe
 * lease, run, or release it. Afterwards no lease is held (no replica counts a
 * probe in flight, well before the probe timeout) and the next caller is
 * admitted as a probe: the fleet is not wedged in HalfOpen.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Logger, LogLevel, Random, TestClock } from "effect"
import { CircuitBreaker, TripPolicy } from "effect-breaker"
import type { RedisServer } from "effect-breaker/testing"
import { eventually, replica, startServer, uniquePrefix } from "./support.js"

let server: RedisServer.RedisServer
let close: () => Promise<void>
beforeAll(async () => {
  ;({ server, close } = await startServer())
})
afterAll(() => close())

const wait = (ms: number) => Effect.promise(() => new Promise<void>((r) => setTimeout(r, ms)))

describe("Redis fleet store: interrupted half-open callers", () => {
  it.scoped("leave no lease behind and do not wedge HalfOpen", () => {
    const lines: Array<string> = []
    const logger = Logger.make(({ message }) => {
      lines.push(Array.isArray(message) ? message.map(String).join(" ") : String(message))
    })
    return Effect.gen(function*() {
      const prefix = uniquePrefix()
      const ctxs = yield* Effect.forEach([0, 1, 2], () => replica(server.url, { prefix }))
      for (let run = 0; run < 8; run++) {
        const breakers = yield* Effect.forEach(ctxs, (ctx) =>
          CircuitBreaker.make({
            name: `storm-${run}`,
            policy: TripPolicy.consecutiveFailures(1),
            openDuration: "1 second",
            halfOpen: { permits: 2, successesToClose: 3, probeTimeout: "10 minutes" }
          }).pipe(Effect.provide(ctx)))
        yield* Effect.flip(breakers[0]!(Effect.fail("down")))
        for (const b of breakers) yield* eventually(Effect.map(b.stats, (s) => s.state === "Open"))
        yield* TestClock.adjust("1 second")
        const work = Effect.flatMap(Random.nextIntBetween(0, 3), (n) => n === 0 ? Effect.fail("x") : wait(n))
        const fibers = yield* Effect.forEach(
          breakers.flatMap((b) => Array.from({ length: 8 }, () => b)),
          (b) => Effect.fork(Effect.exit(b(work))),
          { concurrency: "unbounded" }
        )
        // interrupt most of them at random points: asking for the lease, running, releasing
        for (const f of fibers) {
          if (Math.random() < 0.8) {
            yield* wait(Math.floor(Math.random() * 3))
            yield* Fiber.interrupt(f)
          }
        }
        for (const f of fibers) yield* Fiber.await(f)
        // no lease is held: every replica agrees, long before the probe timeout
        for (const b of breakers) {
          yield* eventually(Effect.map(b.stats, (s) => s.probesInFlight === 0), 3_000).pipe(
            Effect.catchAll(() => Effect.flatMap(b.stats, (s) => Effect.fail(new Error(`run ${run}: ${s.state}, ${s.probesInFlight} probes in flight`))))
          )
        }
        // the fleet is not wedged: a caller is admitted (a probe if half-open, a call if it closed or reopened and we wait)
        const state = (yield* breakers[1]!.stats).state
        if (state === "Open") yield* TestClock.adjust("1 second")
        const exit = yield* Effect.exit(breakers[1]!(Effect.succeed("ok")))
        assert.isTrue(Exit.isSuccess(exit), `run ${run} (${state}): ${String(exit)}`)
      }
      assert.deepStrictEqual(lines.filter((l) => /unhandled/i.test(l)), [])
    }).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)), Logger.withMinimumLogLevel(LogLevel.All))
  }, 60_000)
})
