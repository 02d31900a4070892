/**
 * A consumer program: what a user of the published package writes. The
 * consumer test type-checks it inside a scratch project that installed the
 * packed tarball (moduleResolution NodeNext and Bundler), compiles it, and runs
 * it with plain `node`. The repository's own type-check covers it too (through
 * the `effect-breaker/*` paths), so an API change that breaks it shows up in
 * `npm run typecheck` before the slower consumer test.
 *
 * It imports the root and every subpath and exercises each once; it prints one
 * `ok <what>` line per check and exits non-zero on the first failure.
 */
import { LanguageModel } from "@effect/ai"
import { OpenAiClient, OpenAiLanguageModel } from "@effect/ai-openai"
import { HttpClient, HttpServer } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Context, Effect, Either, Layer, Redacted } from "effect"
import { BreakerRegistry, BreakerTelemetry, CircuitBreaker, CircuitOpenError, TripPolicy } from "effect-breaker"
import * as Admin from "effect-breaker/admin"
import { fromAiError, LanguageModelBreaker } from "effect-breaker/ai"
import { HttpBreakers } from "effect-breaker/http"
import { Policy } from "effect-breaker/llm"
import { layerTracer } from "effect-breaker/otel"
import { layerOtlp } from "effect-breaker/otel/otlp"
import { layerPrometheus } from "effect-breaker/otel/prometheus"
import { RedisStore } from "effect-breaker/redis"
import { Behavior, FakeProvider } from "effect-breaker/testing"
import * as http from "node:http"

const check = (what: string, ok: boolean, detail = ""): Effect.Effect<void> =>
  ok ? Effect.sync(() => console.log(`ok ${what}`)) : Effect.dieMessage(`FAILED ${what} ${detail}`)

/** Root: a breaker trips after its threshold and rejects with the typed error. */
const breakerTrips = Effect.gen(function*() {
  const breaker = yield* CircuitBreaker.make({ name: "root", policy: TripPolicy.consecutiveFailures(2), openDuration: "1 minute" })
  for (let i = 0; i < 2; i++) yield* Effect.either(breaker(Effect.fail("boom")))
  const rejected = yield* Effect.either(breaker(Effect.succeed("never runs")))
  const stats = yield* breaker.stats
  yield* check(
    "root: the breaker opens after 2 failures and rejects with CircuitOpenError",
    Either.isLeft(rejected) && rejected.left instanceof CircuitOpenError && stats.state === "Open"
  )
})

/** llm + ai + testing: the LLM policy over the real @effect/ai OpenAI client against the fake provider. */
const llmPolicy = Effect.gen(function*() {
  const api = yield* FakeProvider.make({ flavor: "openai", behavior: Behavior.unavailable })
  const model = yield* Layer.build(OpenAiLanguageModel.layer({ model: "gpt-4o" }).pipe(
    Layer.provide(OpenAiClient.layer({ apiKey: Redacted.make("sk-consumer-0000"), apiUrl: api.url })),
    Layer.provide(NodeHttpClient.layerUndici)
  ))
  const policy = yield* Policy.make({
    provider: "openai",
    model: "gpt-4o",
    timeout: "5 seconds",
    breaker: yield* CircuitBreaker.make({ name: "openai", policy: TripPolicy.consecutiveFailures(2), openDuration: "1 minute" }),
    toProviderError: fromAiError
  })
  const ask = (prompt: string) => policy(Effect.provide(LanguageModel.generateText({ prompt }), model))
  const errors: Array<string> = []
  for (let i = 0; i < 4; i++) errors.push((yield* Effect.flip(ask(`q${i}`)))._tag)
  const sent = yield* api.requests
  yield* check(
    `llm: Policy over @effect/ai OpenAI opens on 503s and stops calling (errors ${errors.join(",")}; requests ${sent})`,
    errors.at(-1) === "CircuitOpenError" && sent < 4 * 3
  )
  // the subpath's namespace as types too (its runtime entry loads it with import(): the types are index.d.ts's)
  const aiOptions: LanguageModelBreaker.Options = { breaker: { name: "ai", policy: TripPolicy.consecutiveFailures(2) }, provider: "openai" }
  const aiLayer: Layer.Layer<LanguageModel.LanguageModel, CircuitBreaker.InvalidOptionError, LanguageModel.LanguageModel> =
    LanguageModelBreaker.layer(aiOptions)
  const method: LanguageModelBreaker.Method = "streamText"
  yield* check("ai: LanguageModelBreaker exports its wrappers", typeof LanguageModelBreaker.layer === "function" && Layer.isLayer(aiLayer) && method === "streamText")
}).pipe(Effect.scoped)

