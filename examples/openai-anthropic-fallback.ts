/**
 * OpenAI first, Anthropic when OpenAI is down: each provider behind its own
 * circuit breaker, with the timeout inside the breaker and a retry outside it.
 * Once OpenAI's circuit opens, callers go straight to Anthropic without
 * waiting on OpenAI; after the open duration one probe finds OpenAI back and
 * closes the circuit.
 *
 * Runs against two fake providers on 127.0.0.1 (real HTTP, real `@effect/ai`
 * clients): swap the URLs and keys for the real APIs.
 *
 * Run it: `npx tsx examples/openai-anthropic-fallback.ts`
 */
import { LanguageModel } from "@effect/ai"
import { AnthropicClient, AnthropicLanguageModel } from "@effect/ai-anthropic"
import { OpenAiClient, OpenAiLanguageModel } from "@effect/ai-openai"
import { NodeHttpClient } from "@effect/platform-node"
import { Console, Effect, Layer, Redacted } from "effect"
import { CircuitBreaker, Fallback, Retry, TripPolicy } from "effect-breaker"
import { aiClassifier } from "effect-breaker/ai"
import { Behavior, FakeProvider } from "effect-breaker/testing"

export const program = (print: (line: string) => Effect.Effect<void> = Console.log) =>
  Effect.gen(function*() {
  const openai = yield* FakeProvider.make({ flavor: "openai", behavior: Behavior.ok("Hello from OpenAI") })
  const anthropic = yield* FakeProvider.make({ flavor: "anthropic", behavior: Behavior.ok("Hello from Anthropic") })

  // The real clients, pointed at the fakes (and built once).
  const gpt = yield* Layer.build(OpenAiLanguageModel.layer({ model: "gpt-4o-mini" }).pipe(
    Layer.provide(OpenAiClient.layer({ apiKey: Redacted.make("sk-example"), apiUrl: openai.url })),
    Layer.provide(NodeHttpClient.layerUndici)
  ))
  const claude = yield* Layer.build(AnthropicLanguageModel.layer({ model: "claude-3-5-haiku-latest" }).pipe(
    Layer.provide(AnthropicClient.layer({ apiKey: Redacted.make("sk-ant-example"), apiUrl: anthropic.url })),
    Layer.provide(NodeHttpClient.layerUndici)
  ))

  // One breaker per provider: 3 failures in a row open it for 300 ms (use ~30 s in production).
  const breaker = (name: string) =>
    CircuitBreaker.make({ name, policy: TripPolicy.consecutiveFailures(3), openDuration: "300 millis", classify: aiClassifier })
  const openaiBreaker = yield* breaker("openai")
  const retry = yield* Retry.make({ times: 1, base: "20 millis" })
  const generate = (prompt: string) => LanguageModel.generateText({ prompt }).pipe(Effect.timeout("2 seconds"))

  // Each step runs as retry(breaker(call)); an open step is skipped at once.
  const ask = yield* Fallback.failover([
    { name: "openai", breaker: openaiBreaker, retry, run: (prompt: string) => Effect.provide(generate(prompt), gpt) },
    { name: "anthropic", breaker: yield* breaker("anthropic"), retry, run: (prompt: string) => Effect.provide(generate(prompt), claude) }
  ])

  const log: Array<{ readonly servedBy: string; readonly openaiRequests: number; readonly state: string }> = []
  const question = (n: number) =>
    Effect.gen(function*() {
      const { servedBy, value } = yield* ask.serve(`question ${n}`)
      const entry = {
        servedBy: servedBy._tag === "Fallback" ? servedBy.name : "openai",
        openaiRequests: yield* openai.requests,
        state: (yield* openaiBreaker.stats).state
      }
      log.push(entry)
      yield* print(
        `${n}. ${entry.servedBy.padEnd(9)} "${value.text}"   openai breaker: ${entry.state.padEnd(8)} requests to openai so far: ${entry.openaiRequests}`
      )
    })

  yield* question(1)
  yield* print("-- OpenAI starts answering 503 --")
  yield* openai.setBehavior(Behavior.unavailable)
  for (const n of [2, 3, 4, 5]) yield* question(n)
  yield* print("-- OpenAI is back; after the 300 ms open duration one probe closes the circuit --")
  yield* openai.setBehavior(Behavior.ok("Hello again from OpenAI"))
  yield* Effect.sleep("300 millis")
  yield* question(6)
  return log
  }).pipe(Effect.scoped)

if (import.meta.url === `file://${process.argv[1]}`) {
  Effect.runPromise(program())
}
