/**
 * Hedging: bounded caller latency while a dependency hangs. After a short
 * `delay`, start a fallback alongside the primary **without cancelling the
 * primary**, and answer with whichever succeeds first.
 *
 * **Details**
 *
 * A timeout bounds how long a caller waits for a hanging provider, but it must
 * be long enough for a slow healthy answer (an LLM takes seconds), so callers
 * already waiting when the provider hangs, and every half-open probe, wait the
 * full timeout. A hedge answers them after `delay` instead, while the primary
 * keeps running so its breaker still records the timeout (and a probe still
 * completes and closes or reopens the circuit).
 *
 * - **Before the delay** the primary's success answers (the hedge adds no
 *   latency); a failure that `when` accepts (default: every typed failure)
 *   starts the fallback at once. An open circuit rejects at once, so a
 *   rejected primary costs no delay.
 * - **At the delay** (exactly, on the `Clock`: `TestClock` drives it) the
 *   fallback starts; the first success answers. If the fallback fails, the
 *   primary's later success is used; if the primary wins, the fallback is
 *   interrupted.
 * - **When both fail** the call fails with both causes, the fallback's first
 *   (`Effect.catchAll` and `Effect.flip` see the fallback's error, as after
 *   `Fallback.serve`; `Cause.failures` lists both). A defect, an interruption,
 *   or a failure `when` rejects ends the call with that cause at once.
 * - **Where the primary lives.** The primary runs in a fiber of the hedge's
 *   set, in the `Scope` the hedge was made in: answered by the fallback, the
 *   caller returns and the primary finishes on its own (bound it with a
 *   timeout: inside a breaker or an LLM policy it has one); closing the scope
 *   interrupts whatever still runs. Interrupting the caller interrupts both.
 *   `inFlight` counts the primaries still running.
 * - **Observability.** When the hedge fires, the current span gets
 *   `hedge.fired: true` and `hedge.served_by` (`primary`, `fallback` or
 *   `none`), and the counter `effect_breaker_hedges{hedge, served_by}` counts
 *   it. A primary answering before the delay adds nothing.
 *
 * The answer says who served it: `servedBy` is `Primary` or
 * `{ _tag: "Fallback", name }` (the hedge's name), and `hedged` is true when
 * the hedge fired. `Policy.failover(...).serve(input, { hedge })` hedges the
 * first provider with the others.
 *
 * **Example**
 *
 * ```ts
 * import { Effect } from "effect"
 * import { Hedge } from "effect-breaker"
 *
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const hedge = yield* Hedge.make({ delay: "150 millis", name: "anthropic" })
 *   const hanging = Effect.never.pipe(Effect.timeout("1 second"))
 *   const served = yield* hanging.pipe(Hedge.after(hedge, Effect.succeed("from claude")))
 *   return [served.value, served.servedBy, served.hedged]
 * }))
 * // Effect.runPromise(program) resolves (after 150 ms) to ["from claude", { _tag: "Fallback", name: "anthropic" }, true]
 * ```
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type { Pipeable } from "effect/Pipeable"
import type * as Scope from "effect/Scope"
import type { InvalidOptionError } from "./CircuitBreakerError.js"
import { primary, type Served } from "./Fallback.js"
import * as internal from "./internal/resilience/hedge.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: typeof internal.TypeId = internal.TypeId

/**
 * A hedge: a delay, a name, and the scope where primaries that outlive their
 * caller finish.
 *
 * @since 0.1.0
 * @category models
 */
export interface Hedge extends Pipeable {
  readonly [TypeId]: typeof TypeId
  /** Names the fallback in `servedBy` and tags the metric. */
  readonly name: string
  readonly delay: Duration.Duration
  /** Primaries still running, including those whose caller the fallback already answered. */
  readonly inFlight: Effect.Effect<number>
}

/**
 * Why the fallback started: the primary outlived the delay (`Slow`), or it
 * failed first with an error `when` accepts (`Failed`).
 *
 * @since 0.1.0
 * @category models
 */
export type Trigger<E> = internal.Trigger<E>

/**
 * An answer, who served it, and whether the hedge fired. A `Served` value, so
 * it goes wherever one does.
 *
 * @since 0.1.0
 * @category models
 */
export interface Hedged<A> extends Served<A> {
  /** The primary outlived the delay and the fallback was started beside it. */
  readonly hedged: boolean
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** How long the primary runs alone. Zero starts both at once. */
  readonly delay: Duration.DurationInput
  /** Names the fallback in `servedBy` (`{ _tag: "Fallback", name }`) and tags the metric. Default `"hedge"`. */
  readonly name?: string | undefined
  /** Which primary failures before the delay start the fallback at once. Default: every typed failure. */
  readonly when?: ((error: any) => boolean) | undefined
}

/**
 * Makes a hedge. Primaries that outlive their caller run in the `Scope` this
 * is made in; closing it interrupts them. Fails with `InvalidOptionError` on a
 * bad `delay`, `name` or `when`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (options: Options) => Effect.Effect<Hedge, InvalidOptionError, Scope.Scope> = internal.make as any

/**
 * Runs `self` and, if it has not answered after the hedge's delay (or failed
 * before it), `fallback` beside it; the first success answers.
 *
 * **Details**
 *
 * `fallback` is an effect, or a function of the {@link Trigger} producing one.
 * When both fail, the call fails with both causes, the fallback's first.
 *
 * @since 0.1.0
 * @category combinators
 */
export const after: {
  <B, E2, R2, E = unknown>(
    hedge: Hedge,
    fallback: Effect.Effect<B, E2, R2> | ((trigger: Trigger<E>) => Effect.Effect<B, E2, R2>)
  ): <A, E1 extends E, R>(self: Effect.Effect<A, E1, R>) => Effect.Effect<Hedged<A | B>, E1 | E2, R | R2>
  <A, E, R, B, E2, R2>(
    self: Effect.Effect<A, E, R>,
    hedge: Hedge,
    fallback: Effect.Effect<B, E2, R2> | ((trigger: Trigger<E>) => Effect.Effect<B, E2, R2>)
  ): Effect.Effect<Hedged<A | B>, E | E2, R | R2>
} = dual(3, <A, E, R, B, E2, R2>(
  self: Effect.Effect<A, E, R>,
  hedge: Hedge,
  fallback: Effect.Effect<B, E2, R2> | ((trigger: Trigger<E>) => Effect.Effect<B, E2, R2>)
): Effect.Effect<Hedged<A | B>, E | E2, R | R2> => {
  const h = hedge as unknown as internal.Hedge
  const run = Effect.isEffect(fallback) ? () => fallback : fallback
  const fallbackBy = { _tag: "Fallback" as const, name: h.name }
  return Effect.map(h.run(self, run), (o): Hedged<A | B> =>
    o.winner === "primary"
      ? { value: o.value, servedBy: primary, hedged: o.fired }
      : { value: o.value, servedBy: fallbackBy, hedged: o.fired })
})

/**
 * @since 0.1.0
 * @category guards
 */
export const isHedge: (u: unknown) => u is Hedge = internal.isHedge as any
