import { Effect, Schedule } from "effect"
import { CircuitBreaker, TripPolicy } from "effect-breaker"

class ProviderDown {
  readonly _tag = "ProviderDown"
}

// Stands in for an HTTP call to a model provider.
const callModel = (prompt: string): Effect.Effect<string, ProviderDown> =>
  prompt === "" ? Effect.fail(new ProviderDown()) : Effect.succeed(`echo: ${prompt}`)

export const program = Effect.gen(function*() {
  const breaker = yield* CircuitBreaker.make({
    name: "openai",
    // Open when half of the last 20 calls failed (once there are at least 10)...
    policy: TripPolicy.failureRate({ threshold: 0.5, minimumCalls: 10, window: TripPolicy.lastCalls(20) }),
    // ...stay open 1 s, then 2 s, 4 s, ... up to a minute while probes keep failing.
    openDuration: Schedule.exponential("1 second").pipe(Schedule.union(Schedule.spaced("1 minute")))
  })

  const ask = (prompt: string) =>
    callModel(prompt).pipe(
      Effect.timeout("10 seconds"), // inside the breaker: a hang counts as a failure
      breaker, // rejects at once with CircuitOpenError while open
      Effect.retry({ // outside the breaker: each attempt is admitted (or rejected) anew
        schedule: Schedule.exponential("200 millis").pipe(Schedule.jittered, Schedule.intersect(Schedule.recurs(2))),
        while: (error) => error._tag !== "CircuitOpenError"
      }),
      Effect.catchTag("CircuitOpenError", (error) => // the fallback sits outermost
        Effect.succeed(`(cached answer; ${error.breaker} is ${error.state})`))
    )

  return yield* ask("hello")
})

if (import.meta.url === `file://${process.argv[1]}`) {
  Effect.runPromise(program).then(console.log)
}
