import { describe, expect, it } from "@effect/vitest"
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect, Layer, List, Logger, LogLevel, Metric, TestClock } from "effect"
import { CircuitBreaker, TripPolicy } from "effect-breaker"
import { layerTracer } from "effect-breaker/otel"
import * as BreakerTelemetry from "../../src/BreakerTelemetry.js"

let seq = 0
const unique = (prefix: string) => `${prefix}-${process.pid}-${++seq}`
const SECRET = "sk-live-SECRET-0123456789"
/** A failing call whose error carries a secret: it must never surface in telemetry. */
const boom = Effect.fail({ _tag: "ProviderError", headers: { authorization: `Bearer ${SECRET}` } })

const make = (name: string) =>
  CircuitBreaker.make({
    name,
    policy: TripPolicy.consecutiveFailures(2),
    openDuration: "10 seconds",
    halfOpen: { permits: 1, successesToClose: 1 }
  })

const tagged = <T, I, O>(m: Metric.Metric<T, I, O>, tags: Record<string, string>) =>
  Object.entries(tags).reduce((acc, [k, v]) => Metric.tagged(acc, k, v), m)
const count = (m: Metric.Metric.Counter<number>, tags: Record<string, string>) =>
  Effect.map(Metric.value(tagged(m, tags)), (s) => s.count)

/** Drives one full cycle: 1 success, 2 failures (opens), 1 rejection, 10s later a probe that closes it. */
const cycle = (breaker: CircuitBreaker.CircuitBreaker) =>
  Effect.gen(function*() {
    yield* breaker(Effect.succeed(1).pipe(Effect.delay("100 millis"))).pipe(Effect.fork, Effect.flatMap((f) =>
      Effect.zipRight(TestClock.adjust("100 millis"), f.await)
    ))
    yield* Effect.exit(breaker(boom))
    yield* Effect.exit(breaker(boom))
    const rejected = yield* Effect.flip(breaker(Effect.succeed(1)))
    yield* TestClock.adjust("10 seconds")
    yield* breaker(Effect.succeed(2))
    return rejected
  })

describe("BreakerTelemetry.layerMetrics", () => {
  it.effect("counts calls, rejections, transitions, durations, time in state and sets the state gauge", () =>
    Effect.gen(function*() {
      const name = unique("metrics")
      const breaker = yield* make(name)
      expect((yield* Metric.value(tagged(BreakerTelemetry.state, { breaker: name }))).value).toBe(0)
      yield* Effect.exit(breaker(boom))
      yield* Effect.exit(breaker(boom))
      expect((yield* Metric.value(tagged(BreakerTelemetry.state, { breaker: name }))).value).toBe(BreakerTelemetry.stateCode.Open)
      yield* TestClock.adjust("10 seconds")
      yield* breaker(Effect.succeed(1).pipe(Effect.delay("2 seconds"))).pipe(
        Effect.fork,
        Effect.flatMap((f) => Effect.zipRight(TestClock.adjust("2 seconds"), f.await))
      )
      expect((yield* Metric.value(tagged(BreakerTelemetry.state, { breaker: name }))).value).toBe(0)
      yield* Effect.exit(breaker(Effect.interrupt))

      expect(yield* count(BreakerTelemetry.calls, { breaker: name, outcome: "failure" })).toBe(2)
      expect(yield* count(BreakerTelemetry.calls, { breaker: name, outcome: "success" })).toBe(1)
      expect(yield* count(BreakerTelemetry.calls, { breaker: name, outcome: "ignored" })).toBe(1)
      expect(yield* count(BreakerTelemetry.transitions, { breaker: name, from: "closed", to: "open" })).toBe(1)
      expect(yield* count(BreakerTelemetry.transitions, { breaker: name, from: "open", to: "half_open" })).toBe(1)
      expect(yield* count(BreakerTelemetry.transitions, { breaker: name, from: "half_open", to: "closed" })).toBe(1)
      // 10 s open, then 2 s half-open while the probe ran.
      expect(yield* count(BreakerTelemetry.stateSeconds, { breaker: name, state: "open" })).toBe(10)
      expect(yield* count(BreakerTelemetry.stateSeconds, { breaker: name, state: "half_open" })).toBe(2)
      const hist = yield* Metric.value(tagged(BreakerTelemetry.callDuration, { breaker: name, outcome: "success" }))
      expect(hist.count).toBe(1)
      expect(hist.sum).toBe(2)
    }).pipe(Effect.provide(BreakerTelemetry.layerMetrics)))

  it.effect("counts rejections by state and slow calls", () =>
    Effect.gen(function*() {
      const name = unique("rej")
      const breaker = yield* CircuitBreaker.make({
        name,
        policy: TripPolicy.any(
          TripPolicy.consecutiveFailures(1),
          TripPolicy.slowCallRate({ threshold: 1, duration: "1 second", minimumCalls: 100, window: TripPolicy.lastCalls(100) })
        ),
        openDuration: "1 minute"
      })
      yield* breaker(Effect.sleep("3 seconds")).pipe(Effect.fork, Effect.flatMap((f) =>
        Effect.zipRight(TestClock.adjust("3 seconds"), f.await)
      ))
      expect(yield* count(BreakerTelemetry.slowCalls, { breaker: name })).toBe(1)
      yield* Effect.exit(breaker(boom))
      for (let i = 0; i < 3; i++) yield* Effect.exit(breaker(Effect.void))
      yield* breaker.forceOpen
      yield* Effect.exit(breaker(Effect.void))
      expect(yield* count(BreakerTelemetry.rejectedCalls, { breaker: name, state: "open" })).toBe(3)
      expect(yield* count(BreakerTelemetry.rejectedCalls, { breaker: name, state: "forced_open" })).toBe(1)
      expect((yield* Metric.value(tagged(BreakerTelemetry.state, { breaker: name }))).value).toBe(3)
    }).pipe(Effect.provide(BreakerTelemetry.layerMetrics)))

  it.effect("a breaker made without the layer emits nothing", () =>
    Effect.gen(function*() {
      const name = unique("off")
      const breaker = yield* make(name)
      yield* Effect.exit(breaker(boom))
      expect(yield* count(BreakerTelemetry.calls, { breaker: name, outcome: "failure" })).toBe(0)
    }))
})

