/**
 * Issue 9 finding 3: every key shape, and a key of no known shape that the
 * caller gives as `secrets`, sent by the REAL OpenAI and Anthropic clients to
 * the fake provider (which echoes it in its 401, and quotes it glued, URL- and
 * base64-encoded in a 500), reaches no error `message`, `JSON.stringify`,
 * `Cause.pretty` (with error causes), log line, span attribute or event, or
 * metric tag: through the LLM `Policy` (with `fromAiError`) and through the
 * breaker-only `LanguageModelBreaker.layer` (whose `AiError`s are redacted).
 */
import { LanguageModel } from "@effect/ai"
import { NodeSdk } from "@effect/opentelemetry"
import { describe, expect, it } from "@effect/vitest"
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Cause, Effect, Exit, Layer, Logger, LogLevel, Metric, Redacted } from "effect"
import { BreakerTelemetry, CircuitBreaker, TripPolicy } from "effect-breaker"
import { fromAiError, LanguageModelBreaker } from "effect-breaker/ai"
import { llmClassifier, Policy } from "effect-breaker/llm"
import { Behavior, FakeProvider } from "effect-breaker/testing"
import { type Flavor, modelLayer } from "../support/aiClients.js"

const KEYS = {
  openai: "sk-proj-Abc0123456789defGHIjkl012345",
  anthropic: "sk-ant-api03-Zz0123456789abcdefghijkLMNOP",
  google: "AIzaSyA1234567890abcdefghijklmnopqrstu",
  groq: "gsk_0123456789abcdefghijABCDEFGHIJ",
  azure: "9f86d081884c7d659a2feaa0c55ad015",
  // no known shape: found only because the caller names it in `secrets`
  opaque: "opaqueKEYzyxwvut9876543210"
} as const

