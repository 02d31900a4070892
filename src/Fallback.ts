/**
 * Fallbacks: when a call fails (or is slow), answer from a static value,
 * another effect, the last good answer for the same request, or the next
 * provider, and say which one served.
 *
 * **Details**
 *
 * - {@link serve}: one call with a `fallback` chain of alternatives
 *   ({@link value}, {@link effect}, {@link cached}); `Resilience.serve` is the
 *   same after a policy.
 * - {@link failover}: several providers, each behind its own breaker or
 *   policy, tried in order, skipping those whose circuit is open; its `serve`
 *   ends with a `fallback` chain.
 * - `hedge` (made by {@link makeHedge}), an option of every `serve`: start the
 *   fallback beside a slow call without cancelling it.
 *
 * Every one answers with a {@link Served} value: the answer and who served it,
 * `Primary`, `Fallback` (with its name) or `Cache` (with the answer's age), and
 * `hedged` when a hedge was given. A non-primary answer annotates the current
 * span with `fallback.served_by` and counts `effect_breaker_fallbacks`; the
 * primary path adds nothing.
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
 *       Fallback.serve({ fallback: [Fallback.cached(cache, "question-1"), Fallback.value("sorry, try later")] })
 *     )
 *   const first = yield* ask(true) // { value: "fresh answer", servedBy: { _tag: "Primary" } }
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
import type { CallOptions, Failure, Resilience } from "./Resilience.js"
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
 * An answer and who served it; `hedged` (set when a hedge was given) says
 * whether the hedge fired (the primary outlived its delay).
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
  internal.makeCache

/**
 * A static fallback value.
 *
 * @since 0.1.0
 * @category constructors
 */
export const value: <A>(value: A, name?: string) => Alternative<A> = internal.value

/**
 * A fallback effect, or a function of the primary's error producing one.
 *
 * @since 0.1.0
 * @category constructors
 */
export const effect: <A, E = never, R = never, In = unknown>(
  name: string,
  effect: Effect.Effect<A, E, R> | ((error: In) => Effect.Effect<A, E, R>)
) => Alternative<A, E, R, In> = internal.effect

/**
 * Serves the last good answer stored under `key`, if younger than the cache's
 * `maxAge`. Primary successes are stored under `key`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const cached: <A>(cache: LastGoodCache<A>, key: string) => Alternative<A> = internal.cached

/**
 * @since 0.1.0
 * @category models
 */
export interface Options<E, Alts extends ReadonlyArray<Alternative<any, any, any, any>>> {
  /** Tried in order after a failure that `when` accepts. */
  readonly fallback: Alts
  /** Which failures fall back. Default: all typed failures. */
  readonly when?: ((error: E) => boolean) | undefined
  /**
   * Start the chain beside the call once it has not answered after the
   * hedge's delay, without cancelling it (an `Effect` alternative started so
   * gets a `TimeoutException`, there being no error yet); the first answer
   * serves. See {@link makeHedge}.
   */
  readonly hedge?: Hedge | undefined
}

/**
 * Runs `self`, falling back along the `fallback` chain; the answer says who
 * served it.
 *
 * **Details**
 *
 * When `self` fails with an error that `when` accepts (default: every typed
 * failure; defects and interruption are never caught), the alternatives are
 * tried in order; the first that succeeds answers. A cache miss (no entry, or
 * older than `maxAge`) moves on; if every alternative fails or misses, the
 * call fails with the most recent real error. Each primary success is stored
 * in every cache of the chain under its key, so `Fallback.cached(cache, key)`
 * both fills and reads the cache. With `hedge`, when both sides fail the call
 * fails with both causes, the fallback's first.
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
export const isLastGoodCache: (u: unknown) => u is LastGoodCache<unknown> = internal.isLastGoodCache

// ---------------------------------------------------------------------------
// Failover: several providers
// ---------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category type ids
 */
export const FailoverTypeId: typeof failoverInternal.TypeId = failoverInternal.TypeId

/**
 * One provider of a {@link failover}: its call (an effect, or a function of
 * the request) behind its own breaker (and optionally its own retry), or
 * behind its own policy (a `Resilience`, e.g. an LLM `Policy`: its timeout,
 * breaker, gate and retry; its name and span attributes).
 *
 * @since 0.1.0
 * @category models
 */
