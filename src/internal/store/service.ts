/**
 * The store service. A `Context.Reference` whose default is the memory store,
 * so `CircuitBreaker.make` with no store in its context keeps every breaker in
 * memory, and a layer (`layerStoreMemory`, the Redis store's layer) replaces it.
 *
 * @internal
 */
import * as Context from "effect/Context"
import { memoryStore } from "./memory.js"
import type { Store } from "./types.js"

/** @internal */
export class CircuitBreakerStore extends Context.Reference<CircuitBreakerStore>()(
  "effect-breaker/CircuitBreakerStore",
  { defaultValue: (): Store => memoryStore }
) {}
