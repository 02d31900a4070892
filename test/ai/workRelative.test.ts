/**
 * The LanguageModel breaker records the work of each call without the user
 * doing anything: generateText's usage (output tokens) and a stream's time to
 * first part, through the real OpenAI and Anthropic clients against the fake
 * provider. Answers slow for their length open the circuit; long answers that
 * take as long, and streams whose first part comes quickly, do not.
 *
 * The breaker judges on the TestClock, so a loaded machine cannot make a fast
 * answer slow: the fake answers fast ones at once (0 simulated ms), and holds
 * each slow one (1 s on the wall clock) while the test, told that the request
 * arrived, moves the TestClock by 1 s.
 */
import { LanguageModel } from "@effect/ai"
import { describe, expect, it } from "@effect/vitest"
import { type Duration, Effect, Fiber, Layer, Queue, Stream, TestClock } from "effect"
import { TripPolicy } from "effect-breaker"
import { LanguageModelBreaker } from "effect-breaker/ai"
import { Behavior, FakeProvider } from "effect-breaker/testing"
import { modelLayer } from "../support/aiClients.js"

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(" ")

const policy = TripPolicy.slowCallRate({
  perOutputToken: "20 millis",
  timeToFirstToken: "500 millis",
  threshold: 0.5,
  minimumCalls: 3,
  window: TripPolicy.lastCalls(10)
})

/** A behaviour that answers `text` after `holdMillis` of wall time, telling `arrived` when each request comes. */
const held = (arrived: Queue.Queue<void>, text: string, holdMillis = 1_000) =>
  Behavior.dynamic(() => {
    Queue.unsafeOffer(arrived, undefined)
    return Behavior.delay(holdMillis, Behavior.ok(text))
  })

/** Runs `call` while its request is held by the fake, moving the TestClock by `simulated` meanwhile. */
const taking = <A, E>(call: Effect.Effect<A, E>, arrived: Queue.Queue<void>, simulated: Duration.DurationInput) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(call)
    yield* Queue.take(arrived)
    yield* TestClock.adjust(simulated)
    return yield* Fiber.join(fiber)
  })

for (const flavor of ["openai", "anthropic"] as const) {
  describe(`LanguageModelBreaker judges latency by work (${flavor})`, () => {
    it.scoped("generateText: 100 tokens at once pass, 5 tokens in 1 s are slow", () =>
      Effect.gen(function*() {
        const arrived = yield* Queue.unbounded<void>()
        const fake = yield* FakeProvider.make({ flavor, behavior: Behavior.ok(words(100)) })
        const breaker = yield* LanguageModelBreaker.makeBreaker({ name: `${flavor}-text`, policy })
        const layer = LanguageModelBreaker.layer({ breaker, provider: flavor }).pipe(
          Layer.provide(modelLayer(flavor, fake.url, "sk-test-work0123456789abcdef"))
        )
        const generate = Effect.provide(LanguageModel.generateText({ prompt: "hi" }), layer)
        for (let i = 0; i < 3; i++) yield* generate
        expect(yield* breaker.stats).toMatchObject({ state: "Closed", slowCalls: 0 })
        yield* fake.setBehavior(held(arrived, words(5)))
        for (let i = 0; i < 3; i++) yield* taking(generate, arrived, "1 second")
        expect((yield* breaker.stats).state).toBe("Open")
      }), 30_000)

    it.scoped("streamText: judged by the time to its first part", () =>
      Effect.gen(function*() {
        const arrived = yield* Queue.unbounded<void>()
        const fake = yield* FakeProvider.make({ flavor, behavior: Behavior.ok(words(20)) })
        const breaker = yield* LanguageModelBreaker.makeBreaker({ name: `${flavor}-stream`, policy })
        const layer = LanguageModelBreaker.layer({ breaker, provider: flavor }).pipe(
          Layer.provide(modelLayer(flavor, fake.url, "sk-test-work0123456789abcdef"))
        )
        const stream = Effect.provide(Stream.runCollect(LanguageModel.streamText({ prompt: "hi" })), layer)
        for (let i = 0; i < 3; i++) yield* stream
        expect(yield* breaker.stats).toMatchObject({ state: "Closed", slowCalls: 0 })
        yield* fake.setBehavior(held(arrived, words(20)))
        for (let i = 0; i < 3; i++) yield* taking(stream, arrived, "1 second")
        expect((yield* breaker.stats).state).toBe("Open")
      }), 30_000)
  })
}
