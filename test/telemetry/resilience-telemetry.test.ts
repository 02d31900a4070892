import { expect, describe, it } from "@effect/vitest"
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect, Fiber, Metric, TestClock } from "effect"
import { BreakerTelemetry, CircuitBreaker, Fallback, RateLimitGate, Retry, TripPolicy } from "effect-breaker"
import { layerTracer } from "effect-breaker/otel"

let seq = 0
const unique = (prefix: string) => `${prefix}-${process.pid}-${++seq}`

const counter = (m: Metric.Metric.Counter<number>, tags: Record<string, string>) =>
  Effect.map(
    Metric.value(Object.entries(tags).reduce((acc, [k, v]) => Metric.tagged(acc, k, v), m)),
    (s) => s.count
  )

describe("retry and fallback telemetry", () => {
  it.effect("each retried attempt runs in a child span `retry.attempt` and counts in effect_breaker_retries", () => {
    const exporter = new InMemorySpanExporter()
    return Effect.gen(function*() {
      const name = unique("retried")
      const breaker = yield* CircuitBreaker.make({ name, policy: TripPolicy.consecutiveFailures(10) })
      const retry = yield* Retry.make({ times: 3, base: "100 millis", jitter: 0, breaker })
      let calls = 0
      const flaky = Effect.suspend(() => ++calls < 3 ? Effect.fail("down" as const) : Effect.succeed("up"))
      const before = yield* counter(BreakerTelemetry.retries, { breaker: name })
      const fiber = yield* Effect.fork(flaky.pipe(breaker, retry, Effect.withSpan("request")))
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(fiber)).toBe("up")
      const spans = exporter.getFinishedSpans()
      const request = spans.find((s) => s.name === "request")!
      const attempts = spans.filter((s) => s.name === "retry.attempt")
      expect(attempts.map((s) => s.attributes["retry.attempt"])).toEqual([2, 3])
      for (const s of attempts) {
        expect(s.parentSpanContext?.spanId).toBe(request.spanContext().spanId)
        expect(s.attributes["breaker.name"]).toBe(name)
      }
      expect((yield* counter(BreakerTelemetry.retries, { breaker: name })) - before).toBe(2)
    }).pipe(Effect.provide(layerTracer(new SimpleSpanProcessor(exporter), { serviceName: "test" })))
  })

  it.effect("a call that succeeds at once makes no attempt span and counts no retry", () => {
    const exporter = new InMemorySpanExporter()
    return Effect.gen(function*() {
      const retry = yield* Retry.make({ times: 3 })
      yield* Effect.succeed(1).pipe(retry, Effect.withSpan("request"))
      expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(["request"])
    }).pipe(Effect.provide(layerTracer(new SimpleSpanProcessor(exporter), { serviceName: "test" })))
  })

  it.effect("answers served by a fallback count in effect_breaker_fallbacks by kind", () =>
    Effect.gen(function*() {
      const cache = yield* Fallback.makeCache<string>({ maxAge: "1 minute" })
      const before = {
        value: yield* counter(BreakerTelemetry.fallbacks, { breaker: "none", kind: "value" }),
        cache: yield* counter(BreakerTelemetry.fallbacks, { breaker: "none", kind: "cache" })
      }
      yield* Effect.succeed("fresh").pipe(Fallback.serve({ fallback: [Fallback.cached(cache, "k")] }))
      const cached = yield* Effect.fail("down").pipe(Fallback.serve({ fallback: [Fallback.cached(cache, "k")] }))
      expect(cached.servedBy._tag).toBe("Cache")
      yield* Effect.fail("down").pipe(Fallback.serve({ fallback: [Fallback.value("canned", "static")] }))
      expect((yield* counter(BreakerTelemetry.fallbacks, { breaker: "none", kind: "cache" })) - before.cache).toBe(1)
      expect((yield* counter(BreakerTelemetry.fallbacks, { breaker: "none", kind: "value" })) - before.value).toBe(1)
    }))
})

describe("rate-limit gate telemetry", () => {
  it.effect("a call the gate holds marks the span with the decision and the wait", () => {
    const exporter = new InMemorySpanExporter()
    return Effect.gen(function*() {
      const gate = yield* RateLimitGate.make({ name: unique("gate") })
      yield* gate.closeFor("gpt-4o", "7 seconds")
      yield* TestClock.adjust("2 seconds")
      const error = yield* Effect.flip(Effect.succeed(1).pipe(gate.guard("gpt-4o"), Effect.withSpan("request")))
      expect(error._tag).toBe("GateClosedError")
      const request = exporter.getFinishedSpans().find((s) => s.name === "request")!
      expect(request.attributes["rate_limit.decision"]).toBe("rejected")
      expect(request.attributes["rate_limit.wait_ms"]).toBe(5_000)
    }).pipe(Effect.provide(layerTracer(new SimpleSpanProcessor(exporter), { serviceName: "test" })))
  })
})
