import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, TestClock } from "effect"
import { CircuitBreaker, CircuitOpenError, InvalidOptionError, TripPolicy } from "effect-breaker"
import { BadRequest, counted, Fallback, Retry, Unavailable } from "./lib.js"

const breakers = Effect.all([
  CircuitBreaker.make({ name: "openai", policy: TripPolicy.consecutiveFailures(2), openDuration: "30 seconds" }),
  CircuitBreaker.make({ name: "anthropic", policy: TripPolicy.consecutiveFailures(2), openDuration: "10 seconds" })
])

describe("Failover", () => {
  it.effect("the first step serves when healthy; a failure moves on and says who served", () =>
    Effect.gen(function*() {
      const [b1, b2] = yield* breakers
      let openaiUp = true
      const ask = yield* Fallback.failover([
        { name: "openai", breaker: b1, run: (q: string) => openaiUp ? Effect.succeed(`openai:${q}`) : Effect.fail(new Unavailable({})) },
        { name: "anthropic", breaker: b2, run: (q: string) => Effect.succeed(`anthropic:${q}`) }
      ])
      assert.deepStrictEqual(yield* ask.serve("hi"), { value: "openai:hi", servedBy: { _tag: "Primary" } })
      openaiUp = false
      assert.deepStrictEqual(yield* ask.serve("hi"), { value: "anthropic:hi", servedBy: { _tag: "Fallback", name: "anthropic" } })
      assert.deepStrictEqual(yield* ask("yo"), { value: "anthropic:yo", servedBy: { _tag: "Fallback", name: "anthropic" } }, "calling it serves too")
      assert.deepStrictEqual(ask.names, ["openai", "anthropic"])
    }))

  it.effect("an open step is skipped without spending its attempts or its delays", () =>
    Effect.gen(function*() {
      const [b1, b2] = yield* breakers
      const primary = yield* counted(() => Effect.fail(new Unavailable({})))
      const retry = yield* Retry.make({ times: 5, base: "1 second", jitter: 0 })
      yield* b1.forceOpen
      const ask = yield* Fallback.failover([
        { name: "openai", breaker: b1, retry, run: primary.call },
        { name: "anthropic", breaker: b2, run: Effect.succeed("anthropic") }
      ])
      const fiber = yield* Effect.fork(ask.serve())
      yield* Effect.yieldNow()
      assert.isNotNull(fiber.unsafePoll(), "answered with no clock movement: no retry delay was spent")
      const served = yield* Fiber.join(fiber)
      assert.strictEqual(served.value, "anthropic")
      assert.strictEqual(yield* primary.runs, 0)
      assert.strictEqual((yield* b1.stats).rejected, 1, "one admission check, no retries of a rejection")
    }))

  it.effect("a step whose circuit opens during its retries is left at that moment", () =>
    Effect.gen(function*() {
      const [b1, b2] = yield* breakers
      const primary = yield* counted(() => Effect.fail(new Unavailable({})))
      const retry = yield* Retry.make({ times: 10, base: "1 second", jitter: 0 })
      const ask = yield* Fallback.failover([
        { name: "openai", breaker: b1, retry, run: primary.call },
        { name: "anthropic", breaker: b2, run: Effect.succeed("anthropic") }
      ])
      const fiber = yield* Effect.fork(ask())
      yield* TestClock.adjust("3 seconds") // failures at 0 and 1 s open openai; its next attempt (at 3 s) is rejected
      assert.strictEqual((yield* Fiber.join(fiber)).value, "anthropic")
      assert.strictEqual(yield* primary.runs, 2, "openai saw exactly its trip threshold")
    }))

  it.effect("every step open: CircuitOpenError with the smallest retryAfter", () =>
    Effect.gen(function*() {
      const [b1, b2] = yield* breakers
      const ask = yield* Fallback.failover([
        { name: "openai", breaker: b1, run: Effect.fail(new Unavailable({})) },
        { name: "anthropic", breaker: b2, run: Effect.fail(new Unavailable({})) }
      ])
      yield* Effect.flip(ask())
      yield* Effect.flip(ask()) // both tripped (threshold 2): openai open 30 s, anthropic 10 s
      yield* TestClock.adjust("4 seconds")
      const error = yield* Effect.flip(ask())
      assert.instanceOf(error, CircuitOpenError)
      if (error instanceof CircuitOpenError) {
        assert.strictEqual(error.breaker, "anthropic")
        assert.strictEqual(Duration.toMillis(error.retryAfter), 6_000)
      }
    }))

  it.effect("some step ran and failed, the rest open: the real failure is returned", () =>
    Effect.gen(function*() {
      const [b1, b2] = yield* breakers
      yield* b2.forceOpen
      const ask = yield* Fallback.failover([
        { name: "openai", breaker: b1, run: Effect.fail(new Unavailable({})) },
        { name: "anthropic", breaker: b2, run: Effect.succeed("x") }
      ])
      const error = yield* Effect.flip(ask())
      assert.strictEqual(error._tag, "Unavailable")
    }))

  it.effect("a non-retryable error stops failover (a bad request fails everywhere)", () =>
    Effect.gen(function*() {
      const [b1, b2] = yield* breakers
      const second = yield* counted(() => Effect.succeed("x"))
      const ask = yield* Fallback.failover([
        { name: "openai", breaker: b1, run: Effect.fail(new BadRequest()) as Effect.Effect<string, BadRequest | Unavailable> },
        { name: "anthropic", breaker: b2, run: second.call }
      ], { while: (e) => e._tag !== "BadRequest" })
      const error = yield* Effect.flip(ask())
      assert.strictEqual(error._tag, "BadRequest")
      assert.strictEqual(yield* second.runs, 0)
    }))

  it.effect("malformed steps fail with InvalidOptionError naming the step", () =>
    Effect.gen(function*() {
      const [b1] = yield* breakers
      const e1 = yield* Effect.flip(Fallback.failover([]))
      assert.instanceOf(e1, InvalidOptionError)
      assert.strictEqual(e1.option, "steps")
      const e2 = yield* Effect.flip(Fallback.failover([{ name: "a", breaker: b1, run: Effect.void }, { name: "b", breaker: {} as any, run: Effect.void }]))
      assert.strictEqual(e2.option, "steps[1].breaker")
    }))
})