/** otel: spans through an in-memory exporter; Prometheus scrape; OTLP export to a local collector. */
const otel = Effect.gen(function*() {
  const spans = new InMemorySpanExporter()
  yield* Effect.gen(function*() {
    const breaker = yield* CircuitBreaker.make({ name: "traced" })
    yield* breaker(Effect.void).pipe(Effect.withSpan("consumer.call"))
    yield* check("otel: layerTracer exports the call's span", spans.getFinishedSpans().some((s) => s.name === "consumer.call"))
  }).pipe(Effect.provide(Layer.mergeAll(layerTracer(new SimpleSpanProcessor(spans), { serviceName: "consumer" }), BreakerTelemetry.layer())))

  const port = yield* FakeProvider.closedPort
  const scraped = yield* Effect.gen(function*() {
    const breaker = yield* CircuitBreaker.make({ name: "scraped" })
    yield* breaker(Effect.void)
    return yield* Effect.promise(() => fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()))
  }).pipe(Effect.provide(Layer.mergeAll(layerPrometheus({ serviceName: "consumer", port }), BreakerTelemetry.layerMetrics)))
  yield* check("otel/prometheus: /metrics serves effect_breaker_calls_total", scraped.includes("effect_breaker_calls_total"))

  const posted: Array<string> = []
  const collector = yield* Effect.acquireRelease(
    Effect.async<http.Server>((resume) => {
      const server = http.createServer((req, res) => {
        posted.push(req.url ?? "")
        req.resume().on("end", () => res.writeHead(200, { "content-type": "application/json" }).end("{}"))
      })
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
  )
  const address = collector.address()
  const endpoint = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`
  yield* Effect.void.pipe(Effect.withSpan("consumer.otlp"), Effect.provide(layerOtlp({ serviceName: "consumer", endpoint, metrics: false })))
  yield* check("otel/otlp: spans reach the collector on release", posted.includes("/v1/traces"), posted.join(","))
}).pipe(Effect.scoped)

/** admin + http: the admin API over a registry on a free port, read through a per-host protected HttpClient. */
const adminAndHttp = Effect.gen(function*() {
  const layer = Admin.layer({ token: Redacted.make("consumer-admin-token-0000"), port: 0 }).pipe(
    Layer.provideMerge(BreakerRegistry.layer({ breakers: { "openai/gpt-4o": { preset: "aggressive" } } }))
  )
  const ctx = yield* Layer.build(layer)
  const address = Context.get(ctx, HttpServer.HttpServer).address
  const port = address._tag === "TcpAddress" ? address.port : 0
  const body = yield* HttpBreakers.client.pipe(
    Effect.flatMap((client) => client.get(`http://127.0.0.1:${port}/breakers`)),
    Effect.flatMap((response) => response.text),
    Effect.provide(Layer.merge(HttpBreakers.layer(), NodeHttpClient.layerUndici))
  )
  yield* check("admin: GET /breakers lists the registry's breaker (through http's HttpBreakers)", body.includes("openai/gpt-4o"), body)
  yield* check("http: HttpClient is the platform's", HttpClient.HttpClient.key.length > 0)
}).pipe(Effect.scoped)

/** redis: the fleet store's subpath loads (with ioredis installed); a real Redis is the fleet tests' business. */
const redis = check("redis: RedisStore.layer is exported", typeof RedisStore.layer === "function")

const program = Effect.gen(function*() {
  yield* breakerTrips
  yield* redis
  yield* llmPolicy
  yield* otel
  yield* adminAndHttp
})

Effect.runPromise(program).then(
  () => console.log("consumer: all checks passed"),
  (error) => {
    console.error(String(error))
    process.exitCode = 1
  }
)
