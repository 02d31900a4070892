/**
 * Fallbacks: when a call fails, answer from a static value, another effect, or
 * the last good answer for the same request, and say which one served.
 *
 * **Details**
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
import type { InvalidOptionError } from "./CircuitBreakerError.js"
import * as internal from "./internal/resilience/fallback.js"

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
