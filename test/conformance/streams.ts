/**
 * Conformance tests for streams through a breaker (the whole stream is one
 * call): a half-open probe's permit is given back however the stream ends.
 * Moved from test/stream/StreamBreaker.test.ts (this is now their only copy),
 * run over each store. Part of
 * `conformance(label, store)`.
 */
import { assert, describe } from "@effect/vitest"
import { Chunk, Deferred, Effect, Fiber, Stream, TestClock } from "effect"
import { CircuitBreaker, type CircuitOpenError, TripPolicy } from "effect-breaker"
import { Boom, harness, type StoreUnderTest } from "./harness.js"

const failing = Stream.make(1, 2).pipe(Stream.concat(Stream.fail(new Boom())))

export const streamConformance = <R>(label: string, store: StoreUnderTest<R>): void => {
  const { effect, settle, statsOf } = harness(store)

  /** A breaker opened by two failing streams, then moved past its open time. */
  const probing = (name: string) =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({
        name,
        policy: TripPolicy.consecutiveFailures(2),
        openDuration: "10 seconds",
        halfOpen: { permits: 1 }
      })
      for (let i = 0; i < 2; i++) yield* Effect.flip(Stream.runDrain(CircuitBreaker.protectStream(failing, breaker)))
      yield* settle
      assert.strictEqual((yield* statsOf(breaker)).state, "Open")
      yield* TestClock.adjust("10 seconds")
      return breaker
    })

  /** Starts a probe stream that emits one element then waits on `gate`; returns once the probe is in flight. */
  const startProbe = (breaker: CircuitBreaker.CircuitBreaker, gate: Deferred.Deferred<void, Boom>) =>
    Effect.gen(function*() {
      const first = yield* Deferred.make<void>()
      const stream = Stream.make(1).pipe(Stream.concat(Stream.fromEffect(Effect.as(Deferred.await(gate), 2))))
      const fiber = yield* stream.pipe(
        CircuitBreaker.protectStream(breaker),
        Stream.tap(() => Deferred.succeed(first, undefined)),
        Stream.runCollect,
        Effect.fork
      )
      yield* Deferred.await(first)
      return fiber
    })

  describe(`streams: a half-open probe is released however the stream ends (${label})`, () => {
    effect("while a probe stream runs, other streams are rejected; the probe completing closes the circuit", () =>
      Effect.gen(function*() {
        const breaker = yield* probing("stream-probe-completes")
        const gate = yield* Deferred.make<void, Boom>()
        const probe = yield* startProbe(breaker, gate)
        assert.strictEqual((yield* statsOf(breaker)).probesInFlight, 1)
        const rejected = yield* Effect.flip(Stream.runDrain(CircuitBreaker.protectStream(Stream.make(1), breaker)))
        assert.strictEqual((rejected as CircuitOpenError).state, "HalfOpen")
        yield* Deferred.succeed(gate, undefined)
        assert.deepStrictEqual(Chunk.toArray(yield* Fiber.join(probe)), [1, 2])
        assert.strictEqual((yield* statsOf(breaker)).state, "Closed")
      }))

    effect("the probe stream failing reopens the circuit", () =>
      Effect.gen(function*() {
        const breaker = yield* probing("stream-probe-fails")
        const gate = yield* Deferred.make<void, Boom>()
        const probe = yield* startProbe(breaker, gate)
        yield* Deferred.fail(gate, new Boom())
        assert.instanceOf(yield* Effect.flip(Fiber.join(probe)), Boom)
        const stats = yield* statsOf(breaker)
        assert.strictEqual(stats.state, "Open")
        assert.strictEqual(stats.probesInFlight, 0)
      }))

    effect("the probe consumer interrupted: permit freed, still half-open, the next stream is admitted", () =>
      Effect.gen(function*() {
        const breaker = yield* probing("stream-probe-interrupted")
        const gate = yield* Deferred.make<void, Boom>()
        const probe = yield* startProbe(breaker, gate)
        yield* Fiber.interrupt(probe)
        const stats = yield* statsOf(breaker)
        assert.strictEqual(stats.state, "HalfOpen")
        assert.strictEqual(stats.probesInFlight, 0)
        const out = yield* Stream.make(7).pipe(CircuitBreaker.protectStream(breaker), Stream.runCollect)
        assert.deepStrictEqual(Chunk.toArray(out), [7])
        assert.strictEqual((yield* statsOf(breaker)).state, "Closed")
      }))

    effect("the probe consumer stopping early (take): permit freed, the next stream is admitted", () =>
      Effect.gen(function*() {
        const breaker = yield* probing("stream-probe-take")
        const out = yield* Stream.iterate(0, (n) => n + 1).pipe(
          CircuitBreaker.protectStream(breaker),
          Stream.take(2),
          Stream.runCollect
        )
        assert.strictEqual(out.length, 2)
        const stats = yield* statsOf(breaker)
        assert.strictEqual(stats.state, "HalfOpen")
        assert.strictEqual(stats.probesInFlight, 0)
        const next = yield* Stream.make(8).pipe(CircuitBreaker.protectStream(breaker), Stream.runCollect)
        assert.deepStrictEqual(Chunk.toArray(next), [8])
        assert.strictEqual((yield* statsOf(breaker)).state, "Closed")
      }))

    effect("the probe timing out before its first element: a failure, permit freed, circuit reopened", () =>
      Effect.gen(function*() {
        const breaker = yield* probing("stream-probe-timeout")
        const guard = yield* CircuitBreaker.makeStream(breaker, { firstElementTimeout: "2 seconds" })
        const fiber = yield* Stream.never.pipe(guard, Stream.runDrain, Effect.fork)
        yield* TestClock.adjust("2 seconds")
        assert.instanceOf(yield* Effect.flip(Fiber.join(fiber)), CircuitBreaker.StreamTimeoutError)
        const stats = yield* statsOf(breaker)
        assert.strictEqual(stats.state, "Open")
        assert.strictEqual(stats.probesInFlight, 0)
      }))
  })
}
