/**
 * Issue 9 finding 4: a stream that stalls after its first tokens is bounded
 * (idle limit between elements, total limit on the wait) and counted as a
 * failure, by the stream breaker and by the LanguageModel wrappers, with
 * defaults for streaming LLM answers (60 s to the first element, 120 s between
 * elements, 10 min in all). All time is the TestClock's.
 */
import { AiError, LanguageModel } from "@effect/ai"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Chunk, Deferred, Duration, Effect, Exit, Fiber, Layer, Stream, TestClock } from "effect"
import { CircuitBreaker, InvalidOptionError, TripPolicy } from "effect-breaker"
import { fromAiError, LanguageModelBreaker } from "effect-breaker/ai"
import { Behavior, FakeProvider } from "effect-breaker/testing"
import { modelLayer } from "../support/aiClients.js"

const breakerOf = (threshold = 2) =>
  CircuitBreaker.make({ name: "tokens", policy: TripPolicy.consecutiveFailures(threshold), openDuration: "30 seconds" })

/** Two elements at once, then silence forever. */
const stalling = Stream.make("a", "b").pipe(Stream.concat(Stream.never))

const timeoutOf = (exit: Exit.Exit<unknown, unknown>) => {
  assert.isTrue(Exit.isFailure(exit))
  const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
  assert.instanceOf(error, CircuitBreaker.StreamTimeoutError)
  return error as CircuitBreaker.StreamTimeoutError
}

