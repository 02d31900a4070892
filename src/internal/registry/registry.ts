/**
 * The registry's Effect shell: makes one breaker per resolved spec, in the
 * caller's context (so the breakers read its `Clock` and `BreakerObservers`).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type { CircuitBreaker, Stats } from "../../CircuitBreaker.js"
import * as CB from "../../CircuitBreaker.js"
import type { Classifier } from "../../Outcome.js"
import type * as Scope from "effect/Scope"
import { releaseBreaker } from "../release.js"
import type { Resolved } from "../settings/types.js"
import { type RegistryConfigError, UnknownBreakerError } from "./errors.js"
import { type RawConfig, resolve } from "./resolve.js"
import { show } from "../settings/decode.js"

/** @internal */
export interface Entry {
  readonly name: string
  readonly breaker: CircuitBreaker
  readonly settings: Resolved
}

/** @internal */
export interface Registry {
  readonly get: (name: string) => Effect.Effect<CircuitBreaker, UnknownBreakerError>
  readonly unsafeGet: (name: string) => CircuitBreaker | undefined
  readonly names: ReadonlyArray<string>
  readonly all: ReadonlyArray<CircuitBreaker>
  readonly entries: ReadonlyArray<Entry>
  readonly entry: (name: string) => Entry | undefined
  readonly stats: Effect.Effect<ReadonlyArray<Stats>>
}

/** @internal */
export const fromEntries = (entries: ReadonlyArray<Entry>): Registry => {
  const byName = new Map<string, { readonly entry: Entry; readonly get: Effect.Effect<CircuitBreaker> }>()
  for (const entry of entries) byName.set(entry.name, { entry, get: Effect.succeed(entry.breaker) })
  const names = entries.map((e) => e.name)
  return {
    get: (name) =>
      byName.get(name)?.get ??
        // a name from data may be anything: the error shows it, it is never a defect
        Effect.fail(new UnknownBreakerError({ name: typeof name === "string" ? name : show(name), known: names })),
    unsafeGet: (name) => byName.get(name)?.entry.breaker,
    names,
    all: entries.map((e) => e.breaker),
    entries,
    entry: (name) => byName.get(name)?.entry,
    stats: Effect.forEach(entries, (e) => e.breaker.stats)
  }
}

/** @internal */
export const make = (
  source: Effect.Effect<RawConfig, RegistryConfigError>,
  classify: Classifier<any, any> | undefined
): Effect.Effect<Registry, RegistryConfigError> =>
  Effect.flatMap(source, (raw) => {
    const specs = resolve(raw, classify)
    if (Either.isLeft(specs)) return Effect.fail(specs.left)
    return Effect.map(
      Effect.forEach(specs.right, (spec) =>
        CB.make(spec.options).pipe(
          Effect.mapError(spec.errorOf),
          Effect.map((breaker): Entry => ({ name: spec.name, breaker, settings: spec.resolved }))
        )),
      fromEntries
    )
  })

/**
 * A registry whose breakers are released when the current scope closes (its
 * layer is released): their metric series leave the registry, their
 * subscriptions end.
 *
 * @internal
 */
export const releasedWithScope = <E, R>(
  make: Effect.Effect<Registry, E, R>
): Effect.Effect<Registry, E, R | Scope.Scope> =>
  Effect.tap(make, (registry) =>
    Effect.addFinalizer(() => Effect.sync(() => {
      for (const b of registry.all) releaseBreaker(b)
    })))
