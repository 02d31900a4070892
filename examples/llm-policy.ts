/**
 * One policy per provider, failover from OpenAI to Anthropic, and a last-good
 * cache as the last resort: every answer says who served it. Runs against the
 * fake providers on 127.0.0.1 with the real `@effect/ai` clients.
 *
 * Run it: `npx tsx examples/llm-policy.ts`
 */
import { LanguageModel } from "@effect/ai"
import { AnthropicClient, AnthropicLanguageModel } from "@effect/ai-anthropic"
import { OpenAiClient, OpenAiLanguageModel } from "@effect/ai-openai"
import { NodeHttpClient } from "@effect/platform-node"
import { Console, Duration, Effect, Layer, Redacted } from "effect"
import { Fallback } from "effect-breaker"
import { fromAiError } from "effect-breaker/ai"
import { Policy } from "effect-breaker/llm"
import { Behavior, FakeProvider } from "effect-breaker/testing"

export const program = (print: (line: string) => Effect.Effect<void> = Console.log) =>
  Effect.gen(function*() {
    const openaiApi = yield* FakeProvider.make({ flavor: "openai", behavior: Behavior.ok("Hi from GPT") })
    const anthropicApi = yield* FakeProvider.make({ flavor: "anthropic", behavior: Behavior.ok("Hi from Claude") })
    const gpt = yield* Layer.build(OpenAiLanguageModel.layer({ model: "gpt-4o" }).pipe(
      Layer.provide(OpenAiClient.layer({ apiKey: Redacted.make("sk-example"), apiUrl: openaiApi.url })),
      Layer.provide(NodeHttpClient.layerUndici)
    ))
    const claude = yield* Layer.build(AnthropicLanguageModel.layer({ model: "claude-sonnet-4" }).pipe(
      Layer.provide(AnthropicClient.layer({ apiKey: Redacted.make("sk-ant-example"), apiUrl: anthropicApi.url })),
      Layer.provide(NodeHttpClient.layerUndici)
    ))
    const generate = (prompt: string) => LanguageModel.generateText({ prompt }).pipe(Effect.map((r) => r.text))

    // Timeout, breaker (from a preset), rate-limit gate and retry, classified by the provider taxonomy.
    const openai = yield* Policy.make({
      provider: "openai",
      model: "gpt-4o",
      timeout: "30 seconds",
      breaker: { preset: "default", policy: { _tag: "ConsecutiveFailures", threshold: 2 } },
      retry: { times: 1, base: "50 millis" },
      toProviderError: fromAiError
    })
    const anthropic = yield* Policy.make({ provider: "anthropic", model: "claude-sonnet-4", toProviderError: fromAiError })
    const ask = yield* Policy.failover([
      { policy: openai, run: (prompt: string) => Effect.provide(generate(prompt), gpt) },
      { policy: anthropic, run: (prompt: string) => Effect.provide(generate(prompt), claude) }
    ])
    const cache = yield* Fallback.makeCache<string>({ maxAge: "10 minutes" })

    const question = (prompt: string) =>
      ask.serve(prompt, { fallback: [Fallback.cached(cache, prompt)] }).pipe(
        Effect.map(({ servedBy, value }) =>
          `${prompt}: "${value}" from ${servedBy._tag === "Primary" ? "openai" : servedBy._tag === "Cache" ? `the cache (${Duration.format(servedBy.age)} old)` : servedBy.name}`
        ),
        Effect.catchAll((error) => Effect.succeed(`${prompt}: failed with ${error._tag}`)),
        Effect.tap(print)
      )

    const answers = [yield* question("hello")]
    yield* print("-- OpenAI answers 503: two failures open its circuit, Anthropic serves --")
    yield* openaiApi.setBehavior(Behavior.unavailable)
    answers.push(yield* question("again"), yield* question("and again"))
    yield* print("-- both down: the last good answer for the same question, with its age --")
    yield* anthropicApi.setBehavior(Behavior.overloaded)
    answers.push(yield* question("hello"))
    const sent = { openai: yield* openaiApi.requests, anthropic: yield* anthropicApi.requests }
    yield* print(`requests received: openai ${sent.openai}, anthropic ${sent.anthropic}`)
    return { answers, sent }
  }).pipe(Effect.scoped)

if (import.meta.url === `file://${process.argv[1]}`) {
  Effect.runPromise(program())
}
