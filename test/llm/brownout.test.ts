/**
 * A brownout caught by the LLM policy against the fake provider answering
 * slowly per token, through the real OpenAI client on loopback sockets.
 *
 * The breaker is the `default` preset, classified with `llmClassifier` (what
 * the policy uses): it reads each answer's usage, so its slow-call policy
 * judges every call against the length of its own answer. Healthy answers of
 * 300 tokens take 3 s and are fine; during the brownout answers of 5 tokens
 * take 2.5 s (500 ms per token) and open the circuit, although they are
 * shorter than the healthy ones: no fixed duration threshold tells them apart.
 */
import { LanguageModel } from "@effect/ai"
import { OpenAiClient, OpenAiLanguageModel } from "@effect/ai-openai"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { CircuitBreaker, CircuitOpenError } from "effect-breaker"
import { fromAiError } from "effect-breaker/ai"
import { llmClassifier, Policy } from "effect-breaker/llm"
import { Behavior, FakeProvider } from "effect-breaker/testing"

const KEY = "sk-test-brownout0123456789abcdef"

const model = (url: string) =>
  OpenAiLanguageModel.layer({ model: "gpt-4o-mini" }).pipe(
    Layer.provide(OpenAiClient.layer({ apiKey: Redacted.make(KEY), apiUrl: url })),
    Layer.provide(NodeHttpClient.layerUndici)
  )

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(" ")

describe("a brownout against the LLM policy", () => {
  it.scopedLive("long healthy answers pass; short answers slow per token open the circuit", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.make({ flavor: "openai", behavior: Behavior.perToken("10 millis", words(300)) })
      const breaker = yield* CircuitBreaker.make({ name: "openai/gpt-4o-mini", preset: "default", classify: llmClassifier })
      const policy = yield* Policy.make({
        provider: "openai",
        model: "gpt-4o-mini",
        toProviderError: fromAiError,
        breaker,
        timeout: "20 seconds",
        retry: false
      })
      const ask = LanguageModel.generateText({ prompt: "hi" }).pipe(policy, Effect.provide(model(fake.url)))
      const many = (n: number) => Effect.forEach(Array.from({ length: n }), () => Effect.either(ask), { concurrency: "unbounded" })

      // Healthy: 300 tokens in ~3 s each, within 2 s + 20 ms × 300.
      const healthy = yield* many(10)
      expect(healthy.every((r) => r._tag === "Right")).toBe(true)
      let stats = yield* breaker.stats
      expect(stats).toMatchObject({ state: "Closed", slowCalls: 0, failures: 0 })

      // Brownout: 5 tokens in 2.5 s each, past 2 s + 20 ms × 5.
      yield* fake.setBehavior(Behavior.perToken("500 millis", words(5)))
      const slow = yield* many(20)
      expect(slow.every((r) => r._tag === "Right")).toBe(true)
      stats = yield* breaker.stats
      expect(stats.state).toBe("Open")
      expect(stats.openings).toBe(1)

      // Callers are now answered at once, without a request to the provider.
      const before = yield* fake.requests
      const rejected = yield* Effect.flip(ask)
      expect(rejected).toBeInstanceOf(CircuitOpenError)
      expect(yield* fake.requests).toBe(before)
    }), 60_000)
})
