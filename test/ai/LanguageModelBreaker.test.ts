import { AiError, LanguageModel } from "@effect/ai"
import { NodeSdk } from "@effect/opentelemetry"
import { assert, describe, it } from "@effect/vitest"
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Cause, Chunk, Effect, Exit, Layer, Logger, LogLevel, Schema, Stream } from "effect"
import { CircuitBreaker, CircuitOpenError, TripPolicy } from "effect-breaker"
import { circuitOpenError, LanguageModelBreaker } from "effect-breaker/ai"
import { Behavior, FakeProvider } from "effect-breaker/testing"
import { type Flavor, modelLayer } from "../support/aiClients.js"

const SECRET = "sk-test-SECRET0123456789abcdef"

const layerFor = (flavor: Flavor, url: string) => modelLayer(flavor, url, SECRET)

/** A real provider client against the fake, behind a breaker that opens after 3 consecutive failures. */
const protectedModel = (flavor: Flavor, url: string, breaker: CircuitBreaker.CircuitBreaker, extra?: LanguageModelBreaker.BreakerOptions) =>
  LanguageModelBreaker.layer({ breaker, provider: flavor, ...extra }).pipe(Layer.provide(layerFor(flavor, url)))

const generate = LanguageModel.generateText({ prompt: "hi" })

const drainStream = LanguageModel.streamText({ prompt: "hi" }).pipe(Stream.runCollect)

for (const flavor of ["openai", "anthropic"] as const) {
  describe(`LanguageModelBreaker with the real ${flavor} client`, () => {
    it.scopedLive("three 503s open the circuit; the next call is rejected without reaching the server", () =>
      Effect.gen(function*() {
        const fake = yield* FakeProvider.make({ flavor, behavior: Behavior.unavailable })
        const breaker = yield* LanguageModelBreaker.makeBreaker({ name: flavor, policy: TripPolicy.consecutiveFailures(3) })
        const layer = protectedModel(flavor, fake.url, breaker)
        for (let i = 0; i < 3; i++) {
          const error = yield* Effect.flip(Effect.provide(generate, layer))
          assert.strictEqual(error._tag, "HttpResponseError")
        }
        assert.strictEqual((yield* breaker.stats).state, "Open")
        const rejected = yield* Effect.flip(Effect.provide(generate, layer))
        // the LanguageModel contract keeps AiError: the rejection is an UnknownError carrying the CircuitOpenError
        assert.isTrue(AiError.isAiError(rejected))
        assert.strictEqual(rejected._tag, "UnknownError")
        const open = circuitOpenError(rejected)
        assert.instanceOf(open, CircuitOpenError)
        assert.strictEqual(open?.breaker, flavor)
        assert.strictEqual(yield* fake.requests, 3)
        // streams are rejected the same way, also without a request
        const streamRejected = yield* Effect.flip(Effect.provide(drainStream, layer))
        assert.instanceOf(circuitOpenError(streamRejected), CircuitOpenError)
        assert.strictEqual(yield* fake.requests, 3)
      }))

    it.scopedLive("429s do not trip the circuit", () =>
      Effect.gen(function*() {
        const fake = yield* FakeProvider.make({ flavor, behavior: Behavior.rateLimited({ retryAfter: "1 second" }) })
        const breaker = yield* LanguageModelBreaker.makeBreaker({ name: flavor, policy: TripPolicy.consecutiveFailures(3) })
        const layer = protectedModel(flavor, fake.url, breaker)
        for (let i = 0; i < 5; i++) yield* Effect.flip(Effect.provide(generate, layer))
        assert.strictEqual(yield* fake.requests, 5)
        const stats = yield* breaker.stats
        assert.strictEqual(stats.state, "Closed")
        assert.strictEqual(stats.failures, 0)
      }))

    it.scopedLive("streams with a mid-stream error event count as failures (the error part still reaches the caller)", () =>
      Effect.gen(function*() {
        const fake = yield* FakeProvider.make({ flavor, behavior: Behavior.streamFailsMidway({ after: 2 }) })
        const breaker = yield* LanguageModelBreaker.makeBreaker({ name: flavor, policy: TripPolicy.consecutiveFailures(2) })
        const layer = protectedModel(flavor, fake.url, breaker)
        const parts = Chunk.toArray(yield* Effect.provide(drainStream, layer))
        assert.strictEqual(parts.filter((p) => p.type === "text-delta").length, 2)
        assert.isDefined(parts.find((p) => p.type === "error"))
        assert.strictEqual((yield* breaker.stats).consecutiveFailures, 1)
        yield* Effect.provide(drainStream, layer)
        assert.strictEqual((yield* breaker.stats).state, "Open")
        assert.instanceOf(circuitOpenError(yield* Effect.flip(Effect.provide(drainStream, layer))), CircuitOpenError)
        assert.strictEqual(yield* fake.requests, 2)
      }))

    it.scopedLive("a good stream and a good generateText are recorded as successes", () =>
      Effect.gen(function*() {
        const fake = yield* FakeProvider.make({ flavor, behavior: Behavior.ok("alpha beta") })
        const breaker = yield* LanguageModelBreaker.makeBreaker({ name: flavor, policy: TripPolicy.consecutiveFailures(1) })
        const layer = protectedModel(flavor, fake.url, breaker)
        const text = Chunk.toArray(yield* Effect.provide(drainStream, layer))
          .flatMap((p) => p.type === "text-delta" ? [p.delta] : []).join("")
        assert.strictEqual(text, "alpha beta")
        assert.strictEqual((yield* Effect.provide(generate, layer)).text, "alpha beta")
        const stats = yield* breaker.stats
        assert.strictEqual(stats.calls, 2)
        assert.strictEqual(stats.failures, 0)
      }))

    it.scopedLive("a stream with no first part in time fails; the timeout counts as a failure", () =>
      Effect.gen(function*() {
        const fake = yield* FakeProvider.make({ flavor, behavior: Behavior.hang })
        const breaker = yield* LanguageModelBreaker.makeBreaker({ name: flavor, policy: TripPolicy.consecutiveFailures(1) })
        const layer = protectedModel(flavor, fake.url, breaker, { firstElementTimeout: "150 millis" })
        const error = yield* Effect.flip(Effect.provide(drainStream, layer))
        assert.strictEqual(error._tag, "UnknownError")
        assert.instanceOf((error as AiError.UnknownError).cause, CircuitBreaker.StreamTimeoutError)
        assert.strictEqual((yield* breaker.stats).state, "Open")
      }))

    it.scopedLive("the API key reaches no error, log line or span made on the way (rejections included)", () =>
      Effect.gen(function*() {
        const exporter = new InMemorySpanExporter()
        const lines: Array<string> = []
        const logger = Logger.make((options) => void lines.push(`${String(options.message)} ${Cause.pretty(options.cause)}`))
        const fake = yield* FakeProvider.make({ flavor, behavior: Behavior.unavailable })
        const breaker = yield* LanguageModelBreaker.makeBreaker({ name: flavor, policy: TripPolicy.consecutiveFailures(1) })
        const layer = protectedModel(flavor, fake.url, breaker)
        const ours: Array<unknown> = []
        const run = Effect.gen(function*() {
          yield* Effect.exit(Effect.provide(generate, layer)).pipe(Effect.withSpan("call-1"))
          const rejected = yield* Effect.exit(Effect.provide(generate, layer)).pipe(Effect.withSpan("call-2"))
          const streamRejected = yield* Effect.exit(Effect.provide(drainStream, layer)).pipe(Effect.withSpan("call-3"))
          for (const exit of [rejected, streamRejected] as ReadonlyArray<Exit.Exit<unknown, unknown>>) {
            assert.isTrue(Exit.isFailure(exit))
            if (Exit.isFailure(exit)) {
              const error = Cause.squash(exit.cause) as AiError.UnknownError
              ours.push(error.message, error.description, JSON.stringify(error.cause), Cause.pretty(exit.cause))
              yield* Effect.logError("call failed", exit.cause)
            }
          }
          const spans = exporter.getFinishedSpans().filter((s) => s.name.startsWith("call-"))
          assert.strictEqual(spans.length, 3)
          for (const span of spans) {
            ours.push(JSON.stringify({ attributes: span.attributes, events: span.events, status: span.status }))
          }
        })
        yield* run.pipe(
          Effect.provide(NodeSdk.layer(() => ({ resource: { serviceName: "t" }, spanProcessor: new SimpleSpanProcessor(exporter) }))),
          Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
          Logger.withMinimumLogLevel(LogLevel.All)
        )
        assert.isAbove(lines.length, 0)
        const text = [...ours, ...lines, JSON.stringify(yield* breaker.stats)].join("\n")
        assert.include(text, "CircuitOpenError")
        assert.notInclude(text, SECRET)
      }))
  })
}

