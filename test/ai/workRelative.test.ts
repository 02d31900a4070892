/**
 * The LanguageModel breaker records the work of each call without the user
 * doing anything: generateText's usage (output tokens) and a stream's time to
 * first part, through the real OpenAI and Anthropic clients against the fake
 * provider. Answers slow for their length open the circuit; long answers that
 * take as long, and streams whose first part comes quickly, do not.
 */
import { LanguageModel } from "@effect/ai"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
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

for (const flavor of ["openai", "anthropic"] as const) {
  describe(`LanguageModelBreaker judges latency by work (${flavor})`, () => {
    it.scopedLive("generateText: 100 tokens in 200 ms pass, 5 tokens in 800 ms are slow", () =>
      Effect.gen(function*() {
        const fake = yield* FakeProvider.make({ flavor, behavior: Behavior.perToken("2 millis", words(100)) })
        const breaker = yield* LanguageModelBreaker.makeBreaker({ name: `${flavor}-text`, policy })
        const layer = LanguageModelBreaker.layer({ breaker, provider: flavor }).pipe(
          Layer.provide(modelLayer(flavor, fake.url, "sk-test-work0123456789abcdef"))
        )
        const generate = Effect.provide(LanguageModel.generateText({ prompt: "hi" }), layer)
        for (let i = 0; i < 3; i++) yield* generate
        expect(yield* breaker.stats).toMatchObject({ state: "Closed", slowCalls: 0 })
        yield* fake.setBehavior(Behavior.perToken("160 millis", words(5)))
        for (let i = 0; i < 3; i++) yield* generate
        expect((yield* breaker.stats).state).toBe("Open")
      }), 30_000)

    it.scopedLive("streamText: judged by the time to its first part", () =>
      Effect.gen(function*() {
        const fake = yield* FakeProvider.make({ flavor, behavior: Behavior.perToken("1 millis", words(20)) })
        const breaker = yield* LanguageModelBreaker.makeBreaker({ name: `${flavor}-stream`, policy })
        const layer = LanguageModelBreaker.layer({ breaker, provider: flavor }).pipe(
          Layer.provide(modelLayer(flavor, fake.url, "sk-test-work0123456789abcdef"))
        )
        const stream = Effect.provide(Stream.runCollect(LanguageModel.streamText({ prompt: "hi" })), layer)
        for (let i = 0; i < 3; i++) yield* stream
        expect(yield* breaker.stats).toMatchObject({ state: "Closed", slowCalls: 0 })
        yield* fake.setBehavior(Behavior.delay("800 millis", Behavior.ok(words(20))))
        for (let i = 0; i < 3; i++) yield* stream
        expect((yield* breaker.stats).state).toBe("Open")
      }), 30_000)
  })
}
