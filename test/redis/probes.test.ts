import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Context, Deferred, Effect, Exit, Fiber, Ref, Scope, TestClock } from "effect"
import { CircuitBreaker, TripPolicy } from "effect-breaker"
import type { RedisStore } from "effect-breaker/redis"
import type { RedisServer } from "effect-breaker/testing"
import { eventually, replica, startServer, uniquePrefix } from "./support.js"

let server: RedisServer.RedisServer
let close: () => Promise<void>
beforeAll(async () => {
  ;({ server, close } = await startServer())
})
afterAll(() => close())

const openAll = (breakers: ReadonlyArray<CircuitBreaker.CircuitBreaker>) =>
  Effect.gen(function*() {
    yield* Effect.flip(breakers[0]!(Effect.fail("down")))
    for (const b of breakers) yield* eventually(Effect.map(b.stats, (s) => s.state === "Open"))
  })

describe("Redis fleet store: half-open permits are fleet-wide leases", () => {
  it.scoped("exactly N probes across three replicas under contention, 100 runs out of 100", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const ctxs = yield* Effect.forEach([0, 1, 2], () => replica(server.url, { prefix }))
      const N = 2
      const RUNS = 100
      let exact = 0
      for (let run = 0; run < RUNS; run++) {
        const breakers = yield* Effect.forEach(ctxs, (ctx) =>
          CircuitBreaker.make({
            name: `probes-${run}`,
            policy: TripPolicy.consecutiveFailures(1),
            openDuration: "1 second",
            halfOpen: { permits: N }
          }).pipe(Effect.provide(ctx)))
        yield* openAll(breakers)
        yield* TestClock.adjust("1 second")
        // 3 replicas x 6 callers race for the N permits; a probe holds its permit until released
        const admitted = yield* Ref.make(0)
        const release = yield* Deferred.make<void>()
        const probe = Effect.zipRight(Ref.update(admitted, (n) => n + 1), Deferred.await(release))
        const fibers = yield* Effect.forEach(
          breakers.flatMap((b) => Array.from({ length: 6 }, () => b)),
          (b) => Effect.fork(Effect.exit(b(probe))),
          { concurrency: "unbounded" }
        )
        // every caller has been admitted or rejected once all the rejections are in (the probes wait for `release`)
        const exits: Array<Exit.Exit<void, unknown>> = []
        const done = Effect.map(Effect.forEach(fibers, Fiber.poll), (os) => os.filter((o) => o._tag === "Some").length)
        yield* eventually(Effect.zipWith(Ref.get(admitted), done, (probing, finished) => probing + finished === 18))
        const n = yield* Ref.get(admitted)
        yield* Deferred.succeed(release, undefined)
        for (const f of fibers) exits.push((yield* Fiber.join(f)) as Exit.Exit<void, unknown>)
        const rejected = exits.filter((e) => Exit.isFailure(e)).length
        if (n === N && rejected === 18 - N) exact++
        else console.log(`run ${run}: ${n} probes admitted`)
        // N successes close the circuit for everyone
        for (const b of breakers) yield* eventually(Effect.map(b.stats, (s) => s.state === "Closed"))
      }
      console.log(`exactly ${N} probes fleet-wide in ${exact} runs out of ${RUNS}`)
      assert.strictEqual(exact, RUNS)
    }), 120_000)

  it.scoped("a replica that dies holding a probe does not wedge half-open past the lease (the probe timeout)", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const options = {
        name: "lease",
        policy: TripPolicy.consecutiveFailures(1),
        openDuration: "1 second",
        halfOpen: { permits: 1, probeTimeout: "10 seconds" }
      } as const
      // replica A lives in its own scope: closing it cuts its connections, as a crash would
      const aScope = yield* Scope.make()
      const aCtx: Context.Context<RedisStore.RedisFleet> = yield* Scope.extend(replica(server.url, { prefix }), aScope)
      const a = yield* CircuitBreaker.make(options).pipe(Effect.provide(aCtx))
      const bCtx = yield* replica(server.url, { prefix })
      const b = yield* CircuitBreaker.make(options).pipe(Effect.provide(bCtx))
      yield* openAll([a, b])
      yield* TestClock.adjust("1 second")
      // A takes the fleet's only probe and never finishes it
      const started = yield* Deferred.make<void>()
      const hung = yield* Effect.forkDaemon(a(Effect.zipRight(Deferred.succeed(started, undefined), Effect.never)))
      yield* Deferred.await(started)
      yield* Scope.close(aScope, Exit.void) // A is gone: its lease is never given back
      const before = yield* Effect.flip(b(Effect.succeed("probe")))
      assert.strictEqual(before._tag, "CircuitOpenError")
      assert.strictEqual((before as any).state, "HalfOpen")
      yield* TestClock.adjust("9 seconds")
      assert.strictEqual((yield* Effect.flip(b(Effect.succeed("probe"))))._tag, "CircuitOpenError")
      yield* TestClock.adjust("1 second") // the lease has run out
      assert.strictEqual(yield* b(Effect.succeed("probe")), "probe")
      assert.strictEqual((yield* b.stats).state, "Closed")
      yield* Fiber.interrupt(hung)
    }))
})
