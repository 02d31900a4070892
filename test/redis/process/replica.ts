/**
 * One replica process of test/redis/processes.test.ts: its own Node runtime,
 * Effect runtime, TestClock (never moved: one opening covers the run), Redis
 * connections and mirror. It builds its breaker, tells the parent it is ready
 * (`serve.ts`), and on `run` calls the provider `calls` times one after
 * another and replies what happened.
 *
 * argv: <redis url | "local"> <key prefix> <provider url> <calls>
 */
import { Effect, Exit } from "effect"
import { CircuitBreaker, TripPolicy } from "../../../src/index.js"
import { fleetStore, serve } from "./serve.js"

const [redisUrl, prefix, providerUrl, callsText] = process.argv.slice(2) as [string, string, string, string]

const call = Effect.tryPromise(() => fetch(providerUrl, { method: "POST" })).pipe(
  Effect.flatMap((r) => r.ok ? Effect.succeed(r.status) : Effect.fail(`status ${r.status}`))
)

serve(Effect.gen(function*() {
  const store = redisUrl === "local"
    ? undefined
    : (yield* fleetStore(redisUrl, prefix)).ctx
  const make = CircuitBreaker.make({
    name: "provider",
    policy: TripPolicy.consecutiveFailures(5),
    openDuration: "1 minute" // one opening for the whole run: the bound is threshold + calls in flight
  })
  const breaker = store === undefined ? yield* make : yield* Effect.provide(make, store)
  return () =>
    Effect.gen(function*() {
      let rejected = 0
      let failed = 0
      for (let i = 0; i < Number(callsText); i++) {
        const exit = yield* Effect.exit(breaker(call))
        if (Exit.isFailure(exit)) {
          const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
          if (typeof error === "object" && error !== null && (error as { _tag?: string })._tag === "CircuitOpenError") {
            rejected++
          } else failed++
        }
      }
      return { rejected, failed, state: (yield* breaker.stats).state }
    })
}))
