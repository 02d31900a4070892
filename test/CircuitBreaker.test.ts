import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Either, Schedule, TestClock } from "effect"
import { CircuitBreaker, TripPolicy } from "effect-breaker"

class Boom {
  readonly _tag = "Boom"
}

// The behaviour tests run per store: test/conformance/breaker.ts (memory store: test/conformance/memory.test.ts).

describe("CircuitBreaker options", () => {
  const bad: ReadonlyArray<readonly [string, CircuitBreaker.Options, string, string]> = [
    ["empty name", { name: "" }, "name", "\"\""],
    ["name not a string", { name: 42 as unknown as string }, "name", "42"],
    ["threshold 0", { name: "x", policy: TripPolicy.consecutiveFailures(0) }, "policy.threshold", "0"],
    ["threshold 2.5", { name: "x", policy: TripPolicy.consecutiveFailures(2.5) }, "policy.threshold", "2.5"],
    ["rate 1.5", { name: "x", policy: TripPolicy.failureRate({ threshold: 1.5 }) }, "policy.threshold", "1.5"],
    ["rate 0", { name: "x", policy: TripPolicy.failureRate({ threshold: 0 }) }, "policy.threshold", "0"],
    ["rate NaN", { name: "x", policy: TripPolicy.failureRate({ threshold: NaN }) }, "policy.threshold", "NaN"],
    ["minimum calls 0", { name: "x", policy: TripPolicy.failureRate({ threshold: 0.5, minimumCalls: 0 }) }, "policy.minimumCalls", "0"],
    [
      "window smaller than minimum calls",
      { name: "x", policy: TripPolicy.failureRate({ threshold: 0.5, minimumCalls: 20, window: TripPolicy.lastCalls(10) }) },
      "policy.window.size",
      "10"
    ],
    [
      "window of 0 calls",
      { name: "x", policy: TripPolicy.failureRate({ threshold: 0.5, minimumCalls: 1, window: TripPolicy.lastCalls(0) }) },
      "policy.window.size",
      "0"
    ],
    [
      "negative time window",
      { name: "x", policy: TripPolicy.failureRate({ threshold: 0.5, window: TripPolicy.lastDuration(-5) }) },
      "policy.window.duration",
      "-5"
    ],
    [
      "zero buckets",
      { name: "x", policy: TripPolicy.failureRate({ threshold: 0.5, window: TripPolicy.lastDuration("10 seconds", 0) }) },
      "policy.window.buckets",
      "0"
    ],
    [
      "slow duration garbage",
      { name: "x", policy: TripPolicy.slowCallRate({ duration: "soon" as Duration.DurationInput, threshold: 0.5 }) },
      "policy.duration",
      "\"soon\""
    ],
    [
      "slow rate 2",
      { name: "x", policy: TripPolicy.slowCallRate({ duration: "1 second", threshold: 2 }) },
      "policy.threshold",
      "2"
    ],
    ["empty any", { name: "x", policy: TripPolicy.any() }, "policy.policies", "[]"],
    [
      "bad policy inside any",
      { name: "x", policy: TripPolicy.any(TripPolicy.consecutiveFailures(3), TripPolicy.failureRate({ threshold: -1 })) },
      "policy.policies[1].threshold",
      "-1"
    ],
    ["unknown policy", { name: "x", policy: { _tag: "Sometimes" } as unknown as TripPolicy.TripPolicy }, "policy._tag", "\"Sometimes\""],
    ["negative open duration", { name: "x", openDuration: -1 }, "openDuration", "-1"],
    ["negative open duration string", { name: "x", openDuration: "-3 seconds" as Duration.DurationInput }, "openDuration", "\"-3 seconds\""],
    ["infinite open duration", { name: "x", openDuration: Duration.infinity }, "openDuration", "Infinity"],
    ["negative max open duration", { name: "x", maxOpenDuration: -10 }, "maxOpenDuration", "-10"],
    ["zero permits", { name: "x", halfOpen: { permits: 0 } }, "halfOpen.permits", "0"],
    ["fractional permits", { name: "x", halfOpen: { permits: 1.5 } }, "halfOpen.permits", "1.5"],
    ["zero successes", { name: "x", halfOpen: { successesToClose: 0 } }, "halfOpen.successesToClose", "0"],
    ["zero probe timeout", { name: "x", halfOpen: { probeTimeout: 0 } }, "halfOpen.probeTimeout", "0"],
    ["classify not a function", { name: "x", classify: "yes" as unknown as CircuitBreaker.Options["classify"] }, "classify", "\"yes\""]
  ]
  for (const [title, options, option, value] of bad) {
    it.effect(`${title}: InvalidOptionError names ${option} and ${value}`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(CircuitBreaker.make(options))
        assert.strictEqual(error._tag, "InvalidOptionError")
        assert.strictEqual(error.option, option)
        assert.strictEqual(error.value, value)
        assert.include(error.message, option)
        assert.include(error.message, value)
      }))
  }

  it.effect("a Schedule that ends keeps its last delay; one that yields nothing is rejected", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({
        name: "finite-schedule",
        policy: TripPolicy.consecutiveFailures(1),
        openDuration: Schedule.exponential("1 second").pipe(Schedule.intersect(Schedule.recurs(2)))
      })
      for (const expected of [1_000, 2_000, 2_000]) {
        yield* Effect.flip(breaker(Effect.fail(new Boom())))
        assert.strictEqual((yield* breaker.stats).retryAfterMs, expected)
        yield* TestClock.adjust(expected)
      }
      const error = yield* Effect.flip(CircuitBreaker.make({ name: "x", openDuration: Schedule.stop }))
      assert.strictEqual(error.option, "openDuration")
    }))

  it.effect("valid defaults: five consecutive failures, 30 seconds open, one probe", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({ name: "defaults" })
      for (let i = 0; i < 4; i++) yield* Effect.flip(breaker(Effect.fail(new Boom())))
      assert.strictEqual((yield* breaker.stats).state, "Closed")
      yield* Effect.flip(breaker(Effect.fail(new Boom())))
      assert.strictEqual((yield* breaker.stats).retryAfterMs, 30_000)
    }))
})

describe("TripPolicy.validate", () => {
  it("checks a policy on its own with the breaker's own checks", () => {
    const bad = TripPolicy.validate(TripPolicy.any(TripPolicy.consecutiveFailures(3), TripPolicy.failureRate({ threshold: 1.5 })))
    assert.isTrue(Either.isLeft(bad))
    if (Either.isLeft(bad)) {
      assert.strictEqual(bad.left.option, "policy.policies[1].threshold")
      assert.strictEqual(bad.left.message, `Invalid option "policy.policies[1].threshold": got 1.5, expected a number in (0, 1]`)
    }
    const good = TripPolicy.failureRate({ threshold: 0.5, window: TripPolicy.lastDuration("1 minute") })
    assert.deepStrictEqual(TripPolicy.validate(good), Either.right(good))
  })
})

