import * as OtelMetrics from "@effect/opentelemetry/Metrics"
import * as OtelResource from "@effect/opentelemetry/Resource"
import { describe, expect, it } from "@effect/vitest"
import { AggregationTemporality, MetricReader } from "@opentelemetry/sdk-metrics"
import { Effect, Exit, Layer, Redacted } from "effect"
import { CircuitBreaker, TripPolicy } from "effect-breaker"
import { layerOtlp } from "effect-breaker/otel/otlp"
import { layerPrometheus } from "effect-breaker/otel/prometheus"
import { readFileSync } from "node:fs"
import * as http from "node:http"
import * as net from "node:net"
import { freePort } from "../support/net.js"
import * as BreakerTelemetry from "../../src/BreakerTelemetry.js"
import { annotateAttempt, annotateFallback } from "../../src/internal/telemetry/annotate.js"

let seq = 0
const unique = (prefix: string) => `${prefix}_${process.pid}_${++seq}`

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE })
  }
  protected override onForceFlush() {
    return Promise.resolve()
  }
  protected override onShutdown() {
    return Promise.resolve()
  }
}

/** Traffic that makes every metric appear: calls of each outcome, a trip, rejections, a retry and a fallback. */
const traffic = (name: string) =>
  Effect.gen(function*() {
    const breaker = yield* CircuitBreaker.make({ name, policy: TripPolicy.consecutiveFailures(2), openDuration: "1 minute" })
    yield* breaker(Effect.succeed(1))
    yield* Effect.exit(breaker(Effect.sleep("5 millis").pipe(Effect.zipRight(Effect.interrupt))))
    yield* Effect.exit(breaker(Effect.fail("e")))
    yield* Effect.exit(breaker(Effect.fail("e")))
    yield* Effect.exit(breaker(Effect.void))
    yield* annotateAttempt(2, name)
    yield* annotateFallback("anthropic", "provider", name)
    return breaker
  })

/** A local OTLP/HTTP collector: records every request path, headers and body. */
const collector = Effect.acquireRelease(
  Effect.async<{ port: number; requests: Array<{ path: string; auth: string | undefined; body: string }>; server: http.Server }>(
    (resume) => {
      const requests: Array<{ path: string; auth: string | undefined; body: string }> = []
      const server = http.createServer((req, res) => {
        const chunks: Array<Buffer> = []
        req.on("data", (c: Buffer) => chunks.push(c))
        req.on("end", () => {
          requests.push({ path: req.url ?? "", auth: req.headers["x-api-key"] as string | undefined, body: Buffer.concat(chunks).toString("utf8") })
          res.writeHead(200, { "content-type": "application/json" })
          res.end("{}")
        })
      })
      server.listen(0, "127.0.0.1", () => {
        resume(Effect.succeed({ port: (server.address() as net.AddressInfo).port, requests, server }))
      })
    }
  ),
  ({ server }) => Effect.async<void>((resume) => {
    server.close(() => resume(Effect.void))
  })
)

const scrapeNames = (text: string): Set<string> => {
  const names = new Set<string>()
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{|\s)/.exec(line)
    if (m && !line.startsWith("#")) names.add(m[1]!)
  }
  return names
}

/** Each series name in a scrape with the label names it carries. */
const scrapeLabels = (text: string): Map<string, Set<string>> => {
  const out = new Map<string, Set<string>>()
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/.exec(line)
    if (!m || line.startsWith("#")) continue
    const labels = out.get(m[1]!) ?? new Set<string>()
    for (const [, label] of m[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) labels.add(label!)
    out.set(m[1]!, labels)
  }
  return out
}

/** The label names a PromQL expression uses: in selectors `{a="x"}` and in `by (a, b)` / `on (a)` clauses. */
const queryLabels = (expr: string): Set<string> => {
  const out = new Set<string>()
  for (const [, inner] of expr.matchAll(/\{([^}]*)\}/g)) for (const [, l] of inner!.matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)) out.add(l!)
  for (const [, list] of expr.matchAll(/\b(?:by|on|without|ignoring)\s*\(([^)]*)\)/g)) for (const l of list!.split(",")) if (l.trim()) out.add(l.trim())
  return out
}

