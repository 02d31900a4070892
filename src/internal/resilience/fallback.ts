/**
 * Fallback chains and the last-good cache.
 *
 * @internal
 */
import type * as Clock from "effect/Clock"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Fallback from "../../Fallback.js"
import type { InvalidOptionError } from "../errors.js"
import { type Hedge, isHedge, type Trigger } from "./hedge.js"
import { Lru } from "./lru.js"
import { countFallback, type FallbackKind } from "../telemetry/annotate.js"
import * as check from "../validate.js"
import * as O from "../settings/options.js"
import * as S from "../settings/schema.js"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { dropPromise } from "../callback.js"

/** @internal */
export type ServedBy =
  | { readonly _tag: "Primary" }
  | { readonly _tag: "Fallback"; readonly name: string }
  | { readonly _tag: "Cache"; readonly age: Duration.Duration }

/** @internal */
export interface Served<A> {
  readonly value: A
  readonly servedBy: ServedBy
  /** Set when the call had a hedge: whether it fired (the primary outlived the delay). */
  readonly hedged?: boolean | undefined
}

/** @internal */
export const primary: ServedBy = Object.freeze({ _tag: "Primary" as const })

/** @internal */
export const CacheTypeId: unique symbol = Symbol.for("effect-breaker/Fallback/LastGoodCache")

/** @internal */
export interface LastGoodCache<A> {
  readonly [CacheTypeId]: typeof CacheTypeId
  readonly get: (key: string) => Effect.Effect<Option.Option<{ readonly value: A; readonly age: Duration.Duration }>>
  set(key: string, value: A): Effect.Effect<void>
  readonly size: Effect.Effect<number>
  readonly maxAge: Duration.Duration
  readonly capacity: number
  /** @internal */
  readonly unsafeGet: (key: string) => { readonly value: A; readonly ageMs: number } | undefined
  /** @internal */
  unsafeSet(key: string, value: A): void
}

/** @internal */
export interface CacheOptions {
  readonly maxAge: Duration.DurationInput
  readonly capacity?: number | undefined
}

/** @internal */
export const makeCache = <A>(options: CacheOptions): Effect.Effect<LastGoodCache<A>, InvalidOptionError> =>
  Effect.flatMap(Effect.clock, (clock: Clock.Clock) =>
    check.validated(() => {
      check.object("cache", options)
      if (options.maxAge === undefined) check.invalid("cache.maxAge", undefined, "a duration greater than zero")
      const maxAgeMs = check.millis("cache.maxAge", options.maxAge, NaN, { allowInfinite: true })
      const capacity = check.integer("cache.capacity", options.capacity, 1, 10_000_000, 1_000)
      const lru = new Lru<A>(capacity)
      const unsafeGet = (key: string) => {
        const now = clock.unsafeCurrentTimeMillis()
        const entry = lru.get(key, now)
        return entry === undefined ? undefined : { value: entry.value, ageMs: now - (entry.expiresAt - maxAgeMs) }
      }
      const unsafeSet = (key: string, value: A) => {
        const now = clock.unsafeCurrentTimeMillis()
        lru.set(key, value, now + maxAgeMs, now)
      }
      const cache: LastGoodCache<A> = {
        [CacheTypeId]: CacheTypeId,
        maxAge: Duration.millis(maxAgeMs),
        capacity,
        unsafeGet,
        unsafeSet,
        get: (key) =>
          Effect.sync(() => {
            const hit = unsafeGet(key)
            return hit === undefined ? Option.none() : Option.some({ value: hit.value, age: Duration.millis(hit.ageMs) })
          }),
        set: (key, value) => Effect.sync(() => unsafeSet(key, value)),
        size: Effect.sync(() => lru.sweep(clock.unsafeCurrentTimeMillis()))
      }
      return cache
    }))

/** @internal */
export type Alternative<A, E, R, In> =
  | { readonly _tag: "Value"; readonly name: string; readonly value: A }
  | { readonly _tag: "Effect"; readonly name: string; readonly run: (error: In) => Effect.Effect<A, E, R> }
  | { readonly _tag: "Cache"; readonly name: string; readonly cache: LastGoodCache<A>; readonly key: string }

/** @internal */
export const isLastGoodCache = (u: unknown): u is LastGoodCache<unknown> =>
  typeof u === "object" && u !== null && CacheTypeId in u

/** @internal */
export const value = <A>(value: A, name = "value"): Alternative<A, never, never, unknown> => ({ _tag: "Value", name, value })