interface Line {
  readonly level: string
  readonly message: string
  readonly annotations: Record<string, unknown>
}
const captureLogs = (lines: Array<Line>) =>
  Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ annotations, logLevel, message }) => {
      const record: Record<string, unknown> = {}
      for (const [k, v] of annotations) record[k] = v
      lines.push({
        level: logLevel.label,
        message: List.isList(message) ? "" : Array.isArray(message) ? message.join(" ") : String(message),
        annotations: record
      })
    })
  )

describe("BreakerTelemetry.layerLogs", () => {
  it.effect("WARN on open with the figures, INFO on half-open and close, DEBUG on rejection, in the caller's fiber", () => {
    const lines: Array<Line> = []
    return Effect.gen(function*() {
      const name = unique("logs")
      const breaker = yield* make(name)
      yield* cycle(breaker).pipe(Effect.annotateLogs("request.id", "r-1"))
      const opened = lines.find((l) => l.level === "WARN")!
      expect(opened.message).toBe(`circuit ${name} opened for 10000 ms: 2 consecutive failures (threshold 2)`)
      expect(opened.annotations).toMatchObject({
        "breaker.name": name,
        "breaker.from": "closed",
        "breaker.to": "open",
        "breaker.reason": "consecutive_failures",
        "breaker.failures": 2,
        "breaker.threshold": 2,
        "breaker.open_for_ms": 10000,
        // Written in the caller's fiber: its own annotations are there.
        "request.id": "r-1"
      })
      expect(lines.map((l) => `${l.level} ${l.annotations["breaker.to"] ?? "-"}`)).toEqual([
        "WARN open",
        "DEBUG -",
        "INFO half_open",
        "INFO closed"
      ])
      expect(lines[1]!.annotations).toMatchObject({ "breaker.state": "open", "breaker.retry_after_ms": 10000 })
      expect(JSON.stringify(lines)).not.toContain(SECRET)
    }).pipe(
      Effect.provide(Layer.mergeAll(BreakerTelemetry.layerLogs, captureLogs(lines))),
      Logger.withMinimumLogLevel(LogLevel.Debug)
    )
  })

  it.effect("manual transitions are logged in the fiber that made them; layers merge without losing observers", () => {
    const lines: Array<Line> = []
    return Effect.gen(function*() {
      const name = unique("manual")
      const breaker = yield* make(name)
      yield* breaker.forceOpen
      yield* breaker.reset
      expect(lines.map((l) => `${l.level} ${l.message}`)).toEqual([
        `WARN circuit ${name} forced open: manual forceOpen`,
        `INFO circuit ${name} closed: manual reset`
      ])
      // Metrics came through the same merged layers.
      expect(yield* count(BreakerTelemetry.transitions, { breaker: name, from: "closed", to: "forced_open" })).toBe(1)
    }).pipe(Effect.provide(Layer.mergeAll(BreakerTelemetry.layerLogs, BreakerTelemetry.layerMetrics, BreakerTelemetry.layerSpans(), captureLogs(lines))))
  })
})

const attrs = (s: ReadableSpan) => s.attributes
const spansLayer = (exporter: InMemorySpanExporter) =>
  layerTracer(new SimpleSpanProcessor(exporter), { serviceName: "test" })

