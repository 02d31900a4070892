/**
 * Fallbacks: when a call fails (or is slow), answer from a static value,
 * another effect, the last good answer for the same request, or the next
 * provider, and say which one served.
 *
 * **Details**
 *
 * - {@link serve}: one call with a chain of alternatives ({@link value},
 *   {@link effect}, {@link cached}).
 * - {@link failover}: several providers, each behind its own breaker, tried in
 *   order, skipping those whose circuit is open.
 * - {@link makeHedge} and {@link hedge}: start a fallback beside a slow primary
 *   without cancelling it.
 *
 * Every one of them answers with a {@link Served} value.
 *
 * {@link serve} runs the primary and, when it fails with an error that `when`
 * accepts (default: every typed failure; defects and interruption are never
 * caught), tries the `chain` in order; the first that succeeds answers. The
 * result is a {@link Served} value: the answer and who served it, `Primary`,
 * `Fallback` (with its name) or `Cache` (with the answer's age). A cache miss
 * (no entry, or older than `maxAge`) moves on to the next alternative; if every
 * alternative fails or misses, the call fails with the most recent real error.
 *
 * Each primary success is stored in every cache of the chain under its key, so
 * `Fallback.cached(cache, key)` both fills and reads the cache. The cache is
 * bounded (least recently used entries are evicted) and reads the `Clock` it was
 * made with.
 *
 * A non-primary answer annotates the current span with `fallback.served_by`
 * (`Fallback` or `Cache`), `fallback.name`, `fallback.cache_age_ms` and
 * `fallback.trigger` (the `_tag` of the error that caused it). The primary path
 * adds nothing.
 *
 * **Example**
 *
 * ```ts
 * import { Effect } from "effect"
 * import { Fallback } from "effect-breaker"
 *
 * const program = Effect.gen(function*() {
 *   const cache = yield* Fallback.makeCache<string>({ maxAge: "10 minutes", capacity: 1_000 })
 *   const ask = (ok: boolean) =>
 *     (ok ? Effect.succeed("fresh answer") : Effect.fail("down" as const)).pipe(
 *       Fallback.serve({ chain: [Fallback.cached(cache, "question-1"), Fallback.value("sorry, try later")] })
 *     )
 *   const first = yield* ask(true)  // { value: "fresh answer", servedBy: { _tag: "Primary" } }
 *   const second = yield* ask(false) // { value: "fresh answer", servedBy: { _tag: "Cache", age: 0 millis } }
 *   return [first.servedBy._tag, second.servedBy._tag]
 * })
 * // Effect.runPromise(program) resolves to ["Primary", "Cache"]
 * ```
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type * as Option from "effect/Option"
import type { Pipeable } from "effect/Pipeable"
import type * as Scope from "effect/Scope"
import type { CircuitBreaker, CircuitOpenError, InvalidOptionError } from "./CircuitBreaker.js"
import * as failoverInternal from "./internal/resilience/failover.js"
import * as internal from "./internal/resilience/fallback.js"
import * as hedgeInternal from "./internal/resilience/hedge.js"
import type { Retry } from "./Retry.js"

/**
 * Who answered: the primary call, a named fallback, or the cache (with the age
 * of the cached answer).
 *
 * @since 0.1.0
 * @category models
 */
export type ServedBy = internal.ServedBy

/**
 * An answer and who served it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Served<A> extends internal.Served<A> {}

/**
 * @since 0.1.0
 * @category constructors
 */
export const primary: ServedBy = internal.primary

/**
 * One alternative of a fallback chain: a value, an effect (given the primary's
 * error), or a last-good cache entry.
 *
 * @since 0.1.0
 * @category models
 */
export type Alternative<A, E = never, R = never, In = unknown> = internal.Alternative<A, E, R, In>

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace Alternative {
  /** The value type of an alternative (or a union of them). */
  export type Success<T> = T extends internal.Alternative<infer A, any, any, any> ? A : never
  /** The error type of an alternative (or a union of them). */
  export type Error<T> = T extends { readonly _tag: "Effect"; readonly run: (error: any) => Effect.Effect<any, infer E, any> }
    ? E
    : never
  /** The error an alternative's function accepts (the intersection over a union of them). */
  export type Input<T> = (T extends { readonly _tag: "Effect"; readonly run: (error: infer I) => any } ? (i: I) => void : never) extends
    (i: infer X) => void ? X : unknown
  /** The requirements of an alternative (or a union of them). */
  export type Context<T> = T extends { readonly _tag: "Effect"; readonly run: (error: any) => Effect.Effect<any, any, infer R> }
    ? R
    : never
}

/**
 * A bounded cache of the last good answer per request key.
 *
 * @since 0.1.0
 * @category models
 */
