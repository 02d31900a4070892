/**
 * Round-3 probes: a key that comes from a URL names a breaker (HttpBreakers keys
 * are data), and that name reaches metric tags, spans, log lines and
 * `CircuitOpenError`. Table: URL carrying a key × key function × sink.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { describe, expect, it } from "@effect/vitest"
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Cause, Effect, Exit, Inspectable, Layer, List, Logger, LogLevel, Metric, Redacted } from "effect"
import { BreakerTelemetry, TripPolicy } from "effect-breaker"
import { byHostAndPath, HttpBreakers, type KeyFn } from "effect-breaker/http"
import { layerTracer } from "effect-breaker/otel"
import { inspect } from "node:util"

const KEYS = {
  openai: "sk-proj-Abc0123456789defGHIjkl012345",
  google: "AIzaSyA1234567890abcdefghijklmnopqrstu",
  telegram: "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1",
  // no known shape: only where a URL's syntax says it is a credential (userinfo, `?key=`)
  opaque: "Zq9vLmXw3Tn7Rb2Kp5Hc8Yd4"
}

let n = 0
const unique = () => `sec${Date.now().toString(36)}${n++}:`

const failing = HttpClient.make((request) => Effect.succeed(HttpClientResponse.fromWeb(request, new Response("down", { status: 503 }))))

const fullUrl: KeyFn = (request) => request.url

const CASES: ReadonlyArray<readonly [string, (key: string) => string, KeyFn | undefined]> = [
  ["userinfo, byHost", (k) => `https://user:${encodeURIComponent(k)}@api.example.test/v1`, undefined],
  ["userinfo with a raw @, byHost", (k) => `https://u:${k}@x@api.example.test/v1`, undefined],
  ["token in a path segment, byHostAndPath(1)", (k) => `https://api.example.test/bot${k}/sendMessage`, byHostAndPath(1)],
  ["?key= kept by a key function", (k) => `https://api.example.test/v1/models?key=${k}`, fullUrl],
  ["?api_key%3D kept by a key function", (k) => `https://api.example.test/v1?q=api_key%3D${encodeURIComponent(k)}`, fullUrl]
]

describe("HttpBreakers: a key in the URL reaches no breaker name, metric tag, span, log line or rejection", () => {
  for (const [what, url, key] of CASES) {
    for (const [kind, secret] of Object.entries(KEYS)) {
      if (kind === "opaque" && !/userinfo|\?key=/.test(what)) continue
      it.effect(`${what} / ${kind}`, () => {
        const lines: Array<string> = []
        const exporter = new InMemorySpanExporter()
        const prefix = unique()
        return Effect.gen(function*() {
          const breakers = yield* HttpBreakers.make({
            namePrefix: prefix,
            ...(key === undefined ? {} : { key }),
            breaker: { policy: TripPolicy.consecutiveFailures(1), openDuration: "1 minute" }
          })
          const client = failing.pipe(HttpClient.filterStatusOk, HttpBreakers.protect(breakers))
          const texts: Array<string> = []
          for (let i = 0; i < 2; i++) {
            const exit = yield* Effect.exit(client.get(url(secret)).pipe(Effect.withSpan("request")))
            expect(Exit.isFailure(exit)).toBe(true)
            if (Exit.isFailure(exit)) {
              const error = Cause.squash(exit.cause)
              texts.push(String(error), JSON.stringify(error), Cause.pretty(exit.cause), inspect(error, { depth: 5 }), Inspectable.toStringUnknown(error))
            }
          }
          const stats = yield* breakers.stats
          const names = (yield* breakers.breakers).map(([, b]) => b.name)
          expect(names.length).toBe(1)
          texts.push(JSON.stringify(stats), ...names)
          texts.push(
            JSON.stringify(
              Metric.unsafeSnapshot().filter((p) => p.metricKey.tags.some((t) => t.key === "breaker" && t.value.startsWith(prefix)))
                .map((p) => p.metricKey.tags)
            )
          )
          for (const s of exporter.getFinishedSpans()) texts.push(s.name, JSON.stringify(s.attributes), JSON.stringify(s.events), JSON.stringify(s.status))
          texts.push(...lines)
          const all = texts.join("\n")
          for (const fragment of [secret, encodeURIComponent(secret), secret.slice(-16)]) expect(all).not.toContain(fragment)
          // still one named circuit per key, with the host in its name
          expect(names[0]).toContain("api.example.test")
        }).pipe(
          Effect.provide(Layer.mergeAll(
            BreakerTelemetry.layerLogs,
            BreakerTelemetry.layerMetrics,
            BreakerTelemetry.layerSpans({ mode: "span" }),
            layerTracer(new SimpleSpanProcessor(exporter), { serviceName: "test" }),
            Logger.replace(
              Logger.defaultLogger,
              Logger.make(({ annotations, message }) => {
                const record: Record<string, unknown> = {}
                for (const [k, v] of annotations) record[k] = v
                lines.push(`${List.isList(message) ? "" : JSON.stringify(message)} ${JSON.stringify(record)}`)
              })
            )
          ).pipe(Layer.orDie)),
          Logger.withMinimumLogLevel(LogLevel.Debug)
        )
      })
    }
  }

  it.effect("two keys that differ only in their secret stay two breakers", () =>
    Effect.gen(function*() {
      const breakers = yield* HttpBreakers.make({ namePrefix: unique(), key: byHostAndPath(1) })
      const client = HttpBreakers.protect(failing, breakers)
      yield* Effect.exit(client.get(`https://api.example.test/bot${KEYS.telegram}/x`))
      yield* Effect.exit(client.get(`https://api.example.test/bot${KEYS.telegram.replace("1", "2")}/x`))
      const names = (yield* breakers.breakers).map(([, b]) => b.name)
      expect(new Set(names).size).toBe(2)
    }))
})

describe("HttpBreakers' secrets: an opaque key of no known shape, given, is removed too", () => {
  const OPAQUE = "Zq9vLmXw3Tn7Rb2Kp5Hc8Yd4"
  it.effect("from the breaker name (a path segment), the error's URL and a custom header, in every rendering", () =>
    Effect.gen(function*() {
      const breakers = yield* HttpBreakers.make({ namePrefix: unique(), key: byHostAndPath(2), secrets: [Redacted.make(OPAQUE)] })
      const client = failing.pipe(HttpClient.filterStatusOk, HttpBreakers.protect(breakers))
      const exit = yield* Effect.exit(
        client.execute(
          HttpClientRequest.get(`https://api.example.test/v1/${OPAQUE}/send`).pipe(HttpClientRequest.setHeader("x-forward", `tok ${OPAQUE}`))
        )
      )
      expect(Exit.isFailure(exit)).toBe(true)
      const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      const names = (yield* breakers.breakers).map(([, b]) => b.name)
      const all = [String(error), JSON.stringify(error), inspect(error, { depth: 8 }), ...names].join("\n")
      expect(all).not.toContain(OPAQUE)
      expect(all).not.toContain(OPAQUE.slice(0, 12))
      expect(names[0]).toContain("api.example.test/v1/<redacted>#")
    }))

  it.effect("a key given as a plain string is refused without being shown", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(HttpBreakers.make({ secrets: [OPAQUE] as never }))
      expect(error._tag).toBe("InvalidOptionError")
      expect(error.message).not.toContain(OPAQUE)
      expect(error.message).toContain("secrets")
    }))
})