/** @internal */
export const effect = <A, E = never, R = never, In = unknown>(
  name: string,
  effect: Effect.Effect<A, E, R> | ((error: In) => Effect.Effect<A, E, R>)
): Alternative<A, E, R, In> => ({
  _tag: "Effect",
  name,
  // anything else is kept as it is, for the options check to name (fallback[i].run) instead of a defect per call
  run: typeof effect === "function" || !isEffectValue(effect) ? effect as (error: In) => Effect.Effect<A, E, R> : () => effect
})

const isEffectValue = (u: unknown): boolean => {
  try {
    return Effect.isEffect(u)
  } catch {
    // a Proxy that throws: not an Effect (the check names it)
    return false
  }
}

/** @internal */
export const cached = <A>(cache: Fallback.LastGoodCache<A>, key: string): Alternative<A, never, never, unknown> => ({
  _tag: "Cache",
  name: "cache",
  // every LastGoodCache is made by makeCache, which adds the unsafe accessors the fallback path uses
  cache: cache as LastGoodCache<A>,
  key
})

/** @internal */
export interface Options<E, Alts> {
  readonly fallback: Alts
  readonly when?: ((error: E) => boolean) | undefined
  readonly hedge?: { readonly name: string } | undefined
}

const tagOf = (u: unknown): string =>
  typeof u === "object" && u !== null && "_tag" in u && typeof u._tag === "string" ? u._tag : typeof u

const servedBy = <A>(value: A, by: ServedBy, trigger: unknown, kind: FallbackKind): Effect.Effect<Served<A>> =>
  Effect.as(
    Effect.zipRight(countFallback(kind), Effect.annotateCurrentSpan(
      by._tag === "Cache"
        ? { "fallback.served_by": "Cache", "fallback.cache_age_ms": Duration.toMillis(by.age), "fallback.trigger": tagOf(trigger) }
        : { "fallback.served_by": by._tag, "fallback.name": by._tag === "Fallback" ? by.name : "", "fallback.trigger": tagOf(trigger) }
    )),
    { value, servedBy: by }
  )

const runFrom = <A, In>(
  chain: ReadonlyArray<Alternative<A, any, any, In>>,
  from: number,
  trigger: In,
  lastError: unknown
): Effect.Effect<Served<A>, any, any> => {
  for (let i = from; i < chain.length; i++) {
    const alt = chain[i]!
    switch (alt._tag) {
      case "Value":
        return servedBy(alt.value, { _tag: "Fallback", name: alt.name }, trigger, "value")
      case "Cache": {
        const hit = alt.cache.unsafeGet(alt.key)
        if (hit !== undefined) return servedBy(hit.value, { _tag: "Cache", age: Duration.millis(hit.ageMs) }, trigger, "cache")
        continue
      }
      case "Effect": {
        const next = i + 1
        return Effect.matchEffect(Effect.suspend(() => alt.run(trigger)), {
          onSuccess: (value) => servedBy(value, { _tag: "Fallback", name: alt.name }, trigger, "effect"),
          onFailure: (error) => runFrom(chain, next, trigger, error)
        })
      }
    }
  }
  return Effect.fail(lastError)
}

/** The input of an `Effect` alternative started by a hedge's delay (no error yet). @internal */
export const slowInput = (trigger: Trigger<unknown>): unknown =>
  trigger._tag === "Slow"
    ? new Cause.TimeoutException(`no answer within the hedge delay of ${Duration.format(trigger.after)}`)
    : trigger.error

/** An alternative and what it was made with: its name (a metric and span label), its effect, its cache and key. */
const AlternativeSchema = S.expecting(
  Schema.Union(
    Schema.Struct({ _tag: Schema.Literal("Value"), name: O.nonEmpty }),
    Schema.Struct({
      _tag: Schema.Literal("Effect"),
      name: O.nonEmpty,
      run: O.guarded(
        (u): u is unknown => typeof u === "function",
        "an Effect, or a function from the error to an Effect (Fallback.effect's second argument)"
      )
    }),
    Schema.Struct({
      _tag: Schema.Literal("Cache"),
      cache: O.guarded(isLastGoodCache, "a LastGoodCache (Fallback.makeCache)"),
      key: O.nonEmpty
    })
  ),
  "an alternative (Fallback.value, Fallback.effect or Fallback.cached)"
)

