import { CircuitBreakerStore } from "effect-breaker"
import { Layer } from "effect"
import { conformance } from "./breaker.js"

// The default store: nothing provided at all.
conformance("default store", { layer: Layer.empty as Layer.Layer<any> })
// The same store, provided explicitly.
conformance("layerStoreMemory", { layer: CircuitBreakerStore.layerStoreMemory })
