/**
 * A retry's delays are whole milliseconds. The default backoff is jittered, so
 * its delays were fractional; under a TestClock the retried attempt's span
 * (`retry.attempt`) then started at a fractional instant, and Effect's clock
 * died turning it into BigInt nanoseconds: a RangeError defect instead of the
 * caller's error, at random (the jitter), in the very tests the project
 * recommends (TestClock for breaker timing).
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Clock, Effect, Exit, Fiber, TestClock } from "effect"
import { CircuitBreaker, Resilience, Retry } from "effect-breaker"

describe("retry delays under a TestClock", () => {
  it.effect("are whole milliseconds: no RangeError from a span, the caller gets its own error", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({ name: "whole-millis", policy: { _tag: "ConsecutiveFailures", threshold: 1000 } })
      const policy = yield* Resilience.make({ breaker, retry: { times: 3, base: "7 millis", jitter: 1 } })
      const retry = yield* Retry.make({ times: 3, base: "7 millis", jitter: 1 })
      for (let i = 0; i < 10; i++) {
        const calls = [
          Effect.fail("E").pipe(Effect.withSpan("call"), Resilience.protect(policy)),
          Effect.fail("E").pipe(Effect.withSpan("call"), Retry.retry(retry))
        ]
        for (const call of calls) {
          const fiber = yield* Effect.fork(Effect.exit(call))
          for (let j = 0; j < 10; j++) yield* TestClock.adjust("50 millis")
          const exit = yield* Fiber.join(fiber)
          assert.isTrue(Exit.isFailure(exit))
          if (Exit.isFailure(exit)) {
            assert.deepStrictEqual(Cause.failureOption(exit.cause)._tag, "Some", Cause.pretty(exit.cause).slice(0, 300))
          }
          assert.strictEqual((yield* Clock.currentTimeMillis) % 1, 0)
        }
      }
    }))
})