describe("stream time limits (TestClock)", () => {
  it.effect("by default, a stream that stalls after its first elements fails after 120 s of silence and counts as a failure", () =>
    Effect.gen(function*() {
      const breaker = yield* breakerOf()
      const guard = yield* CircuitBreaker.makeStream(breaker)
      const seen: Array<string> = []
      const fiber = yield* stalling.pipe(guard, Stream.runForEach((s) => Effect.sync(() => seen.push(s))), Effect.fork)
      yield* TestClock.adjust("119999 millis")
      assert.isNull(fiber.unsafePoll())
      assert.deepStrictEqual(seen, ["a", "b"])
      yield* TestClock.adjust("1 millis")
      const error = timeoutOf(yield* Fiber.await(fiber))
      assert.strictEqual(error.kind, "idle")
      assert.strictEqual(Duration.toMillis(error.timeout), 120_000)
      assert.match(error.message, /no element for 2m after its last one/)
      const stats = yield* breaker.stats
      assert.strictEqual(stats.failures, 1)
      // a second stall opens the circuit (threshold 2)
      const second = yield* stalling.pipe(guard, Stream.runDrain, Effect.fork)
      yield* TestClock.adjust("120 seconds")
      timeoutOf(yield* Fiber.await(second))
      assert.strictEqual((yield* breaker.stats).state, "Open")
    }))

  it.effect("the idle limit restarts at every element; only a longer gap fails", () =>
    Effect.gen(function*() {
      const breaker = yield* breakerOf()
      const guard = yield* CircuitBreaker.makeStream(breaker, { idleTimeout: "5 seconds" })
      const tick = (n: number, gap: Duration.DurationInput) => Stream.fromEffect(Effect.as(Effect.sleep(gap), n))
      const ok = Stream.make(0).pipe(Stream.concat(tick(1, "4 seconds")), Stream.concat(tick(2, "4999 millis")))
      const fiber = yield* ok.pipe(guard, Stream.runCollect, Effect.fork)
      yield* TestClock.adjust("4 seconds")
      yield* TestClock.adjust("4999 millis")
      assert.deepStrictEqual(Chunk.toArray(yield* Fiber.join(fiber)), [0, 1, 2])
      const late = Stream.make(0).pipe(Stream.concat(tick(1, "6 seconds")))
      const failing = yield* late.pipe(guard, Stream.runCollect, Effect.fork)
      yield* TestClock.adjust("5 seconds")
      const error = timeoutOf(yield* Fiber.await(failing))
      assert.strictEqual(error.kind, "idle")
      const stats = yield* breaker.stats
      assert.strictEqual(stats.calls, 2)
      assert.strictEqual(stats.failures, 1)
    }))

  it.effect("by default, a stream that trickles forever is cut after 10 minutes of waiting in all", () =>
    Effect.gen(function*() {
      const breaker = yield* breakerOf()
      const guard = yield* CircuitBreaker.makeStream(breaker)
      // an element every 50 s: never idle for 120 s, never ends
      const trickle = Stream.repeatEffect(Effect.as(Effect.sleep("50 seconds"), 1))
      let count = 0
      const fiber = yield* trickle.pipe(guard, Stream.runForEach(() => Effect.sync(() => count++)), Effect.fork)
      for (let i = 0; i < 11; i++) yield* TestClock.adjust("50 seconds")
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("50 seconds") // 600 s of waiting
      const error = timeoutOf(yield* Fiber.await(fiber))
      assert.strictEqual(error.kind, "total")
      assert.strictEqual(Duration.toMillis(error.timeout), 600_000)
      assert.strictEqual(count, 11)
      assert.strictEqual((yield* breaker.stats).failures, 1)
    }))

  it.effect("the consumer's own time between pulls does not count against the total", () =>
    Effect.gen(function*() {
      const breaker = yield* breakerOf()
      const guard = yield* CircuitBreaker.makeStream(breaker, { totalTimeout: "10 seconds" })
      const fiber = yield* Stream.make(1, 2, 3).pipe(
        Stream.rechunk(1),
        guard,
        Stream.mapEffect((n) => Effect.as(Effect.sleep("1 hour"), n)),
        Stream.runCollect,
        Effect.fork
      )
      for (let i = 0; i < 3; i++) yield* TestClock.adjust("1 hour")
      assert.deepStrictEqual(Chunk.toArray(yield* Fiber.join(fiber)), [1, 2, 3])
      assert.strictEqual((yield* breaker.stats).failures, 0)
    }))

  it.effect("a half-open probe that stalls after its first element: a failure, permit freed, circuit reopened", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({
        name: "probe",
        policy: TripPolicy.consecutiveFailures(1),
        openDuration: "10 seconds",
        halfOpen: { permits: 1 }
      })
      const guard = yield* CircuitBreaker.makeStream(breaker, { idleTimeout: "5 seconds" })
      yield* Effect.flip(Stream.runDrain(guard(Stream.fail("boom"))))
      assert.strictEqual((yield* breaker.stats).state, "Open")
      yield* TestClock.adjust("10 seconds")
      const probe = yield* stalling.pipe(guard, Stream.runDrain, Effect.fork)
      yield* TestClock.adjust("5 seconds")
      assert.strictEqual(timeoutOf(yield* Fiber.await(probe)).kind, "idle")
      const stats = yield* breaker.stats
      assert.strictEqual(stats.state, "Open")
      assert.strictEqual(stats.probesInFlight, 0)
    }))

  it.effect("Duration.infinity turns each limit off; bad limits name their option", () =>
    Effect.gen(function*() {
      const breaker = yield* breakerOf()
      for (const option of ["firstElementTimeout", "idleTimeout", "totalTimeout"] as const) {
        for (const bad of [0, -5, "soon" as Duration.DurationInput]) {
          const error = yield* Effect.flip(CircuitBreaker.makeStream(breaker, { [option]: bad }))
          assert.instanceOf(error, InvalidOptionError)
          assert.strictEqual(error.option, option)
          assert.strictEqual(error.value, typeof bad === "string" ? JSON.stringify(bad) : String(bad))
        }
      }
      const unlimited = yield* CircuitBreaker.makeStream(breaker, {
        firstElementTimeout: Duration.infinity,
        idleTimeout: Duration.infinity,
        totalTimeout: Duration.infinity
      })
      const slow = Stream.make(0).pipe(Stream.concat(Stream.fromEffect(Effect.as(Effect.sleep("1 hour"), 1))))
      const fiber = yield* slow.pipe(unlimited, Stream.runCollect, Effect.fork)
      yield* TestClock.adjust("1 hour")
      assert.deepStrictEqual(Chunk.toArray(yield* Fiber.join(fiber)), [0, 1])
    }))
})

/** A LanguageModel whose streamText sends a response-metadata part and one text delta, then stalls. */
const stallingModel = Layer.succeed(LanguageModel.LanguageModel, {
  generateText: () => Effect.die("unused"),
  generateObject: () => Effect.die("unused"),
  streamText: () =>
    Stream.make(
      { type: "text-start", id: "t" },
      { type: "text-delta", id: "t", delta: "Hel" }
    ).pipe(Stream.concat(Stream.never))
} as unknown as LanguageModel.Service)

