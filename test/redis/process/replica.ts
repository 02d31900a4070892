/**
 * One replica as its own process (run by test/redis/processes.test.ts with
 * `node --import tsx`): its own Node runtime, Effect runtime, clock, Redis
 * connections and mirror. It builds its breaker, prints `ready`, waits for a
 * line on stdin, then calls the provider `calls` times one after another and
 * prints what happened as one JSON line.
 *
 * argv: <redis url | "local"> <key prefix> <provider url> <calls>
 */
import { Effect, Exit, Layer } from "effect"
import * as Readline from "node:readline"
import { CircuitBreaker, TripPolicy } from "../../../src/index.js"
import { RedisStore } from "../../../src/redis/index.js"

const [redisUrl, prefix, providerUrl, callsText] = process.argv.slice(2) as [string, string, string, string]

const call = Effect.tryPromise(() => fetch(providerUrl, { method: "POST" })).pipe(
  Effect.flatMap((r) => r.ok ? Effect.succeed(r.status) : Effect.fail(`status ${r.status}`))
)

const go = Effect.async<void>((resume) => {
  const rl = Readline.createInterface({ input: process.stdin })
  rl.once("line", () => {
    rl.close()
    resume(Effect.void)
  })
})

const program = Effect.gen(function*() {
  const store = redisUrl === "local"
    ? undefined
    : yield* Layer.build(RedisStore.layer({ url: redisUrl, prefix, flushInterval: "20 millis", resyncInterval: "200 millis" }))
  const make = CircuitBreaker.make({
    name: "provider",
    policy: TripPolicy.consecutiveFailures(5),
    openDuration: "1 minute" // one opening for the whole run: the bound is threshold + calls in flight
  })
  const breaker = store === undefined ? yield* make : yield* Effect.provide(make, store)
  console.log("ready")
  yield* go
  let rejected = 0
  let failed = 0
  for (let i = 0; i < Number(callsText); i++) {
    const exit = yield* Effect.exit(breaker(call))
    if (Exit.isFailure(exit)) {
      const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
      if (typeof error === "object" && error !== null && (error as { _tag?: string })._tag === "CircuitOpenError") rejected++
      else failed++
    }
  }
  console.log(JSON.stringify({ rejected, failed, state: (yield* breaker.stats).state }))
}).pipe(Effect.scoped)

Effect.runPromise(program).then(
  () => process.exit(0),
  (e) => {
    console.error(String(e))
    process.exit(1)
  }
)