export interface LastGoodCache<A> {
  readonly [internal.CacheTypeId]: typeof internal.CacheTypeId
  /** The live entry for `key` and its age. */
  readonly get: (key: string) => Effect.Effect<Option.Option<{ readonly value: A; readonly age: Duration.Duration }>>
  set(key: string, value: A): Effect.Effect<void>
  /** Live entries (expired ones are dropped first). */
  readonly size: Effect.Effect<number>
  readonly maxAge: Duration.Duration
  readonly capacity: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface CacheOptions {
  /** An entry older than this is a miss. Required. */
  readonly maxAge: Duration.DurationInput
  /** At most this many keys; the least recently used go first. Default 1,000. */
  readonly capacity?: number | undefined
}

/**
 * Makes a last-good cache. It reads the `Clock` of the context where it is
 * made. Fails with `InvalidOptionError` on a bad `maxAge` or `capacity`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeCache: <A>(options: CacheOptions) => Effect.Effect<LastGoodCache<A>, InvalidOptionError> =
  internal.makeCache as any

/**
 * A static fallback value.
 *
 * @since 0.1.0
 * @category constructors
 */
export const value = <A>(value: A, name = "value"): Alternative<A> => ({ _tag: "Value", name, value })

/**
 * A fallback effect, or a function of the primary's error producing one.
 *
 * @since 0.1.0
 * @category constructors
 */
export const effect = <A, E = never, R = never, In = unknown>(
  name: string,
  effect: Effect.Effect<A, E, R> | ((error: In) => Effect.Effect<A, E, R>)
): Alternative<A, E, R, In> => ({ _tag: "Effect", name, run: typeof effect === "function" ? effect : () => effect })

/**
 * Serves the last good answer stored under `key`, if younger than the cache's
 * `maxAge`. Primary successes are stored under `key`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const cached = <A>(cache: LastGoodCache<A>, key: string): Alternative<A> => ({
  _tag: "Cache",
  name: "cache",
  cache: cache as internal.LastGoodCache<A>,
  key
})

/**
 * @since 0.1.0
 * @category models
 */
export interface Options<E, Alts extends ReadonlyArray<Alternative<any, any, any, any>>> {
  /** Tried in order after a failure that `when` accepts. */
  readonly chain: Alts
  /** Which failures fall back. Default: all typed failures. */
  readonly when?: ((error: E) => boolean) | undefined
}

/**
 * Runs `self`, falling back along the chain; the answer says who served it.
 *
 * @since 0.1.0
 * @category combinators
 */
export const serve: {
  <const Alts extends ReadonlyArray<Alternative<any, any, any, any>>, In = unknown>(
    options: Options<In, Alts>
  ): <A, E extends In & Alternative.Input<Alts[number]>, R>(
    self: Effect.Effect<A, E, R>
  ) => Effect.Effect<Served<A | Alternative.Success<Alts[number]>>, E | Alternative.Error<Alts[number]>, R | Alternative.Context<Alts[number]>>
  <A, E extends In & Alternative.Input<Alts[number]>, R, const Alts extends ReadonlyArray<Alternative<any, any, any, any>>, In = E>(
    self: Effect.Effect<A, E, R>,
    options: Options<In, Alts>
  ): Effect.Effect<Served<A | Alternative.Success<Alts[number]>>, E | Alternative.Error<Alts[number]>, R | Alternative.Context<Alts[number]>>
} = dual(2, internal.serve)

/**
 * Like {@link serve}, returning the answer alone.
 *
 * @since 0.1.0
 * @category combinators
 */
export const orElse: {
  <const Alts extends ReadonlyArray<Alternative<any, any, any, any>>, In = unknown>(
    options: Options<In, Alts>
  ): <A, E extends In & Alternative.Input<Alts[number]>, R>(
    self: Effect.Effect<A, E, R>
  ) => Effect.Effect<A | Alternative.Success<Alts[number]>, E | Alternative.Error<Alts[number]>, R | Alternative.Context<Alts[number]>>
  <A, E extends In & Alternative.Input<Alts[number]>, R, const Alts extends ReadonlyArray<Alternative<any, any, any, any>>, In = E>(
    self: Effect.Effect<A, E, R>,
    options: Options<In, Alts>
  ): Effect.Effect<A | Alternative.Success<Alts[number]>, E | Alternative.Error<Alts[number]>, R | Alternative.Context<Alts[number]>>
} = dual(2, (self: Effect.Effect<any, any, any>, options: Options<any, any>) =>
  internal.mapValue(internal.serve(self, options)))

/**
 * @since 0.1.0
 * @category guards
 */
export const isLastGoodCache = (u: unknown): u is LastGoodCache<unknown> =>
  typeof u === "object" && u !== null && internal.CacheTypeId in u

// ---------------------------------------------------------------------------
// Failover: several providers
// ---------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category type ids
 */
export const FailoverTypeId: typeof failoverInternal.TypeId = failoverInternal.TypeId

/**
 * One provider: its call (an effect, or a function of the request), its breaker
 * and, optionally, its retry.
 *
 * @since 0.1.0
 * @category models
 */
export interface Step<I, A, E, R> {
  readonly name: string
  readonly run: Effect.Effect<A, E, R> | ((input: I) => Effect.Effect<A, E, R>)
  readonly breaker: CircuitBreaker
  readonly retry?: Retry<E> | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace Step {
  /** The request type all steps accept. */
  export type Input<S> = (S extends { readonly run: (input: infer I) => any } ? (i: I) => void : never) extends
    (i: infer X) => void ? unknown extends X ? void : X : void
  /** The answer type (union over the steps). */
  export type Success<S> = S extends { readonly run: Effect.Effect<infer A, any, any> | ((input: any) => Effect.Effect<infer A, any, any>) } ? A
    : never
  /** The error type (union over the steps). */
  export type Error<S> = S extends { readonly run: Effect.Effect<any, infer E, any> | ((input: any) => Effect.Effect<any, infer E, any>) } ? E
    : never
  /** The requirements (union over the steps). */
  export type Context<S> = S extends { readonly run: Effect.Effect<any, any, infer R> | ((input: any) => Effect.Effect<any, any, infer R>) } ? R
    : never
}

/**
 * A failover: call it with the request (`failover(input)`), or `serve(input)`
 * to learn which step answered.
 *
 * @since 0.1.0
 * @category models
 */
export interface Failover<I, A, E, R> {
  readonly [FailoverTypeId]: typeof FailoverTypeId
  (input: I): Effect.Effect<A, E | CircuitOpenError, R>
  readonly serve: (input: I) => Effect.Effect<Served<A>, E | CircuitOpenError, R>
  /** The steps' names, in order. */
  readonly names: ReadonlyArray<string>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface FailoverOptions<E> {
  /** Which failures move on to the next step. Default: all; a rejected one fails the call at once. */
  readonly while?: ((error: E) => boolean) | undefined
}

/**
 * Provider failover: try an ordered list of providers, each behind its own
 * breaker (and optionally its own retry), skipping those whose circuit is open.
 *
 * **Details**
 *
 * For each step in order, the step's call runs as `retry(breaker(call))`:
 *
 * - An **open** step is skipped at once: its breaker rejects without calling the
 *   dependency, and the retry stops on `CircuitOpenError` before waiting. A step
 *   whose circuit opens during its own retries is left at that moment.
 * - A failure that `while` accepts (default: every failure) moves on to the next
 *   step; one it rejects (a bad request fails everywhere) fails the call at once.
 * - If every step was open, the call fails with the `CircuitOpenError` of the
 *   step that reopens soonest (its real breaker name, state and the smallest
 *   `retryAfter`); if some step ran and failed, with the last such failure.
 *
 * `serve(input)` tells which step answered (`Primary` for the first, `Fallback`
 * with the step's name otherwise) and annotates the current span with
 * `fallback.served_by` when it was not the first. Fails with
 * `InvalidOptionError` when there are no steps or a step is malformed.
 *
 * Why not `ExecutionPlan`: a plan re-runs one effect with another layer per
 * step; our steps are different calls behind different breakers, and we need
 * to skip open steps, aggregate `retryAfter` across them and stop on
 * non-retryable errors. Use `Effect.withExecutionPlan` inside a step if one
 * provider itself has a plan.
 *
 * **Example**
 *
 * ```ts
 * import { Effect } from "effect"
 * import { CircuitBreaker, Fallback } from "effect-breaker"
 *
 * const program = Effect.gen(function*() {
 *   const openai = yield* CircuitBreaker.make({ name: "openai" })
 *   const anthropic = yield* CircuitBreaker.make({ name: "anthropic" })
 *   const ask = yield* Fallback.failover([
 *     { name: "openai", breaker: openai, run: (q: string) => Effect.fail(`openai down: ${q}`) },
 *     { name: "anthropic", breaker: anthropic, run: (q: string) => Effect.succeed(`anthropic: ${q}`) }
 *   ])
 *   return yield* ask.serve("hi")
 * })
 * // Effect.runPromise(program) resolves to
 * // { value: "anthropic: hi", servedBy: { _tag: "Fallback", name: "anthropic" } }
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const failover: <const Steps extends ReadonlyArray<Step<any, any, any, any>>>(
  steps: Steps,
  options?: FailoverOptions<Step.Error<Steps[number]>>
) => Effect.Effect<
  Failover<Step.Input<Steps[number]>, Step.Success<Steps[number]>, Step.Error<Steps[number]>, Step.Context<Steps[number]>>,
  InvalidOptionError
> = failoverInternal.make as any

/**
 * @since 0.1.0
 * @category guards
 */
export const isFailover = (u: unknown): u is Failover<unknown, unknown, unknown, unknown> =>
  typeof u === "function" && FailoverTypeId in u

// ---------------------------------------------------------------------------
// Hedging: a fallback beside a slow primary
// ---------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category type ids
 */
export const HedgeTypeId: typeof hedgeInternal.TypeId = hedgeInternal.TypeId

/**
 * A hedge: a delay, a name, and the scope where primaries that outlive their
 * caller finish.
 *
 * @since 0.1.0
 * @category models
 */
export interface Hedge extends Pipeable {
  readonly [HedgeTypeId]: typeof HedgeTypeId
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
export type HedgeTrigger<E> = hedgeInternal.Trigger<E>

/**
 * An answer, who served it, and whether the hedge fired.
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
export interface HedgeOptions {
  /** How long the primary runs alone. Zero starts both at once. */
  readonly delay: Duration.DurationInput
  /** Names the fallback in `servedBy` (`{ _tag: "Fallback", name }`) and tags the metric. Default `"hedge"`. */
  readonly name?: string | undefined
  /** Which primary failures before the delay start the fallback at once. Default: every typed failure. */
  readonly when?: ((error: any) => boolean) | undefined
}

/**
 * Makes a hedge: bounded caller latency while a dependency hangs. After
 * `delay`, a fallback starts beside the primary **without cancelling it**;
 * the first success answers.
 *
 * **Details**
 *
 * A timeout must be long enough for a slow healthy answer (an LLM takes
 * seconds), so callers already waiting when the provider hangs, and every
 * half-open probe, wait the full timeout. A hedge answers them after `delay`
 * instead, while the primary keeps running so its breaker still records the
 * timeout (and a probe still completes and closes or reopens the circuit).
 *
 * - **Before the delay** the primary's success answers; a failure that `when`
 *   accepts starts the fallback at once.
 * - **At the delay** (on the `Clock`) the fallback starts; the first success
 *   answers. If the fallback fails, the primary's later success is used; if
 *   the primary wins, the fallback is interrupted.
 * - **When both fail** the call fails with both causes, the fallback's first.
 * - **Where the primary lives.** In a fiber of the hedge's set, in the `Scope`
 *   the hedge was made in: closing the scope interrupts whatever still runs.
 *   Interrupting the caller interrupts both. `inFlight` counts them.
 * - **Observability.** When the hedge fires, the current span gets
 *   `hedge.fired: true` and `hedge.served_by`, and the counter
 *   `effect_breaker_hedges{hedge, served_by}` counts it.
 *
 * Fails with `InvalidOptionError` on a bad `delay`, `name` or `when`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeHedge: (options: HedgeOptions) => Effect.Effect<Hedge, InvalidOptionError, Scope.Scope> =
  hedgeInternal.make as any

/**
 * Runs `self` and, if it has not answered after the hedge's delay (or failed
 * before it), `fallback` beside it; the first success answers.
 *
 * **Example**
 *
 * ```ts
 * import { Effect } from "effect"
 * import { Fallback } from "effect-breaker"
 *
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const hedge = yield* Fallback.makeHedge({ delay: "150 millis", name: "anthropic" })
 *   const hanging = Effect.never.pipe(Effect.timeout("1 second"))
 *   const served = yield* hanging.pipe(Fallback.hedge(hedge, Effect.succeed("from claude")))
 *   return [served.value, served.servedBy, served.hedged]
 * }))
 * // Effect.runPromise(program) resolves (after 150 ms) to ["from claude", { _tag: "Fallback", name: "anthropic" }, true]
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const hedge: {
  <B, E2, R2, E = unknown>(
    hedge: Hedge,
    fallback: Effect.Effect<B, E2, R2> | ((trigger: HedgeTrigger<E>) => Effect.Effect<B, E2, R2>)
  ): <A, E1 extends E, R>(self: Effect.Effect<A, E1, R>) => Effect.Effect<Hedged<A | B>, E1 | E2, R | R2>
  <A, E, R, B, E2, R2>(
    self: Effect.Effect<A, E, R>,
    hedge: Hedge,
    fallback: Effect.Effect<B, E2, R2> | ((trigger: HedgeTrigger<E>) => Effect.Effect<B, E2, R2>)
  ): Effect.Effect<Hedged<A | B>, E | E2, R | R2>
} = dual(3, hedgeInternal.after)

/**
 * @since 0.1.0
 * @category guards
 */
export const isHedge: (u: unknown) => u is Hedge = hedgeInternal.isHedge as any
