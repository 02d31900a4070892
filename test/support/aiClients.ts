/**
 * The real `@effect/ai` clients, pointed at a fake provider: the `LanguageModel`
 * layer for one flavour, with the given API key.
 */
import { AnthropicClient, AnthropicLanguageModel } from "@effect/ai-anthropic"
import { OpenAiClient, OpenAiLanguageModel } from "@effect/ai-openai"
import { NodeHttpClient } from "@effect/platform-node"
import { Layer, Redacted } from "effect"

export type Flavor = "openai" | "anthropic"

export const modelLayer = (flavor: Flavor, url: string, apiKey: string) =>
  flavor === "openai"
    ? OpenAiLanguageModel.layer({ model: "gpt-4o-mini" }).pipe(
      Layer.provide(OpenAiClient.layer({ apiKey: Redacted.make(apiKey), apiUrl: url })),
      Layer.provide(NodeHttpClient.layerUndici)
    )
    : AnthropicLanguageModel.layer({ model: "claude-3-5-haiku-latest" }).pipe(
      Layer.provide(AnthropicClient.layer({ apiKey: Redacted.make(apiKey), apiUrl: url })),
      Layer.provide(NodeHttpClient.layerUndici)
    )