export type Step<I, A, E, R> =
  | {
    readonly name: string
    readonly run: Effect.Effect<A, E, R> | ((input: I) => Effect.Effect<A, E, R>)
    readonly breaker: CircuitBreaker
    readonly retry?: Retry<E> | undefined
  }
  | {
    /** Default: the policy's name. */
    readonly name?: string | undefined
    readonly run: Effect.Effect<A, E, R> | ((input: I) => Effect.Effect<A, E, R>)
    readonly policy: Resilience<any, any, any>
  }

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace Step {
  /** The request type all steps accept. */
  export type Input<S> = (S extends { readonly run: infer F } ? F extends (input: infer I) => any ? (i: I) => void : never : never) extends
    (i: infer X) => void ? unknown extends X ? void : X : void
  /** The answer type (union over the steps). */
  export type Success<S> = S extends { readonly run: Effect.Effect<infer A, any, any> | ((input: any) => Effect.Effect<infer A, any, any>) } ? A
    : never
  /** The error of a step's call (union over the steps). */
  export type RunError<S> = S extends { readonly run: Effect.Effect<any, infer E, any> | ((input: any) => Effect.Effect<any, infer E, any>) } ? E
    : never
  /** The error type after each step's breaker or policy (union over the steps). */
  export type Error<S> = S extends { readonly policy: Resilience<any, infer G, infer O> } ? Failure<RunError<S>, G, O> : RunError<S>
  /** The requirements (union over the steps). */
  export type Context<S> = S extends { readonly run: Effect.Effect<any, any, infer R> | ((input: any) => Effect.Effect<any, any, infer R>) } ? R
    : never
}

/**
 * The options of `failover.serve(input, options)`: a fallback chain, a hedge
 * of the first step by the others, and per-call overrides for policy steps.
 *
 * @since 0.1.0
 * @category models
 */
export interface FailoverServeOptions<In, Alts extends ReadonlyArray<Alternative<any, any, any, any>>> extends CallOptions {
  /** Tried in order once every step has failed (or was open). A cache in it is filled by every step's success. */
  readonly fallback?: Alts | undefined
  /** Which failures fall back. Default: all. */
  readonly when?: ((error: In) => boolean) | undefined
  /**
   * Hedge the first step with the others: after the hedge's delay the rest
   * starts beside it (at once when it fails first, e.g. its circuit is open),
   * without cancelling it; the first success answers.
   */
  readonly hedge?: Hedge | undefined
}

/**
 * A failover: call it with the request (`failover(input)`), or
 * `serve(input, { fallback, hedge })`; both answer with who served.
 *
 * @since 0.1.0
 * @category models
 */
