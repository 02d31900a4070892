/**
 * The stream limits' watchdog (one fiber per run, sleeping until the current
 * deadline): it never sleeps past a deadline that moved earlier, wakes when
 * only an idle limit applies after the first element, and leaves nothing
 * behind. All time is the TestClock's.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Chunk, Duration, Effect, Exit, Fiber, Stream, TestClock } from "effect"
import { CircuitBreaker } from "effect-breaker"

const timeoutOf = (exit: Exit.Exit<unknown, unknown>) => {
  assert.isTrue(Exit.isFailure(exit))
  const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
  assert.instanceOf(error, CircuitBreaker.StreamTimeoutError)
  return error as CircuitBreaker.StreamTimeoutError
}

const after = <A>(gap: Duration.DurationInput, a: A) => Stream.fromEffect(Effect.as(Effect.sleep(gap), a))

describe("stream limits watchdog (TestClock)", () => {
  it.effect("an idle limit shorter than the first-element limit fires exactly on time", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({ name: "w1" })
      const guard = yield* CircuitBreaker.makeStream(breaker, {
        firstElementTimeout: "60 seconds",
        idleTimeout: "5 seconds",
        totalTimeout: Duration.infinity
      })
      // first element at 1 s, then silence: the idle deadline (6 s) comes before the first-element one (60 s)
      const fiber = yield* after("1 second", 0).pipe(Stream.concat(Stream.never), guard, Stream.runDrain, Effect.fork)
      yield* TestClock.adjust("5999 millis")
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("1 millis")
      const error = timeoutOf(yield* Fiber.await(fiber))
      assert.strictEqual(error.kind, "idle")
      assert.strictEqual((yield* breaker.stats).failures, 1)
    }))

  it.effect("with only an idle limit, the wait for the first element is unbounded and the idle limit starts after it", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({ name: "w2" })
      const guard = yield* CircuitBreaker.makeStream(breaker, {
        firstElementTimeout: Duration.infinity,
        idleTimeout: "10 seconds",
        totalTimeout: Duration.infinity
      })
      const fiber = yield* after("1 hour", 0).pipe(Stream.concat(Stream.never), guard, Stream.runDrain, Effect.fork)
      yield* TestClock.adjust("1 hour")
      yield* TestClock.adjust("9999 millis")
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(timeoutOf(yield* Fiber.await(fiber)).kind, "idle")
    }))

  it.effect("a slow consumer does not move the idle deadline earlier; a stream that ends leaves no fiber sleeping", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({ name: "w3" })
      const guard = yield* CircuitBreaker.makeStream(breaker, { idleTimeout: "10 seconds" })
      // elements 8 s apart from each pull; the consumer spends 30 s on each
      const source = Stream.make(0).pipe(Stream.concat(after("8 seconds", 1)), Stream.concat(after("8 seconds", 2)))
      const fiber = yield* source.pipe(guard, Stream.mapEffect((n) => Effect.as(Effect.sleep("30 seconds"), n)), Stream.runCollect, Effect.fork)
      for (let i = 0; i < 30; i++) yield* TestClock.adjust("5 seconds")
      assert.deepStrictEqual(Chunk.toArray(yield* Fiber.join(fiber)), [0, 1, 2])
      assert.strictEqual((yield* breaker.stats).failures, 0)
      assert.strictEqual((yield* TestClock.sleeps()).length, 0)
    }))
})