describe("BreakerTelemetry.layerSpans", () => {
  it.effect("span mode: one child span per call with name, state and outcome; events for rejection and transitions", () => {
    const exporter = new InMemorySpanExporter()
    return Effect.gen(function*() {
      const name = unique("span")
      const breaker = yield* make(name)
      yield* cycle(breaker).pipe(Effect.withSpan("request"))
      const spans = exporter.getFinishedSpans()
      const request = spans.find((s) => s.name === "request")!
      const calls = spans.filter((s) => s.name === `breaker ${name}`)
      expect(calls.map((s) => [attrs(s)["breaker.state"], attrs(s)["breaker.outcome"]])).toEqual([
        ["closed", "success"],
        ["closed", "failure"],
        ["closed", "failure"],
        ["open", "rejected"],
        ["half_open", "success"]
      ])
      for (const s of calls) {
        expect(s.parentSpanContext?.spanId).toBe(request.spanContext().spanId)
        expect(attrs(s)["breaker.name"]).toBe(name)
      }
      expect(calls[1]!.status.code).toBe(2)
      // The breaker span's exception names the error's tag only.
      expect(calls[1]!.events.find((e) => e.name === "exception")?.attributes?.["exception.type"]).toBe("ProviderError")
      expect(calls[0]!.duration).toEqual([0, 100_000_000])
      const opened = calls[2]!.events.find((e) => e.name === "breaker.transition")!
      expect(opened.attributes).toMatchObject({ "breaker.from": "closed", "breaker.to": "open", "breaker.failures": 2 })
      expect(calls[3]!.events.map((e) => e.name)).toContain("breaker.rejected")
      expect(calls[4]!.events.filter((e) => e.name === "breaker.transition").map((e) => e.attributes?.["breaker.to"]))
        .toEqual(["half_open", "closed"])
      expect(JSON.stringify(spans.map((s) => [s.attributes, s.events]))).not.toContain(SECRET)
    }).pipe(Effect.provide(Layer.mergeAll(spansLayer(exporter), BreakerTelemetry.layerSpans({ mode: "span" }))))
  })

  it.effect("span mode: the protected effect's own spans are children of the breaker span", () => {
    const exporter = new InMemorySpanExporter()
    return Effect.gen(function*() {
      const name = unique("nest")
      const breaker = yield* make(name)
      yield* breaker(Effect.void.pipe(Effect.withSpan("http")))
      const spans = exporter.getFinishedSpans()
      const http = spans.find((s) => s.name === "http")!
      const call = spans.find((s) => s.name === `breaker ${name}`)!
      expect(http.parentSpanContext?.spanId).toBe(call.spanContext().spanId)
    }).pipe(Effect.provide(Layer.mergeAll(spansLayer(exporter), BreakerTelemetry.layerSpans({ mode: "span" }))))
  })

  it.effect("annotate mode (default): the caller's span carries the breaker attributes; logs join it as events", () => {
    const exporter = new InMemorySpanExporter()
    return Effect.gen(function*() {
      const name = unique("annot")
      const breaker = yield* make(name)
      yield* breaker(Effect.succeed(1)).pipe(Effect.withSpan("ok"))
      yield* Effect.exit(breaker(boom).pipe(Effect.withSpan("f1")))
      yield* Effect.exit(breaker(boom).pipe(Effect.withSpan("f2")))
      yield* Effect.exit(breaker(Effect.void).pipe(Effect.withSpan("rejected")))
      const spans = exporter.getFinishedSpans()
      expect(spans.some((s) => s.name.startsWith("breaker "))).toBe(false)
      const byName = (n: string) => spans.find((s) => s.name === n)!
      expect(attrs(byName("ok"))).toMatchObject({ "breaker.name": name, "breaker.state": "closed", "breaker.outcome": "success", "breaker.slow": false })
      expect(attrs(byName("f1"))["breaker.outcome"]).toBe("failure")
      const f2 = byName("f2")
      expect(f2.events.map((e) => e.name)).toEqual(expect.arrayContaining(["breaker.transition", `circuit ${name} opened for 10000 ms: 2 consecutive failures (threshold 2)`]))
      expect(attrs(byName("rejected"))).toMatchObject({ "breaker.outcome": "rejected", "breaker.state": "open", "breaker.retry_after_ms": 10000 })
      // The caller's span records the caller's error as Effect does (not ours to redact); what we add is clean.
      const ours = spans.map((s) => [s.attributes, s.events.filter((e) => e.name !== "exception")])
      expect(JSON.stringify(ours)).not.toContain(SECRET)
    }).pipe(Effect.provide(Layer.mergeAll(spansLayer(exporter), BreakerTelemetry.layerSpans(), BreakerTelemetry.layerLogs)))
  })

  it.effect("genAiAttributes keeps only typed fields and the host of a URL", () =>
    Effect.sync(() => {
      const a = BreakerTelemetry.genAiAttributes({
        system: "openai",
        operation: "chat",
        requestModel: "gpt-4o",
        inputTokens: 12,
        serverUrl: `https://user:${SECRET}@api.openai.com/v1?key=${SECRET}`
      })
      expect(a).toEqual({
        "gen_ai.system": "openai",
        "gen_ai.provider.name": "openai",
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.usage.input_tokens": 12,
        "server.address": "api.openai.com",
        "server.port": 443
      })
      expect(BreakerTelemetry.genAiAttributes({ system: "x", serverUrl: "not a url" })).toEqual({
        "gen_ai.system": "x",
        "gen_ai.provider.name": "x"
      })
    }))
})