/** A 500 whose message quotes the key glued to a word, URL-encoded after `%3D`, and in a Basic header. */
const quoting = (flavor: Flavor, key: string): Behavior.Behavior => {
  const message = `upstream said bad_key_${key}; GET /v1/chat?api_key%3D${encodeURIComponent(key)}; ` +
    `sent Basic ${Buffer.from(`user:${key}`).toString("base64")}; ` +
    // round 3: HTML references, a line break inside the key, every byte URL-encoded, upper-cased, base64url JSON
    `html ${key.replace(/[^A-Za-z0-9]/g, (c) => `&#x${c.charCodeAt(0).toString(16)};`)}; wrapped ${key.slice(0, 10)}\n  ${key.slice(10)}; ` +
    `q=${[...Buffer.from(key)].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("")}; KEY ${key.toUpperCase()}; ` +
    `state=${Buffer.from(JSON.stringify({ apiKey: key })).toString("base64url")}`
  const body = flavor === "openai"
    ? { error: { type: "server_error", message } }
    : { type: "error", error: { type: "api_error", message } }
  // the provider's JSON escapes punctuation as \u00XX (valid JSON: the client reads the same text)
  const text = JSON.stringify(body).replace(/[-_]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`)
  return Behavior.respond({ status: 500, headers: { "content-type": "application/json" }, body: text })
}

const fragments = (key: string) => [key, key.slice(0, 12), key.slice(-12), encodeURIComponent(key)]

interface Capture {
  readonly texts: Array<string>
  readonly lines: Array<string>
}

/** Runs `call` for each behaviour, with spans, logs and metrics on, and collects every text a user could see. */
const exercise = <E>(
  call: Effect.Effect<unknown, E, LanguageModel.LanguageModel>,
  model: Layer.Layer<LanguageModel.LanguageModel>,
  fake: FakeProvider.FakeProvider,
  behaviors: ReadonlyArray<Behavior.Behavior>
) =>
  Effect.gen(function*() {
    const exporter = new InMemorySpanExporter()
    const capture: Capture = { texts: [], lines: [] }
    const logger = Logger.make((options) =>
      void capture.lines.push(
        `${JSON.stringify(options.message)} ${Cause.pretty(options.cause, { renderErrorCause: true })} ${
          JSON.stringify(options.annotations)
        }`
      )
    )
    yield* Effect.gen(function*() {
      for (const behavior of behaviors) {
        yield* fake.setBehavior(behavior)
        const exit = yield* call.pipe(
          Effect.provide(model),
          Effect.tapErrorCause((cause) => Effect.logError("call failed", cause)),
          Effect.withSpan(`call-${behavior._tag}`),
          Effect.exit
        )
        expect(Exit.isFailure(exit), behavior._tag).toBe(true)
        if (Exit.isFailure(exit)) {
          const error = Cause.squash(exit.cause) as Error
          capture.texts.push(
            String(error.message),
            String(error),
            JSON.stringify(error),
            JSON.stringify(exit.cause),
            Cause.pretty(exit.cause, { renderErrorCause: true }),
            error.stack ?? ""
          )
        }
      }
      // @effect/ai's own spans (`LanguageModel.*`) record the client's raw error before any wrapper sees it
      const ours = exporter.getFinishedSpans().filter((s) => !s.name.startsWith("LanguageModel."))
      expect(ours.filter((s) => s.name.startsWith("call-")).length).toBe(behaviors.length)
      for (const span of ours) {
        capture.texts.push(JSON.stringify(span.attributes), JSON.stringify(span.events), JSON.stringify(span.status))
      }
      const metrics = yield* Metric.snapshot
      capture.texts.push(JSON.stringify(metrics.map((pair) => pair.metricKey)))
    }).pipe(
      Effect.provide(BreakerTelemetry.layerSpans({ mode: "span" })),
      Effect.provide(BreakerTelemetry.layerLogs),
      Effect.provide(BreakerTelemetry.layerMetrics),
      Effect.provide(NodeSdk.layer(() => ({ resource: { serviceName: "t" }, spanProcessor: new SimpleSpanProcessor(exporter) }))),
      Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
      Logger.withMinimumLogLevel(LogLevel.All)
    )
    return capture
  })

const expectClean = (capture: Capture, key: string) => {
  expect(capture.lines.length).toBeGreaterThan(0)
  const all = [...capture.texts, ...capture.lines]
  for (const fragment of fragments(key)) {
    const leaks = all.filter((t) => t.includes(fragment)).map((t) => t.slice(0, 400))
    expect(leaks, fragment).toEqual([])
  }
  const joined = all.join("\n")
  expect(joined).not.toContain(Buffer.from(`user:${key}`).toString("base64").slice(4, 20))
  expect(joined.toLowerCase()).not.toMatch(/bearer [a-z0-9]/)
}

for (const flavor of ["openai", "anthropic"] as const) {
  describe(`secrets of every shape (${flavor})`, () => {
    for (const [kind, key] of Object.entries(KEYS)) {
      const behaviors = (f: Flavor) => [Behavior.unauthorized, quoting(f, key)]
      const secrets = [Redacted.make(key)]

      it.scopedLive(`${kind}: through the Policy (fromAiError, secrets)`, () =>
        Effect.gen(function*() {
          const fake = yield* FakeProvider.make({ flavor })
          const breaker = yield* CircuitBreaker.make({
            name: `policy-${flavor}-${kind}`,
            policy: TripPolicy.consecutiveFailures(1000),
            classify: llmClassifier
          })
          const policy = yield* Policy.make({ provider: flavor, model: "m", toProviderError: fromAiError, breaker, retry: false, secrets })
          const capture = yield* exercise(
            LanguageModel.generateText({ prompt: "hi" }).pipe(policy),
            modelLayer(flavor, fake.url, key),
            fake,
            behaviors(flavor)
          )
          expectClean(capture, key)
          // the key was really sent and echoed
          expect((yield* fake.log).every((r) => r.hasAuth)).toBe(true)
        }))

      it.scopedLive(`${kind}: through the breaker-only LanguageModelBreaker.layer (secrets)`, () =>
        Effect.gen(function*() {
          const fake = yield* FakeProvider.make({ flavor })
          const model = LanguageModelBreaker.layer({
            breaker: { name: `layer-${flavor}-${kind}`, policy: TripPolicy.consecutiveFailures(1000) },
            secrets
          }).pipe(Layer.provide(modelLayer(flavor, fake.url, key)), Layer.orDie)
          const capture = yield* exercise(LanguageModel.generateText({ prompt: "hi" }), model, fake, behaviors(flavor))
          expectClean(capture, key)
        }))

      if (kind !== "opaque") {
        it.scopedLive(`${kind}: through LanguageModelBreaker.layer without naming the secret (key shape alone)`, () =>
          Effect.gen(function*() {
            const fake = yield* FakeProvider.make({ flavor })
            const model = LanguageModelBreaker.layer({
              breaker: { name: `shape-${flavor}-${kind}`, policy: TripPolicy.consecutiveFailures(1000) }
            }).pipe(Layer.provide(modelLayer(flavor, fake.url, key)), Layer.orDie)
            const capture = yield* exercise(LanguageModel.generateText({ prompt: "hi" }), model, fake, behaviors(flavor))
            expectClean(capture, key)
          }))
      }
    }
  })
}
