/**
 * Issue 9 finding 1's class: everything made per key has a bound and is released
 * with its key. Metric series, subscriptions and HttpBreakers' breakers are in
 * metric-series.test.ts; here the other per-key structures, at scale.
 */
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Metric, TestClock } from "effect"
import { BreakerRegistry, BreakerTelemetry, CircuitBreaker, CircuitBreakerStore, Fallback, RateLimitGate } from "effect-breaker"
import { openMemory } from "../../src/internal/store/memory.js"
import type { Store } from "../../src/internal/store/types.js"
import { HttpBreakers } from "effect-breaker/http"

const keys = (n: number) => Array.from({ length: n }, (_, i) => `tenant-${i}`)

describe("per-key structures are bounded and released with their key", () => {
  it.effect("rate-limit gate: 20,000 distinct keys keep at most maxKeys entries, and none once their resets pass", () =>
    Effect.gen(function*() {
      const gate = yield* RateLimitGate.make({ maxKeys: 1_000 })
      yield* Effect.forEach(keys(20_000), (k) => gate.closeFor(k, "1 minute"), { discard: true })
      assert.strictEqual(yield* gate.size, 1_000)
      assert.isTrue((yield* gate.retryAfter("tenant-19999"))._tag === "Some", "the latest keys are kept")
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* gate.size, 0, "an entry goes when its reset passes")
    }))

  it.effect("rate-limit gate: a provider's reset is capped by maxReset, so no entry outlives it", () =>
    Effect.gen(function*() {
      const gate = yield* RateLimitGate.make({ maxKeys: 10, maxReset: "1 hour" })
      yield* gate.closeFor("k", "365 days")
      yield* TestClock.adjust("1 hour")
      assert.strictEqual(yield* gate.size, 0)
    }))

  it.effect("last-good cache: 20,000 distinct keys keep at most its capacity, and none after maxAge", () =>
    Effect.gen(function*() {
      const cache = yield* Fallback.makeCache<number>({ maxAge: "10 minutes" })
      yield* Effect.forEach(keys(20_000), (k, i) => cache.set(k, i), { discard: true })
      assert.strictEqual(yield* cache.size, 1_000, "default capacity")
      yield* TestClock.adjust("10 minutes")
      assert.strictEqual(yield* cache.size, 0)
    }))

  it.effect("a hedge's series are released with its scope", () =>
    Effect.gen(function*() {
      const name = `hedge-${Date.now().toString(36)}`
      const ours = () =>
        Metric.unsafeSnapshot().filter((p) =>
          p.metricKey.name === "effect_breaker_hedges" && p.metricKey.tags.some((t) => t.key === "hedge" && t.value === name)
        ).length
      yield* Effect.scoped(Effect.gen(function*() {
        const hedge = yield* Fallback.makeHedge({ delay: "10 millis", name })
        const fiber = yield* Effect.fork(
          Effect.never.pipe(Fallback.serve({ fallback: [Fallback.effect("fallback", Effect.succeed("fallback"))], hedge }))
        )
        yield* TestClock.adjust("10 millis")
        assert.strictEqual(yield* fiber.await.pipe(Effect.map((e) => e._tag)), "Success")
        assert.strictEqual(ours(), 3, "primary, fallback, none")
      }))
      assert.strictEqual(ours(), 0)
    }))

  it.effect("an evicted HttpBreakers key releases what its store holds for it (a Redis subscription, a flush timer)", () =>
    Effect.gen(function*() {
      const released: Array<string> = []
      const store: Store = {
        name: "recording",
        open: (options) =>
          Effect.sync(() => {
            const circuit = openMemory(options)
            return Object.assign(circuit, { release: () => void released.push(options.config.name) })
          })
      }
      yield* Effect.gen(function*() {
        const breakers = yield* HttpBreakers.make({ maxKeys: 2, namePrefix: "s:" })
        for (const host of ["a", "b", "c", "d"]) yield* breakers.breakerFor(host)
        assert.deepStrictEqual(released, ["s:a", "s:b"])
      }).pipe(Effect.provide(CircuitBreakerStore.layerStore(store)))
    }))

  it.effect("a breaker provided by CircuitBreaker.layer is released with the layer", () =>
    Effect.gen(function*() {
      class Svc extends Context.Tag("bounds/Svc")<Svc, CircuitBreaker.CircuitBreaker>() {}
      const name = `layered-${Date.now().toString(36)}`
      const ours = () =>
        Metric.unsafeSnapshot().filter((p) => p.metricKey.tags.some((t) => t.key === "breaker" && t.value === name)).length
      yield* Effect.scoped(Effect.gen(function*() {
        const context = yield* Layer.build(CircuitBreaker.layer(Svc, { name }))
        yield* Context.get(context, Svc)(Effect.void)
        assert.strictEqual(ours(), 11)
      }))
      assert.strictEqual(ours(), 0)
    }).pipe(Effect.provide(BreakerTelemetry.layerMetrics)))

  it.effect("a BreakerRegistry layer's breakers are released with the layer", () =>
    Effect.gen(function*() {
      const prefix = `reg-${Date.now().toString(36)}-`
      const ours = () =>
        Metric.unsafeSnapshot().filter((p) => p.metricKey.tags.some((t) => t.key === "breaker" && t.value.startsWith(prefix))).length
      yield* Effect.scoped(Effect.gen(function*() {
        const context = yield* Layer.build(BreakerRegistry.layer({ breakers: { [`${prefix}a`]: {}, [`${prefix}b`]: {} } }))
        assert.strictEqual(Context.get(context, BreakerRegistry.BreakerRegistry).names.length, 2)
        assert.strictEqual(ours(), 22)
      }))
      assert.strictEqual(ours(), 0)
    }).pipe(Effect.provide(BreakerTelemetry.layerMetrics)))

  it.effect("HttpBreakers: a key of any length is held in at most 200 characters, distinct keys stay distinct", () =>
    Effect.gen(function*() {
      const breakers = yield* HttpBreakers.make({ maxKeys: 100 })
      const huge = (i: number) => `${"a".repeat(100_000)}-${i}.example.test`
      for (let i = 0; i < 100; i++) yield* breakers.breakerFor(huge(i))
      const held = yield* breakers.breakers
      assert.strictEqual(held.length, 100)
      assert.isTrue(held.every(([key, b]) => key.length <= 200 && b.name.length <= 200))
      assert.strictEqual(new Set(held.map(([, b]) => b.name)).size, 100, "no two long hosts share a breaker")
      const again = yield* breakers.breakerFor(huge(7))
      assert.strictEqual(again, held[7]![1], "the same long host finds its breaker")
      assert.isTrue((yield* breakers.get(huge(7)))._tag === "Some")
    }))
})
