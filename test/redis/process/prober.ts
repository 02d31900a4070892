/**
 * One replica process of test/redis/processes-probes.test.ts: its own runtime,
 * TestClock, Redis store and breaker "probes" (trips on one failure, opens for
 * 1 s, `halfOpen.permits` from argv). The parent drives the rounds:
 *
 * - `trip {at}`: clock set to `at`, one failing call (the shared circuit opens); replies the state;
 * - `sync`: rereads the shared state (so the mirror has what Redis has, no waiting for pub/sub); replies the state;
 * - `arm {at}`: clock set to `at` (the open time has passed);
 * - `go {calls}`: `calls` concurrent calls at once; a probe counts itself and holds its permit until
 *   `release`; replies once every call is admitted or rejected: `{ admitted, rejected, tags, asked }`
 *   (`asked`: admission round trips this replica sent to Redis);
 * - `release`: the probes finish (succeed); replies `{ succeeded, state }`.
 *
 * argv: <redis url> <key prefix> <permits>
 */
import { Deferred, Effect, Exit, Fiber, TestClock } from "effect"
import { CircuitBreaker, TripPolicy } from "../../../src/index.js"
import { fleetStore, serve } from "./serve.js"

const [redisUrl, prefix, permitsText] = process.argv.slice(2) as [string, string, string]

serve(Effect.gen(function*() {
  const { ctx, fleet } = yield* fleetStore(redisUrl, prefix)
  const breaker = yield* CircuitBreaker.make({
    name: "probes",
    policy: TripPolicy.consecutiveFailures(1),
    openDuration: "1 second",
    halfOpen: { permits: Number(permitsText) }
  }).pipe(Effect.provide(ctx))
  yield* fleet.resync // the mirror has read the shared circuit before the first request
  const state = Effect.map(breaker.stats, (s) => s.state)
  let round: { release: Deferred.Deferred<void>; fibers: Array<Fiber.RuntimeFiber<Exit.Exit<void, unknown>>> } | undefined

  return (request) => {
    switch (request.op) {
      case "trip":
        return Effect.zipRight(
          Effect.zipRight(TestClock.setTime(request.at), Effect.exit(breaker(Effect.fail("down")))),
          state
        )
      case "sync":
        return Effect.zipRight(fleet.resync, state)
      case "arm":
        return TestClock.setTime(request.at)
      case "go":
        return Effect.gen(function*() {
          const calls: number = request.calls
          const release = yield* Deferred.make<void>()
          const decided = yield* Deferred.make<void>()
          let admitted = 0
          let settled = 0
          const tags: Array<string> = []
          const settle = Effect.suspend(() => (++settled === calls ? Deferred.succeed(decided, undefined) : Effect.void))
          // a probe counts itself, then holds its permit until the parent says release
          const probe = Effect.sync(() => admitted++).pipe(Effect.zipRight(settle), Effect.zipRight(Deferred.await(release)))
          const before = (yield* fleet.status).callerRoundTrips
          const fibers = yield* Effect.forEach(
            Array.from({ length: calls }),
            () =>
              Effect.fork(Effect.tap(Effect.exit(breaker(probe)), (exit) =>
                Exit.isFailure(exit)
                  ? Effect.zipRight(
                    Effect.sync(() => {
                      const e = exit.cause._tag === "Fail" ? (exit.cause.error as { _tag?: string }) : undefined
                      tags.push(e?._tag ?? exit.cause._tag)
                    }),
                    settle
                  )
                  : Effect.void)),
            { concurrency: "unbounded" }
          )
          round = { release, fibers }
          yield* Deferred.await(decided)
          const asked = (yield* fleet.status).callerRoundTrips - before
          return { admitted, rejected: tags.length, tags: [...new Set(tags)], asked }
        })
      case "release":
        return Effect.gen(function*() {
          if (round === undefined) return yield* Effect.fail("no round to release")
          const { fibers, release } = round
          round = undefined
          yield* Deferred.succeed(release, undefined)
          const exits = yield* Effect.forEach(fibers, Fiber.join)
          return { succeeded: exits.filter(Exit.isSuccess).length, state: yield* state }
        })
      default:
        return Effect.fail(`unknown request ${request.op}`)
    }
  }
}))
