/** Shared fixtures of the resilience tests. */
import { Data, Duration, Effect, Ref, TestClock } from "effect"

export { Fallback, RateLimitGate, Resilience, Retry } from "effect-breaker"

/** A failure of the dependency, optionally with a retry-after hint. */
export class Unavailable extends Data.TaggedError("Unavailable")<{ readonly retryAfter?: Duration.Duration }> {}

/** A failure that retrying cannot fix. */
export class BadRequest extends Data.TaggedError("BadRequest")<{}> {}

export const hintOf = (e: Unavailable | BadRequest): Duration.Duration | undefined =>
  e._tag === "Unavailable" ? e.retryAfter : undefined

/** A dependency that counts how often it really runs; `script` decides each answer. */
export const counted = <A, E>(script: (n: number) => Effect.Effect<A, E>) =>
  Effect.map(Ref.make(0), (runs) => ({
    runs: Ref.get(runs),
    call: Effect.flatMap(Ref.updateAndGet(runs, (n) => n + 1), script)
  }))

/** Forks `self`, then moves the TestClock step by step, recording how many runs happened by each time. */
export const runsAt = <A, E>(
  runs: Effect.Effect<number>,
  self: Effect.Effect<A, E>,
  times: ReadonlyArray<number>
) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(self)
    yield* Effect.yieldNow()
    const seen: Array<number> = []
    for (const t of times) {
      yield* TestClock.setTime(t)
      seen.push(yield* runs)
    }
    return { seen, fiber }
  })