describe("LanguageModel wrappers: a stalled stream is bounded and counted (TestClock)", () => {
  it.effect("layer: default idle limit 120 s, an AiError carrying the StreamTimeoutError, classified as ProviderTimeout", () =>
    Effect.gen(function*() {
      const breaker = yield* LanguageModelBreaker.makeBreaker({ name: "llm", policy: TripPolicy.consecutiveFailures(1) })
      const layer = LanguageModelBreaker.layer({ breaker }).pipe(Layer.provide(stallingModel))
      const fiber = yield* LanguageModel.streamText({ prompt: "hi" }).pipe(Stream.runDrain, Effect.provide(layer), Effect.fork)
      yield* TestClock.adjust("119 seconds")
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("1 second")
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      assert.isTrue(AiError.isAiError(error))
      const cause = (error as AiError.UnknownError).cause
      assert.instanceOf(cause, CircuitBreaker.StreamTimeoutError)
      assert.strictEqual((cause as CircuitBreaker.StreamTimeoutError).kind, "idle")
      assert.strictEqual(fromAiError(error as AiError.AiError)._tag, "ProviderTimeout")
      assert.strictEqual((yield* breaker.stats).state, "Open")
    }))

  it.effect("wrappers: idleTimeout and totalTimeout are options; the stream fails with the typed error", () =>
    Effect.gen(function*() {
      const breaker = yield* LanguageModelBreaker.makeBreaker({ name: "llm2", policy: TripPolicy.consecutiveFailures(5) })
      const ws = yield* LanguageModelBreaker.wrappers(breaker, { idleTimeout: "3 seconds", totalTimeout: "1 hour" })
      const model = yield* Effect.provide(LanguageModel.LanguageModel, stallingModel)
      const fiber = yield* ws.stream(model.streamText({ prompt: "hi" }), "streamText").pipe(Stream.runDrain, Effect.fork)
      yield* TestClock.adjust("3 seconds")
      const error = timeoutOf(yield* Fiber.await(fiber))
      assert.strictEqual(error.kind, "idle")
      assert.strictEqual((yield* breaker.stats).failures, 1)
      const bad = yield* Effect.flip(LanguageModelBreaker.wrappers(breaker, { idleTimeout: -1 }))
      assert.strictEqual(bad.option, "idleTimeout")
    }))
})

for (const flavor of ["openai", "anthropic"] as const) {
  describe(`a real ${flavor} client whose provider stalls mid-stream`, () => {
    // real sockets under the TestClock: wait (on a Deferred) for the first parts, then move the clock
    it.scoped("the stall is cut by the idle limit and opens the circuit", () =>
      Effect.gen(function*() {
        const fake = yield* FakeProvider.make({ flavor, behavior: Behavior.streamFailsMidway({ mode: "stall", after: 2 }) })
        const breaker = yield* LanguageModelBreaker.makeBreaker({ name: flavor, policy: TripPolicy.consecutiveFailures(1) })
        const layer = LanguageModelBreaker.layer({ breaker, provider: flavor }).pipe(
          Layer.provide(modelLayer(flavor, fake.url, "sk-test-0123456789abcdefghij"))
        )
        const firstDelta = yield* Deferred.make<void>()
        const deltas: Array<string> = []
        const fiber = yield* LanguageModel.streamText({ prompt: "hi" }).pipe(
          Stream.tap((part) =>
            part.type === "text-delta"
              ? Effect.zipRight(Effect.sync(() => deltas.push(part.delta)), Deferred.succeed(firstDelta, undefined))
              : Effect.void
          ),
          Stream.runDrain,
          Effect.provide(layer),
          Effect.fork
        )
        yield* Deferred.await(firstDelta)
        yield* TestClock.adjust("120 seconds")
        const exit = yield* Fiber.await(fiber)
        assert.isTrue(Exit.isFailure(exit))
        const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
        assert.instanceOf((error as AiError.UnknownError).cause, CircuitBreaker.StreamTimeoutError)
        assert.isAtLeast(deltas.length, 1)
        assert.strictEqual((yield* breaker.stats).state, "Open")
      }), 20_000)
  })
}
