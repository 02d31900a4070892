/**
 * A known API key sent through the policy (real @effect/ai clients, whose
 * `HttpResponseError.request.headers` carry `authorization: Bearer <key>`)
 * appears in no error message, no `JSON.stringify` of an error or its cause,
 * no log line and no exported span attribute or event.
 */
import { LanguageModel } from "@effect/ai"
import { NodeSdk } from "@effect/opentelemetry"
import { describe, expect, it } from "@effect/vitest"
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Cause, Effect, Exit, Logger, LogLevel } from "effect"
import { BreakerTelemetry, Fallback, Resilience } from "effect-breaker"
import { fromAiError } from "effect-breaker/ai"
import { Policy } from "effect-breaker/llm"
import { Behavior, FakeProvider } from "effect-breaker/testing"
import { type Flavor, modelLayer } from "../support/aiClients.js"

const KEY = "sk-ant-api03-SECRETPOLICY0123456789xyz"
const KEY_TAIL = "SECRETPOLICY0123456789xyz"

const layerFor = (flavor: Flavor, url: string) => modelLayer(flavor, url, KEY)

const behaviors: ReadonlyArray<Behavior.Behavior> = [
  Behavior.unauthorized,
  Behavior.unavailable,
  Behavior.overloaded,
  Behavior.rateLimited({ retryAfter: "30 seconds" }),
  Behavior.invalidRequest("invalid"),
  Behavior.quotaExhausted,
  Behavior.malformed,
  Behavior.reset
]

for (const flavor of ["openai", "anthropic"] as const) {
  describe(`secrets through the policy (${flavor})`, () => {
    it.scopedLive("the key reaches no error, cause, log line or span", () =>
      Effect.gen(function*() {
        const exporter = new InMemorySpanExporter()
        const lines: Array<string> = []
        const logger = Logger.make((options) =>
          void lines.push(`${JSON.stringify(options.message)} ${Cause.pretty(options.cause)} ${JSON.stringify(options.annotations)}`)
        )
        const fake = yield* FakeProvider.make({ flavor })
        const texts: Array<string> = []
        yield* Effect.gen(function*() {
          const policy = yield* Policy.make({
            provider: flavor,
            model: "m",
            toProviderError: fromAiError,
            breaker: { policy: { _tag: "ConsecutiveFailures", threshold: 3 } },
            retry: { times: 1, base: "5 millis", maxWait: "1 second" }
          })
          const call = LanguageModel.generateText({ prompt: "hi" }).pipe(Effect.provide(layerFor(flavor, fake.url)))
          for (const behavior of behaviors) {
            yield* fake.setBehavior(behavior)
            const exit = yield* call.pipe(
              Resilience.serve(policy, { fallback: [Fallback.value("fallback")], when: () => behavior._tag === "Reset" }),
              Effect.tapErrorCause((cause) => Effect.logError("policy failed", cause)),
              Effect.withSpan(`call-${behavior._tag}`),
              Effect.exit
            )
            if (Exit.isFailure(exit)) {
              const error = Cause.squash(exit.cause)
              texts.push(String((error as Error).message), JSON.stringify(error), JSON.stringify(exit.cause), Cause.pretty(exit.cause))
            } else {
              texts.push(JSON.stringify(exit.value))
            }
          }
          // the breaker's own spans, events and logs as well
          const spans = exporter.getFinishedSpans()
          expect(spans.length).toBeGreaterThanOrEqual(behaviors.length)
          // @effect/ai's own spans (`LanguageModel.generateText`) record the client's raw error, whose body
          // echoes the key (as the fake and OpenAI's 401 do): that is the client's span, not ours; every
          // span the policy and breaker make (the caller's and `breaker <name>`) must be clean
          const ours = spans.filter((s) => !s.name.startsWith("LanguageModel."))
          expect(ours.filter((s) => s.name.startsWith("call-")).length).toBe(behaviors.length)
          expect(ours.some((s) => s.name === `breaker ${flavor}/m`)).toBe(true)
          for (const span of ours) {
            texts.push(JSON.stringify(span.attributes), JSON.stringify(span.events), JSON.stringify(span.status))
          }
          expect(spans.some((s) => s.events.some((e) => e.name === "exception"))).toBe(true)
        }).pipe(
          Effect.provide(BreakerTelemetry.layerSpans({ mode: "span" })),
          Effect.provide(BreakerTelemetry.layerLogs),
          Effect.provide(NodeSdk.layer(() => ({ resource: { serviceName: "t" }, spanProcessor: new SimpleSpanProcessor(exporter) }))),
          Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
          Logger.withMinimumLogLevel(LogLevel.All)
        )
        expect(lines.length).toBeGreaterThan(0)
        expect(texts.length).toBeGreaterThan(behaviors.length)
        const leaks = [...texts, ...lines].filter((t) => t.includes(KEY_TAIL))
        expect(leaks.map((t) => t.slice(0, 300))).toEqual([])
        const all = [...texts, ...lines].join("\n")
        expect(all).not.toContain(KEY_TAIL)
        expect(all.toLowerCase()).not.toContain("bearer")
        // the fake provider saw the key: it was really sent
        const log = yield* fake.log
        expect(log.every((r) => r.hasAuth)).toBe(true)
      }))
  })
}