describe("LanguageModelBreaker with the real openai client", () => {
  it.scopedLive("generateObject goes through the breaker too", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.make({ flavor: "openai", behavior: Behavior.ok(JSON.stringify({ answer: 42 })) })
      const breaker = yield* LanguageModelBreaker.makeBreaker({ name: "openai", policy: TripPolicy.consecutiveFailures(1) })
      const layer = protectedModel("openai", fake.url, breaker)
      const response = yield* Effect.provide(
        LanguageModel.generateObject({ prompt: "q", schema: Schema.Struct({ answer: Schema.Number }) }),
        layer
      )
      assert.deepStrictEqual(response.value, { answer: 42 })
      assert.strictEqual((yield* breaker.stats).calls, 1)
      yield* fake.setBehavior(Behavior.serverError(500))
      yield* Effect.flip(Effect.provide(LanguageModel.generateObject({ prompt: "q", schema: Schema.Struct({ answer: Schema.Number }) }), layer))
      assert.strictEqual((yield* breaker.stats).state, "Open")
      assert.strictEqual(yield* fake.requests, 2)
    }))

  it.scopedLive("wrap keeps honest types: a rejection is a CircuitOpenError you can catchTag", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.make({ flavor: "openai", behavior: Behavior.ok("x") })
      const breaker = yield* LanguageModelBreaker.makeBreaker({ name: "openai", policy: TripPolicy.consecutiveFailures(1) })
      yield* breaker.forceOpen
      const model = yield* Effect.provide(LanguageModel.LanguageModel, layerFor("openai", fake.url))
      const wrapped = LanguageModelBreaker.wrap(model, yield* LanguageModelBreaker.wrappers(breaker))
      const recovered = yield* wrapped.generateText({ prompt: "hi" }).pipe(
        Effect.map((r) => r.text),
        Effect.catchTag("CircuitOpenError", (e) => Effect.succeed(`rejected by ${e.breaker}`))
      )
      assert.strictEqual(recovered, "rejected by openai")
      assert.strictEqual(yield* fake.requests, 0)
    }))
})