const ServeOptions = O.options({
  fallback: S.expecting(
    Schema.Array(AlternativeSchema),
    "an array of alternatives (Fallback.value, Fallback.effect, Fallback.cached)"
  ),
  when: O.optional(O.func("a predicate on the error")),
  hedge: O.optional(O.guarded((u): u is Hedge => isHedge(u), "a Hedge (Fallback.makeHedge)"))
})

/** Each options object is checked once (a WeakMap lookup after that), so a reused one costs nothing per call. */
const verdicts = new WeakMap<object, InvalidOptionError | null>()

/**
 * Checks `serve`'s options with the option Schema: the bad option, or undefined.
 *
 * @internal
 */
export const checkServeOptions = (options: unknown): InvalidOptionError | undefined => {
  if (typeof options !== "object" || options === null) {
    const r = O.checkEither(ServeOptions, options)
    return Either.isLeft(r) ? r.left : undefined
  }
  let verdict = verdicts.get(options)
  if (verdict === undefined) {
    const r = O.checkEither(ServeOptions, options)
    verdict = Either.isLeft(r) ? r.left : null
    verdicts.set(options, verdict)
  }
  return verdict ?? undefined
}

/** @internal */
export const serve = <A, E extends In, R, In>(
  self: Effect.Effect<A, E, R>,
  options: Options<E, ReadonlyArray<Alternative<A, any, any, In>>>
): Effect.Effect<Served<A>, any, any> => {
  const bad = checkServeOptions(options)
  return bad !== undefined ? Effect.fail(bad) : serveUnchecked(self, options)
}

/** `serve` with options already checked (by {@link checkServeOptions}). @internal */
export const serveUnchecked = <A, E extends In, R, In>(
  self: Effect.Effect<A, E, R>,
  options: Options<E, ReadonlyArray<Alternative<A, any, any, In>>>
): Effect.Effect<Served<A>, any, any> => {
  const chain = options.fallback
  const when = options.when
  const hedge = options.hedge
  let caches: Array<{ readonly cache: LastGoodCache<A>; readonly key: string }> | undefined
  for (const alt of chain) if (alt._tag === "Cache") (caches ??= []).push(alt)
  const store = (value: A) => {
    if (caches !== undefined) for (const c of caches) c.cache.unsafeSet(c.key, value)
  }
  const accepts = (error: E): boolean => {
    if (when === undefined) return true
    try {
      const verdict: unknown = when(error)
      if (dropPromise(verdict)) return false // an async predicate answers nothing (as if it threw)
      return Boolean(verdict)
    } catch {
      return false // a predicate that throws does not decide to fall back
    }
  }
  if (hedge !== undefined) {
    if (!isHedge(hedge)) return check.validated(() => check.invalid("hedge", hedge, "a Hedge (Fallback.makeHedge)"))
    // without `when`, the hedge's own `when` decides which early failures start the chain
    return hedged(self, hedge, chain, when === undefined ? undefined : accepts, store)
  }
  return Effect.matchEffect(self, {
    onSuccess: (value) => {
      store(value)
      return Effect.succeed<Served<A>>({ value, servedBy: primary })
    },
    // an alternative receives the error that started the chain: the primary's error, an `In` (`E extends In`)
    onFailure: (error) => accepts(error) ? runFrom(chain, 0, error, error) : Effect.fail(error)
  })
}

/**
 * `serve` with a hedge: after the hedge's delay (or at once when the primary
 * fails with an error `when` accepts) the chain starts beside the primary,
 * which is not cancelled; the first answer serves. An `Effect` alternative
 * started by the delay receives a `TimeoutException` (there is no error yet).
 */
const hedged = <A, E, R, In>(
  self: Effect.Effect<A, E, R>,
  hedge: Hedge,
  chain: ReadonlyArray<Alternative<A, any, any, In>>,
  accepts: ((error: E) => boolean) | undefined,
  store: (value: A) => void
): Effect.Effect<Served<A>, any, any> =>
  Effect.map(
    hedge.run(self, (trigger) => {
      const input = slowInput(trigger)
      return runFrom(chain, 0, input as In, input)
    }, accepts),
    (o): Served<A> => {
      if (o.winner === "fallback") return { ...(o.value as Served<A>), hedged: o.fired }
      store(o.value as A)
      return { value: o.value as A, servedBy: primary, hedged: o.fired }
    }
  )

/** @internal */
export const mapValue = <A, E, R>(self: Effect.Effect<Served<A>, E, R>): Effect.Effect<A, E, R> =>
  Effect.map(self, (served) => served.value)