export interface Failover<I, A, E, R> extends Pipeable {
  readonly [FailoverTypeId]: typeof FailoverTypeId
  (input: I): Effect.Effect<Served<A>, E | CircuitOpenError, R>
  readonly serve: <const Alts extends ReadonlyArray<Alternative<any, any, any, any>> = readonly []>(
    input: I,
    options?: FailoverServeOptions<E | CircuitOpenError, Alts>
  ) => Effect.Effect<
    Served<A | Alternative.Success<Alts[number]>>,
    E | CircuitOpenError | InvalidOptionError | Alternative.Error<Alts[number]>,
    R | Alternative.Context<Alts[number]>
  >
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
 * Failover: try an ordered list of providers, each behind its own breaker or
 * policy, skipping those whose circuit is open.
 *
 * **Details**
 *
 * - An **open** step is skipped at once: its breaker rejects without calling
 *   the dependency, and the retry stops on `CircuitOpenError` before waiting.
 *   A half-open rejection also moves on at once.
 * - A failure that `while` accepts (default: every failure) moves on to the
 *   next step; one it rejects (a bad request fails everywhere) fails the call.
 * - If every step was open, the call fails with the rejection a caller can act
 *   on first (half-open, else the soonest reopening); if some step ran and
 *   failed, with the last such failure.
 * - The answer says which step served (`Primary` for the first, `Fallback`
 *   with the step's name otherwise); the current span gets the serving policy's
 *   attributes and, for a later step, `fallback.served_by` and
 *   `fallback.kind: "provider"`.
 *
 * Fails with `InvalidOptionError` when there are no steps or a step is
 * malformed. Why not `ExecutionPlan`: a plan re-runs one effect with another
 * layer per step; these steps are different calls behind different breakers.
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
 *   return yield* ask("hi")
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
  options?: FailoverOptions<Step.Error<Steps[number]> | CircuitOpenError>
) => Effect.Effect<
  Failover<Step.Input<Steps[number]>, Step.Success<Steps[number]>, Step.Error<Steps[number]>, Step.Context<Steps[number]>>,
  InvalidOptionError
> = failoverInternal.make

/**
 * @since 0.1.0
 * @category guards
 */
export const isFailover: (u: unknown) => u is Failover<unknown, unknown, unknown, unknown> = failoverInternal.isFailover

// ---------------------------------------------------------------------------
// Hedging: the fallback beside a slow call
// ---------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category type ids
 */
export const HedgeTypeId: typeof hedgeInternal.TypeId = hedgeInternal.TypeId

/**
 * A hedge: a delay, a name, and the scope where primaries that outlive their
 * caller finish. Give it as the `hedge` option of a `serve`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Hedge extends Pipeable {
  readonly [HedgeTypeId]: typeof HedgeTypeId
  /** Tags the `effect_breaker_hedges` metric. */
  readonly name: string
  readonly delay: Duration.Duration
  /** Primaries still running, including those whose caller the fallback already answered. */
  readonly inFlight: Effect.Effect<number>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface HedgeOptions {
  /** How long the primary runs alone. Zero starts both at once. */
  readonly delay: Duration.DurationInput
  /** Tags the metric. Default `"hedge"`. */
  readonly name?: string | undefined
  /** Which primary failures before the delay start the fallback at once. Default: every typed failure. */
  readonly when?: ((error: any) => boolean) | undefined
}

/**
 * Makes a hedge, for the `hedge` option of {@link serve}, `Resilience.serve`
 * and `failover.serve`: bounded caller latency while a dependency hangs.
 *
 * **Details**
 *
 * A timeout must leave room for a slow healthy answer (an LLM takes seconds),
 * so the callers already waiting when a provider hangs, and every half-open
 * probe, wait the whole timeout. With a hedge the fallback starts after
 * `delay` beside the primary, which keeps running so its breaker still
 * records its timeout (and a probe still closes or reopens the circuit).
 *
 * - **Before the delay** the primary's success answers; a failure that `when`
 *   accepts (an open circuit rejects at once) starts the fallback at once.
 * - **At the delay** (on the `Clock`) the fallback starts; the first success
 *   answers. If the fallback fails, the primary's later success is used; if
 *   the primary wins, the fallback is interrupted.
 * - **Where the primary lives**: in a fiber of the hedge's set, in the `Scope`
 *   the hedge was made in; closing it interrupts what still runs, and
 *   interrupting the caller interrupts both. `inFlight` counts them. A forked
 *   side never ends with an unhandled failure (nothing reaches Effect's
 *   "unhandled error" log).
 * - **Observability**: when the hedge fires, the current span gets
 *   `hedge.fired: true` and `hedge.served_by`, and the counter
 *   `effect_breaker_hedges{hedge, served_by}` counts it.
 *
 * Fails with `InvalidOptionError` on a bad `delay`, `name` or `when`.
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
 *   const served = yield* hanging.pipe(
 *     Fallback.serve({ fallback: [Fallback.effect("anthropic", Effect.succeed("from claude"))], hedge })
 *   )
 *   return [served.value, served.servedBy, served.hedged]
 * }))
 * // Effect.runPromise(program) resolves (after 150 ms) to ["from claude", { _tag: "Fallback", name: "anthropic" }, true]
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeHedge: (options: HedgeOptions) => Effect.Effect<Hedge, InvalidOptionError, Scope.Scope> =
  hedgeInternal.make

/**
 * @since 0.1.0
 * @category guards
 */
export const isHedge: (u: unknown) => u is Hedge = hedgeInternal.isHedge