describe("effect-breaker/otel", () => {
  it.scopedLive("metrics reach an OpenTelemetry MetricReader with their tags", () =>
    Effect.gen(function*() {
      const reader = new TestReader()
      const name = unique("reader")
      yield* Effect.gen(function*() {
        yield* traffic(name)
        const { resourceMetrics } = yield* Effect.promise(() => reader.collect())
        const metrics = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics)
        const calls = metrics.find((m) => m.descriptor.name === "effect_breaker_calls")!
        const failures = calls.dataPoints.find((p) => p.attributes.breaker === name && p.attributes.outcome === "failure")
        expect(failures?.value).toBe(2)
        const state = metrics.find((m) => m.descriptor.name === "effect_breaker_state")!
        expect(state.dataPoints.find((p) => p.attributes.breaker === name)?.value).toBe(1)
        const duration = metrics.find((m) => m.descriptor.name === "effect_breaker_call_duration_seconds")!
        const point = duration.dataPoints.find((p) => p.attributes.breaker === name && p.attributes.outcome === "success")
        expect((point?.value as { count: number }).count).toBe(1)
      }).pipe(
        Effect.provide(Layer.mergeAll(
          BreakerTelemetry.layerMetrics,
          OtelMetrics.layer(() => reader).pipe(Layer.provide(OtelResource.layer({ serviceName: "test" })))
        ))
      )
    }))

  it.scopedLive("Prometheus endpoint on 127.0.0.1 serves our metrics; dashboards and alerts reference only names we emit", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const name = unique("prom")
      const text = yield* Effect.gen(function*() {
        yield* traffic(name)
        const res = yield* Effect.promise(() => fetch(`http://127.0.0.1:${port}/metrics`))
        expect(res.status).toBe(200)
        return yield* Effect.promise(() => res.text())
      }).pipe(Effect.provide(Layer.mergeAll(BreakerTelemetry.layerMetrics, layerPrometheus({ serviceName: "test", port }))))
      expect(text).toMatch(new RegExp(`effect_breaker_calls_total\\{[^}]*breaker="${name}"[^}]*outcome="failure"[^}]*\\} 2`))
      expect(text).toMatch(new RegExp(`effect_breaker_transitions_total\\{[^}]*breaker="${name}",from="closed",to="open"[^}]*\\} 1`))
      expect(text).toMatch(new RegExp(`effect_breaker_state\\{[^}]*breaker="${name}"[^}]*\\} 1`))
      const emitted = scrapeNames(text)

      const dashboard = JSON.parse(readFileSync(new URL("../../dashboards/effect-breaker.grafana.json", import.meta.url), "utf8"))
      const exprs: Array<string> = dashboard.panels.flatMap((p: { targets: Array<{ expr: string }> }) =>
        p.targets.map((t) => t.expr)
      )
      expect(dashboard.panels.length).toBeGreaterThanOrEqual(6)
      const yaml = readFileSync(new URL("../../dashboards/alerts.yml", import.meta.url), "utf8")
      // `expr:` values, including block scalars (`expr: |` followed by indented lines).
      const alertExprs: Array<string> = []
      const lines = yaml.split("\n")
      for (let i = 0; i < lines.length; i++) {
        const m = /^(\s*)expr:\s*(.*)$/.exec(lines[i]!)
        if (!m) continue
        if (m[2] !== "|") alertExprs.push(m[2]!)
        else {
          const block: Array<string> = []
          while (i + 1 < lines.length && (lines[i + 1]!.startsWith(m[1]! + "  ") || lines[i + 1]!.trim() === "")) block.push(lines[++i]!)
          alertExprs.push(block.join("\n"))
        }
      }
      expect(alertExprs.length).toBe(4)
      const referenced = new Set([...exprs, ...alertExprs].flatMap((e) => e.match(/effect_breaker_[a-z_]+/g) ?? []))
      expect(referenced.size).toBeGreaterThanOrEqual(8)
      for (const metric of referenced) expect(emitted, `${metric} is referenced but not emitted`).toContain(metric)
      // and every label a query groups or filters by is one those metrics carry
      const labels = scrapeLabels(text)
      for (const expr of [...exprs, ...alertExprs]) {
        const carried = new Set((expr.match(/effect_breaker_[a-z_]+/g) ?? []).flatMap((m) => [...(labels.get(m) ?? [])]))
        for (const label of queryLabels(expr)) expect(carried, `${label} in ${expr}`).toContain(label)
      }
    }))

  it.scopedLive("OTLP/HTTP export reaches a local collector with our metric and span names, headers sent, no secret in bodies", () =>
    Effect.gen(function*() {
      const sink = yield* collector
      const name = unique("otlp")
      const secret = "collector-key-SECRET"
      yield* Effect.scoped(Effect.gen(function*() {
        const breaker = yield* traffic(name)
        yield* Effect.exit(breaker(Effect.void).pipe(Effect.withSpan("caller")))
      }).pipe(
        Effect.provide(Layer.mergeAll(
          BreakerTelemetry.layerMetrics,
          BreakerTelemetry.layerSpans({ mode: "span" }),
          layerOtlp({
            serviceName: "otlp-test",
            endpoint: `http://127.0.0.1:${sink.port}`,
            headers: { "x-api-key": Redacted.make(secret) },
            exportInterval: "1 hour"
          })
        ))
      ))
      // Releasing the layer flushed both pipelines.
      const traces = sink.requests.filter((r) => r.path === "/v1/traces")
      const metrics = sink.requests.filter((r) => r.path === "/v1/metrics")
      expect(traces.length).toBeGreaterThan(0)
      expect(metrics.length).toBeGreaterThan(0)
      expect(traces.map((r) => r.body).join("")).toContain(`breaker ${name}`)
      expect(traces.map((r) => r.body).join("")).toContain("breaker.rejected")
      const metricBody = metrics.map((r) => r.body).join("")
      for (const n of ["effect_breaker_calls", "effect_breaker_state", "effect_breaker_transitions"]) expect(metricBody).toContain(n)
      expect(metricBody).toContain(name)
      expect(sink.requests.every((r) => r.auth === secret)).toBe(true)
      expect(sink.requests.some((r) => r.body.includes(secret))).toBe(false)
    }))

  it.scopedLive("bad options and a taken port fail with typed errors", () =>
    Effect.gen(function*() {
      const bad = yield* Effect.exit(Layer.build(layerPrometheus({ serviceName: "x", port: 70000 })))
      expect(Exit.isFailure(bad) && JSON.stringify(bad.cause)).toContain("InvalidOptionError")
      const url = yield* Effect.flip(Layer.build(layerOtlp({ serviceName: "x", endpoint: "ftp://user:pw@host" })))
      expect(url._tag).toBe("InvalidOptionError")
      expect(url.message).not.toContain("pw")
      // userinfo without a scheme, a key in the query: neither is echoed (the rest is, to say what was wrong)
      for (const endpoint of ["user:s3cret-key@collector:4318", "htps://collector:4318/v1?api_key=s3cret-key", "ftp://c/#s3cret-key"]) {
        const bad = yield* Effect.flip(Layer.build(layerOtlp({ serviceName: "x", endpoint })))
        expect(bad._tag).toBe("InvalidOptionError")
        expect(bad.message).toContain("endpoint")
        expect(bad.message).not.toContain("s3cret")
      }
      // a key given as a plain string where a Redacted one is expected (the mistake the check catches) is not shown
      const keys = [
        { headers: { authorization: "Bearer sk-live-s3cret0123456789" } },
        { headers: "Bearer sk-live-s3cret0123456789" },
        { secrets: ["sk-live-s3cret0123456789"] },
        { secrets: "sk-live-s3cret0123456789" }
      ]
      const whole = yield* Effect.flip(Layer.build(layerOtlp("https://collector?api_key=s3cret" as never)))
      expect(whole._tag).toBe("InvalidOptionError")
      expect(JSON.stringify(whole)).not.toContain("s3cret")
      for (const given of keys) {
        const bad = yield* Effect.flip(Layer.build(layerOtlp({ serviceName: "x", ...given } as never)))
        expect(bad._tag).toBe("InvalidOptionError")
        expect(bad.message).toMatch(/headers|secrets/)
        expect(JSON.stringify(bad)).not.toContain("s3cret")
      }
      const port = yield* freePort
      yield* Layer.build(layerPrometheus({ serviceName: "a", port }))
      const taken = yield* Effect.flip(Layer.build(layerPrometheus({ serviceName: "b", port })))
      expect(taken._tag).toBe("ExporterStartError")
    }))
})
