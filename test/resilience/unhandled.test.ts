/**
 * Issue 9 finding 5: nothing the library forks may end with an unhandled
 * failure. Effect logs such a fiber as "Fiber terminated with an unhandled
 * error" with its full cause (at DEBUG by default), a log channel outside the
 * library's redaction. These tests run every forking path with a logger that
 * keeps every line at every level and assert that no such line appears.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Logger, LogLevel, Stream, TestClock } from "effect"
import { CircuitBreaker, Fallback, TripPolicy } from "effect-breaker"
import { Unavailable } from "./lib.js"

const captured = () => {
  const lines: Array<string> = []
  const logger = Logger.make(({ message }) => {
    lines.push(Array.isArray(message) ? message.map(String).join(" ") : String(message))
  })
  const provide = <A, E, R>(self: Effect.Effect<A, E, R>) =>
    self.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)), Logger.withMinimumLogLevel(LogLevel.All))
  const unhandled = () => lines.filter((l) => l.includes("unhandled"))
  return { lines, provide, unhandled }
}

const hedged = <B, E2>(hedge: Fallback.Hedge, fallback: Effect.Effect<B, E2>) => <A, E>(self: Effect.Effect<A, E>) =>
  Fallback.serve(self, { fallback: [Fallback.effect("backup", fallback)], hedge })

const failsAfter = (ms: number) => Effect.delay(Effect.fail(new Unavailable({})), `${ms} millis`)

describe("no unhandled failures from forked fibers", () => {
  it.effect("a hedge whose primary fails after the fallback answered, and one where both fail", () => {
    const log = captured()
    return log.provide(Effect.scoped(Effect.gen(function*() {
      const hedge = yield* Fallback.makeHedge({ delay: "100 millis", name: "backup" })
      // the fallback answers at 100 ms; the primary, still running in the hedge's scope, fails at 300 ms
      const first = yield* Effect.fork(failsAfter(300).pipe(hedged(hedge, Effect.succeed("backup"))))
      yield* TestClock.adjust("100 millis")
      assert.strictEqual((yield* Fiber.join(first)).value, "backup")
      yield* TestClock.adjust("300 millis")
      assert.strictEqual(yield* hedge.inFlight, 0)
      // both sides fail after the hedge fired
      const second = yield* Effect.fork(
        Effect.flip(failsAfter(200).pipe(hedged(hedge, failsAfter(50))))
      )
      yield* TestClock.adjust("300 millis")
      const error = yield* Fiber.join(second)
      assert.strictEqual(error._tag, "Unavailable")
      // the fallback fails first while the primary still runs, then the primary fails
      const third = yield* Effect.fork(
        Effect.flip(failsAfter(400).pipe(hedged(hedge, failsAfter(10))))
      )
      yield* TestClock.adjust("500 millis")
      yield* Fiber.join(third)
      assert.strictEqual(yield* hedge.inFlight, 0)
      assert.deepStrictEqual(log.unhandled(), [])
    })))
  })

  it.effect("a stream through a breaker adds no such line to what Effect's own stream runner logs", () => {
    // Effect's stream runner forks a fiber per run (channelExecutor: forkIn + await), which ends with the
    // stream's failure: Effect itself logs that for any failing stream. The breaker must add nothing to it.
    const log = captured()
    return log.provide(Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({ name: "s", policy: TripPolicy.consecutiveFailures(1) })
      const failing = Stream.concat(Stream.make(1), Stream.fail(new Unavailable({})))
      yield* Effect.flip(Stream.runCollect(failing))
      const bare = log.unhandled().length
      yield* Effect.flip(Stream.runCollect(failing.pipe(CircuitBreaker.protectStream(breaker))))
      assert.strictEqual(log.unhandled().length, 2 * bare, "the failing stream: as many lines as without the breaker")
      yield* Effect.flip(Stream.runCollect(Stream.make(1).pipe(CircuitBreaker.protectStream(breaker))))
      assert.strictEqual(log.unhandled().length, 3 * bare, "a rejected stream: as many as any failing stream")
    }))
  })

  it.effect("the logger sees a failing forked fiber (the check can fail)", () => {
    const log = captured()
    return log.provide(Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.fail("boom"))
      yield* Fiber.await(fiber)
      assert.strictEqual(log.unhandled().length, 1)
    }))
  })
})
