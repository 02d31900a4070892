import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, FastCheck as fc, TestClock } from "effect"
import type { CircuitBreaker } from "effect-breaker"
import { BreakerRegistry } from "effect-breaker"
import { envKey, fieldSpecs } from "../../src/internal/registry/fields.js"
import { statsOf } from "../support/stats.js"

const fail = Effect.fail("boom")


const thresholds: BreakerRegistry.HealthThresholds = { consecutiveFailures: 6, failureRate: 0.5, minimumCalls: 10 }

describe("BreakerRegistry.evaluateHealth (pure)", () => {
  it("maps each state", () => {
    const status = (s: Partial<CircuitBreaker.Stats>) => BreakerRegistry.evaluateHealth(statsOf(s), thresholds).status
    assert.strictEqual(status({}), "healthy")
    assert.strictEqual(status({ state: "HalfOpen" }), "degraded")
    assert.strictEqual(status({ state: "Open", retryAfterMs: 5 }), "failed")
    assert.strictEqual(status({ state: "ForcedOpen", retryAfterMs: Infinity }), "failed")
    assert.strictEqual(status({ state: "Disabled" }), "degraded")
    assert.strictEqual(status({ state: "MetricsOnly" }), "healthy")
    assert.strictEqual(status({ state: "MetricsOnly", calls: 20, failures: 20, failureRate: 1 }), "degraded")
  })

  it("a closed breaker is degraded from half a trip threshold, once the window has minimumCalls", () => {
    const at = (s: Partial<CircuitBreaker.Stats>) => BreakerRegistry.evaluateHealth(statsOf(s), thresholds)
    assert.strictEqual(at({ calls: 10, failureRate: 0.24 }).status, "healthy")
    const degraded = at({ calls: 10, failureRate: 0.25 })
    assert.strictEqual(degraded.status, "degraded")
    assert.include(degraded.reason, "25%")
    assert.strictEqual(at({ calls: 9, failureRate: 0.9 }).status, "healthy", "too few calls to judge a rate")
    assert.strictEqual(at({ consecutiveFailures: 2 }).status, "healthy")
    assert.strictEqual(at({ consecutiveFailures: 3 }).status, "degraded")
    assert.strictEqual(BreakerRegistry.evaluateHealth(statsOf({ calls: 10, failureRate: 0.3 }), thresholds, { degradedAt: 0.8 }).status, "healthy")
    assert.strictEqual(BreakerRegistry.evaluateHealth(statsOf({ consecutiveFailures: 100 })).status, "healthy", "no thresholds known")
  })

  it("overall: worst of, or failed only when all failed", () => {
    const h = (state: CircuitBreaker.State) => BreakerRegistry.evaluateHealth(statsOf({ state }))
    assert.strictEqual(BreakerRegistry.overallHealth([]), "healthy")
    assert.strictEqual(BreakerRegistry.overallHealth([h("Closed"), h("HalfOpen")]), "degraded")
    assert.strictEqual(BreakerRegistry.overallHealth([h("Closed"), h("Open")]), "failed")
    assert.strictEqual(BreakerRegistry.overallHealth([h("Closed"), h("Open")], { failWhen: "all" }), "degraded")
    assert.strictEqual(BreakerRegistry.overallHealth([h("ForcedOpen"), h("Open")], { failWhen: "all" }), "failed")
  })

  it.prop("overall is never better than any breaker's status under failWhen any", [
    fc.array(fc.constantFrom<CircuitBreaker.State>("Closed", "Open", "HalfOpen", "ForcedOpen", "Disabled", "MetricsOnly"))
  ], ([states]) => {
    const rank = { healthy: 0, degraded: 1, failed: 2 }
    const list = states.map((state) => BreakerRegistry.evaluateHealth(statsOf({ state })))
    const worst = BreakerRegistry.overallHealth(list)
    for (const b of list) assert.isAtLeast(rank[worst], rank[b.status])
  })
})

describe("BreakerRegistry.checkHealth over a registry", () => {
  it.effect("reads each breaker's thresholds from its settings", () =>
    Effect.gen(function*() {
      const layer = BreakerRegistry.layer({
        breakers: { openai: { policy: { _tag: "ConsecutiveFailures", threshold: 4 } }, anthropic: { policy: { _tag: "ConsecutiveFailures", threshold: 2 } } }
      })
      yield* Effect.gen(function*() {
        assert.strictEqual((yield* BreakerRegistry.checkHealth()).status, "healthy")
        const openai = yield* BreakerRegistry.get("openai")
        yield* Effect.ignore(openai(fail))
        yield* Effect.ignore(openai(fail))
        let report = yield* BreakerRegistry.checkHealth()
        assert.strictEqual(report.status, "degraded")
        assert.deepStrictEqual(report.breakers.map((b) => b.status), ["degraded", "healthy"])
        const anthropic = yield* BreakerRegistry.get("anthropic")
        yield* Effect.ignore(anthropic(fail))
        yield* Effect.ignore(anthropic(fail))
        report = yield* BreakerRegistry.checkHealth()
        assert.strictEqual(report.status, "failed")
        assert.strictEqual(report.breakers[1]!.stats.state, "Open")
        assert.strictEqual((yield* BreakerRegistry.checkHealth({ failWhen: "all" })).status, "degraded")
        yield* TestClock.adjust("30 seconds")
        yield* anthropic(Effect.void)
        assert.strictEqual((yield* BreakerRegistry.checkHealth()).breakers[1]!.status, "healthy")
      }).pipe(Effect.provide(layer))
    }))
})

describe("the variable naming scheme", () => {
  it.effect("two breakers whose variables would coincide are refused (x and x-max: BREAKER_X_MAX_OPEN_DURATION)", () =>
    Effect.gen(function*() {
      // OPEN_DURATION is a `_`-suffix of MAX_OPEN_DURATION, so the check is at start-up
      assert.isTrue(fieldSpecs.some((a) => fieldSpecs.some((b) => a !== b && a.env.endsWith(`_${b.env}`))))
      const error = yield* Effect.flip(
        BreakerRegistry.fromConfig().pipe(
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["BREAKERS", "x,x-max"]])))
        )
      )
      assert.strictEqual(error.setting, "BREAKERS")
      assert.include(error.expected, "BREAKER_X_MAX_OPEN_DURATION")
    }))

  it.prop("envKey yields only A-Z, 0-9 and single inner underscores, and is idempotent", [fc.string()], ([name]) => {
    const key = envKey(name)
    assert.match(key, /^([A-Z0-9]+(_[A-Z0-9]+)*)?$/)
    assert.strictEqual(envKey(key), key)
  })
})
