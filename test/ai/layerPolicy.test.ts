import { AiError, LanguageModel } from "@effect/ai"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Stream } from "effect"
import { CircuitOpenError } from "effect-breaker"
import { circuitOpenError, fromAiError, LanguageModelBreaker } from "effect-breaker/ai"
import { Policy, ServerError } from "effect-breaker/llm"
import { Behavior, FakeProvider } from "effect-breaker/testing"
import { modelLayer } from "../support/aiClients.js"

const generate = LanguageModel.generateText({ prompt: "hi" })

const policyFor = Policy.make({
  provider: "openai",
  model: "gpt-4o-mini",
  breaker: { preset: "default", policy: { _tag: "ConsecutiveFailures", threshold: 2 } },
  retry: { times: 2, base: "5 millis", jitter: 0 },
  toProviderError: fromAiError
})

describe("LanguageModelBreaker.layerPolicy with the real OpenAI client", () => {
  it.scopedLive("generateText goes through the whole policy: a 503 is retried, two open the circuit, then no request leaves", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.make({ flavor: "openai", behavior: Behavior.unavailable })
      const policy = yield* policyFor
      const layer = LanguageModelBreaker.layerPolicy(policy).pipe(Layer.provide(modelLayer("openai", fake.url, "sk-x")))
      const first = yield* Effect.flip(Effect.provide(generate, layer))
      // the retry stopped as soon as the circuit opened (2 requests, no third attempt), failing with the last real error
      assert.strictEqual(yield* fake.requests, 2)
      assert.strictEqual(first._tag, "UnknownError")
      assert.instanceOf(first._tag === "UnknownError" ? first.cause : undefined, ServerError)
      assert.strictEqual((yield* policy.breaker.stats).state, "Open")
      const rejected = yield* Effect.flip(Effect.provide(generate, layer))
      assert.instanceOf(circuitOpenError(rejected), CircuitOpenError)
      assert.strictEqual(yield* fake.requests, 2, "rejected without a request")
    }))

  it.scopedLive("the policy's typed error travels as the AiError's cause; a healthy call and a stream pass", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.make({ flavor: "openai", behavior: Behavior.serverError(500) })
      const policy = yield* Policy.make({ provider: "openai", model: "gpt-4o-mini", retry: false, toProviderError: fromAiError })
      const layer = LanguageModelBreaker.layerPolicy(policy, { firstElementTimeout: "5 seconds" }).pipe(
        Layer.provide(modelLayer("openai", fake.url, "sk-x"))
      )
      const error = yield* Effect.flip(Effect.provide(generate, layer))
      assert.isTrue(AiError.isAiError(error))
      assert.instanceOf(error._tag === "UnknownError" ? error.cause : undefined, ServerError)
      yield* fake.setBehavior(Behavior.ok("fine"))
      const answer = yield* Effect.provide(generate, layer)
      assert.strictEqual(answer.text, "fine")
      const parts = yield* Effect.provide(LanguageModel.streamText({ prompt: "hi" }).pipe(Stream.runCollect), layer)
      assert.isTrue(Chunk.toReadonlyArray(parts).some((p) => p.type === "text-delta"))
      assert.strictEqual((yield* policy.breaker.stats).state, "Closed")
    }))
})
