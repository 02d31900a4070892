/**
 * The last channel of issue 9 finding 3: `@effect/ai`'s own `LanguageModel.*`
 * spans record the client's raw error (its message quotes the provider's echo
 * of the API key). Spans exported through `effect-breaker/otel` are scrubbed
 * before any exporter sees them: exception events, error status, and
 * attributes holding headers, URLs, messages or bodies; ids and figures pass.
 */
import { LanguageModel } from "@effect/ai"
import { describe, expect, it } from "@effect/vitest"
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect, Redacted } from "effect"
import { layerTracer } from "effect-breaker/otel"
import { Behavior, FakeProvider } from "effect-breaker/testing"
import { modelLayer } from "../support/aiClients.js"

const TRACE_LIKE = "0af7651916cd43dd8448eb211c80319c"

for (const flavor of ["openai", "anthropic"] as const) {
  describe(`exported spans carry no key (${flavor})`, () => {
    for (const [kind, key, secrets] of [
      ["shaped", "sk-proj-Span0123456789abcdefGHIJKL", undefined],
      ["opaque, given as a secret", "opaqueSPANkey9876543210zyx", [Redacted.make("opaqueSPANkey9876543210zyx")]]
    ] as const) {
      it.scopedLive(`${kind}: @effect/ai's own spans, the caller's, header attributes`, () =>
        Effect.gen(function*() {
          const exporter = new InMemorySpanExporter()
          const fake = yield* FakeProvider.make({ flavor, behavior: Behavior.unauthorized })
          const spans = yield* Effect.gen(function*() {
            yield* LanguageModel.generateText({ prompt: "hi" }).pipe(
              Effect.provide(modelLayer(flavor, fake.url, key)),
              Effect.withSpan("caller", {
                attributes: {
                  "http.request.header.authorization": `Bearer ${key}`,
                  "request.id": TRACE_LIKE,
                  "url.full": `https://api.example.com/v1?api_key=${key}`
                }
              }),
              Effect.exit
            )
            // the provider's shutdown clears the exporter: read it inside the layer
            return exporter.getFinishedSpans()
          }).pipe(Effect.provide(layerTracer(new SimpleSpanProcessor(exporter), { serviceName: "t", secrets })))
          expect(spans.some((s) => s.name.startsWith("LanguageModel."))).toBe(true)
          expect(spans.some((s) => s.events.some((e) => e.name === "exception"))).toBe(true)
          const text = JSON.stringify(spans.map((s) => ({ a: s.attributes, e: s.events, s: s.status })))
          expect(text).not.toContain(key)
          expect(text).not.toContain(key.slice(0, 12))
          const caller = spans.find((s) => s.name === "caller")!
          expect(caller.attributes["http.request.header.authorization"]).toBe("<redacted>")
          expect(caller.attributes["request.id"]).toBe(TRACE_LIKE)
          expect(String(caller.attributes["url.full"])).toContain("https://api.example.com/v1?api_key=")
        }))
    }
  })
}
