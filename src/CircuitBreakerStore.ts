/**
 * Where breakers keep their state: the `CircuitBreakerStore` service.
 *
 * **Details**
 *
 * A breaker's state is plain data (`CircuitBreaker.BreakerState`, described by
 * a Schema) behind a store. `CircuitBreaker.make` opens the breaker's circuit
 * in the store found in its context, once; every call through the breaker, the
 * registry's breakers and every combinator built on a breaker then go through
 * that circuit.
 *
 * - `layerStoreMemory` (the default when no store is provided): the state lives
 *   in this process; admission and recording are one synchronous step each.
 * - `effect-breaker/redis`: the state is shared by every replica through Redis,
 *   with a local mirror so a healthy call costs no round trip.
 *
 * A store that fails never becomes a defect: the breaker applies the store's
 * `onStoreError` policy (`"local"`: decide locally; `"allow"`: let the call
 * through unrecorded; `"reject"`: reject it) and logs the error.
 *
 * The interfaces below (`Store`, `Circuit`) are what a store implements; they
 * work on the breaker's internal state and are meant for stores shipped with
 * this package.
 *
 * **Example**
 *
 * ```ts
 * import { Effect } from "effect"
 * import { CircuitBreaker, CircuitBreakerStore } from "effect-breaker"
 *
 * const program = CircuitBreaker.make({ name: "openai" }).pipe(
 *   Effect.provide(CircuitBreakerStore.layerStoreMemory)
 * )
 * ```
 *
 * @since 0.2.0
 */
import * as Layer from "effect/Layer"
import { memoryStore } from "./internal/store/memory.js"
import * as service from "./internal/store/service.js"
import * as types from "./internal/store/types.js"

/**
 * The store service (a `Context.Reference`: when none is provided, the memory store).
 *
 * @since 0.2.0
 * @category models
 */
export const CircuitBreakerStore: typeof service.CircuitBreakerStore = service.CircuitBreakerStore

/**
 * @since 0.2.0
 * @category models
 */
export type CircuitBreakerStore = service.CircuitBreakerStore

/**
 * What a store implements.
 *
 * @since 0.2.0
 * @category models
 */
export type Store = types.Store

/**
 * One breaker's circuit in a store.
 *
 * @since 0.2.0
 * @category models
 */
export type Circuit = types.Circuit

/**
 * @since 0.2.0
 * @category models
 */
export type OpenOptions = types.OpenOptions

/**
 * @since 0.2.0
 * @category models
 */
export type RemoteAdmission = types.RemoteAdmission

/**
 * What a breaker does when its store fails: `"local"` (decide from the local
 * state alone), `"allow"` (let the call through unrecorded) or `"reject"`.
 *
 * @since 0.2.0
 * @category models
 */
export type StoreErrorPolicy = types.StoreErrorPolicy

/**
 * A store operation failed (names the store, the breaker and the operation).
 *
 * @since 0.2.0
 * @category errors
 */
export const CircuitStoreError: typeof types.CircuitStoreError = types.CircuitStoreError

/**
 * @since 0.2.0
 * @category errors
 */
export type CircuitStoreError = types.CircuitStoreError

/**
 * The memory store as a value.
 *
 * @since 0.2.0
 * @category constructors
 */
export const memory: Store = memoryStore

/**
 * Keeps every breaker made where it is provided in this process's memory (the default).
 *
 * @since 0.2.0
 * @category layers
 */
export const layerStoreMemory: Layer.Layer<CircuitBreakerStore> = Layer.succeed(CircuitBreakerStore, memoryStore)

/**
 * Provides `store` to every breaker made where the layer is provided.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerStore = (store: Store): Layer.Layer<CircuitBreakerStore> => Layer.succeed(CircuitBreakerStore, store)
