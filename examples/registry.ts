/**
 * Named breakers from environment variables, their health, and the admin API.
 *
 *   BREAKERS=openai/gpt-4o,anthropic BREAKER_OPENAI_GPT_4O_PRESET=aggressive \
 *   BREAKER_ADMIN_TOKEN=$(openssl rand -hex 24) npx tsx examples/registry.ts
 *
 * Without BREAKERS set it uses the demo configuration below.
 */
import { NodeRuntime } from "@effect/platform-node"
import { ConfigProvider, Effect, Layer } from "effect"
import * as Admin from "effect-breaker/admin"
import { BreakerRegistry } from "effect-breaker"

class ProviderDown {
  readonly _tag = "ProviderDown"
}

/** Stands in for a call to a model provider that is down. */
const callModel = (prompt: string): Effect.Effect<string, ProviderDown> =>
  prompt.length > 0 ? Effect.fail(new ProviderDown()) : Effect.succeed("")

/** What the demo reads when BREAKERS is not set: the same variables you would export. */
export const demoConfig = ConfigProvider.fromMap(
  new Map([
    ["BREAKERS", "openai/gpt-4o,anthropic"],
    ["BREAKER_OPENAI_GPT_4O_PRESET", "aggressive"], // a starting point; the fields below replace its own
    ["BREAKER_OPENAI_GPT_4O_POLICY", "{\"_tag\":\"ConsecutiveFailures\",\"threshold\":3}"], // trips after 3 failures in a row
    ["BREAKER_OPENAI_GPT_4O_OPEN_DURATION", "20 seconds"],
    ["BREAKERS_HALF_OPEN_PERMITS", "2"] // for every breaker
  ])
)

export const program = Effect.gen(function*() {
  // Look a breaker up once; calling it is the hot path.
  const openai = yield* BreakerRegistry.get("openai/gpt-4o")
  const ask = (prompt: string) =>
    callModel(prompt).pipe(
      Effect.timeout("30 seconds"),
      openai,
      Effect.catchTag("CircuitOpenError", (e) => Effect.succeed(`fallback (${e.breaker} is ${e.state})`)),
      Effect.catchTag("ProviderDown", () => Effect.succeed("provider down")),
      Effect.catchTag("TimeoutException", () => Effect.succeed("timed out"))
    )
  const answers: Array<string> = []
  for (let i = 0; i < 4; i++) answers.push(yield* ask("hello"))
  const health = yield* BreakerRegistry.checkHealth()
  return {
    answers,
    overall: health.status,
    breakers: health.breakers.map((b) => `${b.breaker}: ${b.status} (${b.reason})`)
  }
})

/** The registry from the environment (or the demo), and the admin API on 127.0.0.1. */
export const RegistryLive = BreakerRegistry.layerConfig()
export const AdminLive = Admin.layerConfig().pipe(Layer.provide(RegistryLive))

if (import.meta.url === `file://${process.argv[1]}`) {
  const provider = process.env.BREAKERS === undefined
    ? demoConfig.pipe(ConfigProvider.orElse(() => ConfigProvider.fromEnv()))
    : ConfigProvider.fromEnv()
  program.pipe(
    Effect.tap((result) => Effect.log(result)),
    Effect.provide(RegistryLive),
    Effect.withConfigProvider(provider),
    NodeRuntime.runMain
  )
}
