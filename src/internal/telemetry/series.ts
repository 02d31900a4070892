/**
 * Metric series owned by breakers, released with them (issue 9 finding 1).
 *
 * Effect 3 keeps every tagged series in one process-global registry
 * (`Metric.globalMetricRegistry`, a `MutableHashMap` from `MetricKey` to hook)
 * and has no public way to remove one; `@effect/opentelemetry` exports whatever
 * `Metric.unsafeSnapshot()` returns from it. A breaker made per key (a host, a
 * tenant) would so leave its ~11 series behind forever when its key is
 * forgotten. Here every series a breaker's instruments register is recorded
 * under the breaker's name, with a count of the live breakers of that name
 * (breakers sharing a name share series). When the last one is released, by its
 * owner (`HttpBreakers` evicting a key) or by the garbage collector (a breaker
 * nobody holds any more), the series are removed from the registry: the next
 * snapshot, OTLP export or Prometheus scrape no longer has them. This is what
 * resilience4j's Micrometer binding does when its registry removes a breaker.
 *
 * Removal goes through the registry's internal map: a `MutableHashMap` field
 * `map`, checked on first use. `canRelease` says whether it was found (a test
 * pins it, so an Effect upgrade that changes the registry fails loudly rather
 * than leaking quietly).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as MetricKey from "effect/MetricKey"
import type * as MetricKeyType from "effect/MetricKeyType"
import * as MetricLabel from "effect/MetricLabel"
import * as MutableHashMap from "effect/MutableHashMap"

type AnyKey = MetricKey.MetricKey<MetricKeyType.MetricKeyType<any, any>>

const MutableHashMapTypeId = Symbol.for("effect/MutableHashMap")

const isMutableHashMap = (u: unknown): u is MutableHashMap.MutableHashMap<unknown, unknown> =>
  typeof u === "object" && u !== null && MutableHashMapTypeId in u

/** The registry's map: not part of Effect's public types (see above), so found with `in` and checked before use. */
const registryMap = (): MutableHashMap.MutableHashMap<unknown, unknown> | undefined => {
  const registry: object = Metric.globalMetricRegistry
  const map = "map" in registry ? registry.map : undefined
  return isMutableHashMap(map) ? map : undefined
}

/** Whether series can be removed from Effect's global metric registry. @internal */
export const canRelease = (): boolean => registryMap() !== undefined

/** The series of one breaker name, and how many live breakers share them. */
interface Owned {
  refs: number
  readonly keys: Map<string, AnyKey>
}

const owners = new Map<string, Owned>()

const idOf = (key: AnyKey): string => {
  let id = key.name
  for (const t of key.tags) id += `\u0000${t.key}=${t.value}`
  return id
}

/** Names whose breaker was garbage collected unreleased: released when the next breaker is made (see `collected`). */
let collectedNames: Array<string> = []

/** A breaker named `name` starts using series. @internal */
export const acquire = (name: string): void => {
  if (collectedNames.length > 0) {
    const names = collectedNames
    collectedNames = []
    for (const n of names) release(n)
  }
  const owned = owners.get(name)
  if (owned === undefined) owners.set(name, { refs: 1, keys: new Map() })
  else owned.refs++
}

/** Records a series used by the breakers named `name` (its key carries all its tags). @internal */
export const track = (name: string, key: AnyKey): void => {
  const owned = owners.get(name)
  if (owned !== undefined) owned.keys.set(idOf(key), key)
}

/** Extra series other modules may have made for a breaker name (retries, fallbacks), removed with it. */
const extraKeys: Array<(name: string) => AnyKey> = []

/** Registers a family of series tagged with a breaker's name that are removed when the name is released. @internal */
export const alsoRelease = (f: (name: string) => AnyKey): void => {
  extraKeys.push(f)
}

/**
 * A breaker named `name` is gone. When it was the last of its name, every
 * series recorded for the name is removed from Effect's registry.
 *
 * @internal
 */
export const release = (name: string): void => {
  const owned = owners.get(name)
  if (owned === undefined) return
  if (--owned.refs > 0) return
  owners.delete(name)
  const map = registryMap()
  if (map === undefined) return
  for (const key of owned.keys.values()) MutableHashMap.remove(map, key)
  for (const f of extraKeys) MutableHashMap.remove(map, f(name))
}

/** The names of collected breakers waiting to be released at the next `acquire` (for tests). @internal */
export const pendingCollected = (): ReadonlyArray<string> => collectedNames

/** How many breaker names currently own series (for tests and the admin view). @internal */
export const ownerCount = (): number => owners.size

/** Tags a key with labels (data-first: see STACK.md on `Metric.tagged`). @internal */
export const tagged = <Type extends MetricKeyType.MetricKeyType<any, any>>(
  key: MetricKey.MetricKey<Type>,
  tags: Record<string, string>
): MetricKey.MetricKey<Type> => MetricKey.taggedWithLabels(key, Object.entries(tags).map(([k, v]) => MetricLabel.make(k, v)))

/**
 * A breaker made with `CircuitBreaker.make` and dropped without being released
 * gives its series back too, but not at a moment the garbage collector picks:
 * its name is released when the next breaker is made. A program that keeps
 * making breakers (the case that would leak) so sweeps the dead ones, while one
 * that has stopped (e.g. shutting down, flushing a last export) keeps every
 * series it had, whatever the collector did.
 */
const collected = new FinalizationRegistry<string>((name) => {
  collectedNames.push(name)
})

/** Ties the release of `name` to `owner` being garbage collected; returns the explicit release. @internal */
export const releaseOnCollect = (owner: object, name: string): () => void => {
  const token = {}
  collected.register(owner, name, token)
  let done = false
  return () => {
    if (done) return
    done = true
    collected.unregister(token)
    release(name)
  }
}

/**
 * For owners with a scope (a hedge): acquires `owner` now and releases it when
 * the scope closes.
 *
 * @internal
 */
export const acquireSeries = (owner: string) =>
  Effect.acquireRelease(Effect.sync(() => acquire(owner)), () => Effect.sync(() => release(owner)))

/**
 * A series of `owner`, tracked for release and resolved now (registered at zero):
 * an update after the release then goes to the detached hook instead of
 * registering the series again.
 *
 * @internal
 */
export const ownSeries = <K extends AnyKey>(
  owner: string,
  key: K,
  tags: Record<string, string>
): Metric.Metric<any, any, unknown> => {
  const taggedKey = tagged(key, tags)
  track(owner, taggedKey)
  const metric = Metric.fromMetricKey(taggedKey)
  metric.unsafeValue([])
  return metric
}
