/** Shared fixtures of the resilience tests. */
import { Data, Duration, Effect, Ref } from "effect"

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
