import { assert, describe, it } from "@effect/vitest"
import { Cause, Chunk, Deferred, Duration, Effect, Exit, Fiber, Ref, Stream, TestClock } from "effect"
import { CircuitBreaker, CircuitOpenError, InvalidOptionError, Outcome, TripPolicy } from "effect-breaker"
import { BreakerObservers, type Observer } from "../../src/internal/observer.js"

class Boom {
  readonly _tag = "Boom"
}
class Throttled {
  readonly _tag = "Throttled"
}

type Recorded = { readonly code: number; readonly admittedIn: string }

/** A breaker whose recorded calls (outcome code 0 success, 1 failure, 2 ignored) land in `calls`. */
const makeBreaker = (options?: Partial<CircuitBreaker.Options>) =>
  Effect.gen(function*() {
    const calls: Array<Recorded> = []
    const observer: Observer = { onCall: (_b, admittedIn, code) => void calls.push({ code, admittedIn }) }
    const breaker = yield* CircuitBreaker.make({
      name: "tokens",
      policy: TripPolicy.consecutiveFailures(2),
      openDuration: "10 seconds",
      ...options
    }).pipe(Effect.provideService(BreakerObservers, [observer]))
    return { breaker, calls }
  })

/** A stream that counts how often it is pulled at all. */
const counted = <A, E>(pulls: Ref.Ref<number>, stream: Stream.Stream<A, E>) =>
  Stream.unwrap(Effect.as(Ref.update(pulls, (n) => n + 1), stream))

const failing = Stream.make(1, 2).pipe(Stream.concat(Stream.fail(new Boom())))

/** Opens the breaker with two failing streams. */
const trip = (breaker: CircuitBreaker.CircuitBreaker) =>
  Effect.repeatN(Effect.flip(Stream.runDrain(CircuitBreaker.protectStream(failing, breaker))), 1)

