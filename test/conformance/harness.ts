/**
 * The conformance suite's helpers, bound to one store under test.
 */
import { it } from "@effect/vitest"
import { Effect, type Layer, Ref } from "effect"
import type { Scope } from "effect"
import type { CircuitBreaker, CircuitBreakerStore } from "effect-breaker"

/** A store under test. */
export interface StoreUnderTest<R = never> {
  /** Provides the store (and whatever `settle` needs); built per test. */
  readonly layer: Layer.Layer<CircuitBreakerStore.CircuitBreakerStore | R, unknown>
  /** Makes what the store applies in the background visible (default: nothing to wait for). */
  readonly settle?: Effect.Effect<void, never, R> | undefined
}

/** The test helpers bound to one store: `effect`/`scoped` tests, `settle`, `stats`. */
export const harness = <R>(store: StoreUnderTest<R>) => {
  const settle: Effect.Effect<void, never, any> = store.settle ?? Effect.void
  const provide = <A, E>(self: Effect.Effect<A, E, any>): Effect.Effect<A, unknown> =>
    Effect.provide(self, store.layer) as Effect.Effect<A, unknown>
  const effect = (title: string, body: () => Effect.Effect<unknown, unknown, any>) =>
    it.effect(title, () => provide(body()))
  const scoped = (title: string, body: () => Effect.Effect<unknown, unknown, Scope.Scope | any>) =>
    it.scoped(title, () => provide(body()))
  const statsOf = (breaker: CircuitBreaker.CircuitBreaker): Effect.Effect<CircuitBreaker.Stats, never, any> =>
    Effect.zipRight(settle, breaker.stats)
  return { effect, scoped, settle, statsOf }
}


/** The error of a failing dependency. */
export class Boom {
  readonly _tag = "Boom"
}

/** A dependency that counts how often it really runs. */
export const dependency = Effect.gen(function*() {
  const runs = yield* Ref.make(0)
  const ok = Ref.update(runs, (n) => n + 1).pipe(Effect.as("ok"))
  const fail = Ref.update(runs, (n) => n + 1).pipe(Effect.zipRight(Effect.fail(new Boom())))
  return { runs: Ref.get(runs), ok, fail }
})
