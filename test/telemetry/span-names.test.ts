/**
 * Round-3 probes: what `effect-breaker/otel` scrubs besides messages. A span's
 * name, a log line inside a span (an event named by its message) and
 * attributes under keys that do not say "message" or "header" (the caller's
 * own) reached the exporter as they were. Ids stay readable.
 */
import { describe, expect, it } from "@effect/vitest"
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect, Redacted } from "effect"
import { layerTracer } from "effect-breaker/otel"

const SHAPED = "sk-proj-Abc0123456789defGHIjkl012345"
const OPAQUE = "Zq9vLmXw3Tn7Rb2Kp5Hc8Yd4"
const RESPONSE_ID = "resp_68af1c2b3d4e5f60718293a4b5c6d7e8f9012345abcdef01"
const HEX_ID = "4bf92f3577b34da6a3ce929d0e0e4736"

describe("effect-breaker/otel: span names, log events and any attribute", () => {
  it.effect("carry neither a key shape nor a given secret; ids are unchanged", () => {
    const exporter = new InMemorySpanExporter()
    let spans: ReadonlyArray<ReadableSpan> = []
    return Effect.gen(function*() {
      yield* Effect.gen(function*() {
        yield* Effect.logError(`failed with ${SHAPED} and ${encodeURIComponent(OPAQUE)}`)
        yield* Effect.logWarning(`basic ${Buffer.from(`u:${OPAQUE}`).toString("base64")}`)
        yield* Effect.annotateCurrentSpan("llm.api_key_hint", SHAPED)
        yield* Effect.annotateCurrentSpan("custom", `Bearer ${OPAQUE}`)
        yield* Effect.annotateCurrentSpan("list", [`k=${OPAQUE}`, "fine"])
        yield* Effect.annotateCurrentSpan("gen_ai.response.id", RESPONSE_ID)
        yield* Effect.annotateCurrentSpan("trace.parent", HEX_ID)
        yield* Effect.annotateCurrentSpan("gen_ai.request.model", "gpt-4o")
      }).pipe(Effect.withSpan(`call ${SHAPED}`), Effect.withSpan(`outer ${OPAQUE}`))
      spans = exporter.getFinishedSpans()
    }).pipe(
      Effect.provide(layerTracer(new SimpleSpanProcessor(exporter), { serviceName: "t", secrets: [Redacted.make(OPAQUE)] })),
      Effect.andThen(Effect.sync(() => {
        expect(spans.length).toBe(2)
        const text = JSON.stringify(spans.map((s) => [s.name, s.attributes, s.events, s.status]))
        for (const leak of [SHAPED, OPAQUE, encodeURIComponent(OPAQUE), Buffer.from(`u:${OPAQUE}`).toString("base64")]) {
          expect(text).not.toContain(leak)
        }
        const call = spans.find((s) => s.name.startsWith("call"))!
        expect(call.name).toBe("call <redacted>")
        expect(call.events.map((e) => e.name)).toEqual(["failed with <redacted> and <redacted>", "basic <redacted>"])
        expect(call.attributes["gen_ai.response.id"]).toBe(RESPONSE_ID)
        expect(call.attributes["trace.parent"]).toBe(HEX_ID)
        expect(call.attributes["gen_ai.request.model"]).toBe("gpt-4o")
        expect(String(call.attributes["list"])).toContain("k=<redacted>")
      }))
    )
  })
})