describe("StreamBreaker under TestClock", () => {
  it.effect("a stream that completes is one successful call, recorded before runCollect returns", () =>
    Effect.gen(function*() {
      const { breaker, calls } = yield* makeBreaker()
      const out = yield* Stream.make(1, 2, 3).pipe(CircuitBreaker.protectStream(breaker), Stream.runCollect)
      assert.deepStrictEqual(Chunk.toArray(out), [1, 2, 3])
      assert.deepStrictEqual(calls, [{ code: 0, admittedIn: "Closed" }])
      const stats = yield* breaker.stats
      assert.strictEqual(stats.calls, 1)
      assert.strictEqual(stats.failures, 0)
    }))

  it.effect("a mid-stream error is a failure with the stream's error; two open the breaker", () =>
    Effect.gen(function*() {
      const { breaker, calls } = yield* makeBreaker()
      const seen: Array<number> = []
      const error = yield* failing.pipe(
        CircuitBreaker.protectStream(breaker),
        Stream.runForEach((n) => Effect.sync(() => seen.push(n))),
        Effect.flip
      )
      assert.instanceOf(error, Boom)
      assert.deepStrictEqual(seen, [1, 2])
      assert.deepStrictEqual(calls.map((c) => c.code), [1])
      assert.strictEqual((yield* breaker.stats).consecutiveFailures, 1)
      yield* Effect.flip(Stream.runDrain(CircuitBreaker.protectStream(failing, breaker)))
      assert.strictEqual((yield* breaker.stats).state, "Open")
    }))

  it.effect("the breaker's classifier judges the stream's error (Ignored errors do not trip)", () =>
    Effect.gen(function*() {
      const { breaker, calls } = yield* makeBreaker({
        classify: Outcome.classifier<unknown, unknown>({
          onFailure: (e) => e instanceof Throttled ? Outcome.ignored : Outcome.failure()
        })
      })
      const throttled = Stream.make(1).pipe(Stream.concat(Stream.fail(new Throttled())))
      for (let i = 0; i < 3; i++) {
        assert.instanceOf(yield* Effect.flip(Stream.runDrain(CircuitBreaker.protectStream(throttled, breaker))), Throttled)
      }
      assert.deepStrictEqual(calls.map((c) => c.code), [2, 2, 2])
      assert.strictEqual((yield* breaker.stats).state, "Closed")
    }))

  it.effect("stopping early (take) is Ignored: nothing recorded, the circuit's counts unchanged", () =>
    Effect.gen(function*() {
      const { breaker, calls } = yield* makeBreaker()
      // one failure on record: an early stop must neither add a failure nor reset the streak
      yield* Effect.flip(Stream.runDrain(CircuitBreaker.protectStream(failing, breaker)))
      const endless = Stream.iterate(0, (n) => n + 1)
      const out = yield* endless.pipe(CircuitBreaker.protectStream(breaker), Stream.take(3), Stream.runCollect)
      assert.deepStrictEqual(Chunk.toArray(out), [0, 1, 2])
      assert.deepStrictEqual(calls.map((c) => c.code), [1])
      const stats = yield* breaker.stats
      assert.strictEqual(stats.consecutiveFailures, 1)
      assert.strictEqual(stats.calls, 1)
    }))

  it.effect("interrupting the consumer is Ignored", () =>
    Effect.gen(function*() {
      const { breaker, calls } = yield* makeBreaker()
      const first = yield* Deferred.make<void>()
      const stalls = Stream.make(1).pipe(Stream.concat(Stream.never))
      const fiber = yield* stalls.pipe(
        CircuitBreaker.protectStream(breaker),
        Stream.runForEach(() => Deferred.succeed(first, undefined)),
        Effect.fork
      )
      yield* Deferred.await(first)
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(calls, [])
      assert.strictEqual((yield* breaker.stats).calls, 0)
    }))

  it.effect("a rejected stream fails with CircuitOpenError without pulling the upstream", () =>
    Effect.gen(function*() {
      const { breaker } = yield* makeBreaker()
      yield* trip(breaker)
      const pulls = yield* Ref.make(0)
      yield* TestClock.adjust("3 seconds")
      const error = yield* counted(pulls, Stream.make(1)).pipe(CircuitBreaker.protectStream(breaker), Stream.runDrain, Effect.flip)
      assert.instanceOf(error, CircuitOpenError)
      assert.strictEqual(error.breaker, "tokens")
      assert.strictEqual(Duration.toMillis(error.retryAfter), 7000)
      assert.strictEqual(yield* Ref.get(pulls), 0)
      yield* breaker.forceOpen
      const forced = yield* counted(pulls, Stream.make(1)).pipe(CircuitBreaker.protectStream(breaker), Stream.runDrain, Effect.flip)
      assert.strictEqual((forced as CircuitOpenError).state, "ForcedOpen")
      assert.strictEqual(yield* Ref.get(pulls), 0)
    }))

  it.effect("time to first element: no element within the limit fails with StreamTimeoutError, a failure", () =>
    Effect.gen(function*() {
      const { breaker, calls } = yield* makeBreaker()
      const guard = yield* CircuitBreaker.makeStream(breaker, { firstElementTimeout: "5 seconds" })
      const slowStart = Stream.fromEffect(Effect.as(Effect.sleep("6 seconds"), "late"))
      const fiber = yield* slowStart.pipe(guard, Stream.runCollect, Effect.fork)
      yield* TestClock.adjust("4999 millis")
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("1 millis")
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      assert.instanceOf(error, CircuitBreaker.StreamTimeoutError)
      assert.strictEqual((error as CircuitBreaker.StreamTimeoutError).breaker, "tokens")
      assert.strictEqual(Duration.toMillis((error as CircuitBreaker.StreamTimeoutError).timeout), 5000)
      assert.match((error as Error).message, /no element within 5s/)
      assert.deepStrictEqual(calls.map((c) => c.code), [1])
    }))

  it.effect("time to first element limits only the first element; later gaps of 60 s are within the idle limit (120 s)", () =>
    Effect.gen(function*() {
      const { breaker, calls } = yield* makeBreaker()
      const guard = yield* CircuitBreaker.makeStream(breaker, { firstElementTimeout: "5 seconds" })
      // an empty chunk first, then an element at 4s, then gaps of 60s
      const ticks = Stream.fromChunk(Chunk.empty<number>()).pipe(
        Stream.concat(Stream.fromEffect(Effect.as(Effect.sleep("4 seconds"), 1))),
        Stream.concat(Stream.fromEffect(Effect.as(Effect.sleep("60 seconds"), 2))),
        Stream.concat(Stream.fromEffect(Effect.as(Effect.sleep("60 seconds"), 3)))
      )
      const fiber = yield* ticks.pipe(guard, Stream.runCollect, Effect.fork)
      yield* TestClock.adjust("4 seconds")
      yield* TestClock.adjust("60 seconds")
      yield* TestClock.adjust("60 seconds")
      const out = yield* Fiber.join(fiber)
      assert.deepStrictEqual(Chunk.toArray(out), [1, 2, 3])
      assert.deepStrictEqual(calls.map((c) => c.code), [0])
    }))

  it.effect("an upstream that ends before any element is not a timeout", () =>
    Effect.gen(function*() {
      const { breaker, calls } = yield* makeBreaker()
      const guard = yield* CircuitBreaker.makeStream(breaker, { firstElementTimeout: "5 seconds" })
      const out = yield* Stream.empty.pipe(guard, Stream.runCollect)
      assert.strictEqual(out.length, 0)
      assert.deepStrictEqual(calls.map((c) => c.code), [0])
    }))

  it.effect("an error item inside a successful stream counts as a failure at once; the item still reaches the consumer", () =>
    Effect.gen(function*() {
      const { breaker, calls } = yield* makeBreaker()
      const guard = yield* CircuitBreaker.makeStream(breaker, {
        itemError: (part: { type: string }) => part.type === "error" ? new Boom() : undefined
      })
      const parts = Stream.make({ type: "text" }, { type: "error" }, { type: "text" }, { type: "error" })
      const out = yield* parts.pipe(guard, Stream.runCollect)
      assert.deepStrictEqual(Chunk.toArray(out).map((p) => p.type), ["text", "error", "text", "error"])
      assert.deepStrictEqual(calls.map((c) => c.code), [1])
      // a consumer that stops right at the error part: still a failure, recorded before it stops
      const stopped = yield* parts.pipe(guard, Stream.takeUntil((p) => p.type === "error"), Stream.runCollect)
      assert.strictEqual(stopped.length, 2)
      assert.deepStrictEqual(calls.map((c) => c.code), [1, 1])
      assert.strictEqual((yield* breaker.stats).state, "Open")
    }))

  // How a half-open probe's permit is given back however the stream ends (completes, fails, interrupted,
  // take, first-element timeout) is tested once, over every store: test/conformance/streams.ts.
  it.effect("a stream admitted in HalfOpen is a probe: observers see it admitted in HalfOpen, its success closes the circuit", () =>
    Effect.gen(function*() {
      const { breaker, calls } = yield* makeBreaker({ halfOpen: { permits: 1 } })
      yield* trip(breaker)
      yield* TestClock.adjust("10 seconds")
      const out = yield* Stream.make(1, 2).pipe(CircuitBreaker.protectStream(breaker), Stream.runCollect)
      assert.deepStrictEqual(Chunk.toArray(out), [1, 2])
      assert.deepStrictEqual(calls.at(-1), { code: 0, admittedIn: "HalfOpen" })
      assert.strictEqual((yield* breaker.stats).state, "Closed")
    }))

  it.effect("a disabled breaker lets streams through and records nothing", () =>
    Effect.gen(function*() {
      const { breaker, calls } = yield* makeBreaker()
      yield* breaker.disable
      yield* trip(breaker)
      const out = yield* Stream.make(1).pipe(CircuitBreaker.protectStream(breaker), Stream.runCollect)
      assert.deepStrictEqual(Chunk.toArray(out), [1])
      assert.deepStrictEqual(calls, [])
    }))

  it.effect("each run of a protected stream is its own call", () =>
    Effect.gen(function*() {
      const { breaker, calls } = yield* makeBreaker()
      const protectedStream = CircuitBreaker.protectStream(Stream.make(1, 2), breaker)
      yield* Stream.runDrain(protectedStream)
      yield* Stream.runDrain(protectedStream)
      assert.deepStrictEqual(calls.map((c) => c.code), [0, 0])
    }))

  it.effect("bad options fail with InvalidOptionError naming the option", () =>
    Effect.gen(function*() {
      const { breaker } = yield* makeBreaker()
      for (const bad of [0, -5, "soon" as Duration.DurationInput]) {
        const error = yield* Effect.flip(CircuitBreaker.makeStream(breaker, { firstElementTimeout: bad }))
        assert.instanceOf(error, InvalidOptionError)
        assert.strictEqual(error.option, "firstElementTimeout")
        assert.strictEqual(error.value, typeof bad === "string" ? JSON.stringify(bad) : String(bad))
      }
      const unlimited = yield* CircuitBreaker.makeStream(breaker, {
        firstElementTimeout: Duration.infinity,
        idleTimeout: Duration.infinity,
        totalTimeout: Duration.infinity
      })
      const fiber = yield* Stream.fromEffect(Effect.as(Effect.sleep("1 hour"), 1)).pipe(unlimited, Stream.runCollect, Effect.fork)
      yield* TestClock.adjust("1 hour")
      assert.deepStrictEqual(Chunk.toArray(yield* Fiber.join(fiber)), [1])
    }))
})
