/**
 * Issue 9 finding 1: a breaker's metric series are released with its key.
 * Effect's metric registry is process-global: every test uses its own name prefix.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Context, Effect, Fiber, Layer, Metric, Schedule, Stream, TestClock } from "effect"
import { BreakerTelemetry, CircuitBreaker, TripPolicy } from "effect-breaker"
import { HttpBreakers } from "effect-breaker/http"
import { layerPrometheus } from "effect-breaker/otel/prometheus"
import { freePort } from "../support/net.js"
import { canRelease, ownerCount, pendingCollected } from "../../src/internal/telemetry/series.js"
import { annotateAttempt, annotateFallback } from "../../src/internal/telemetry/annotate.js"
import { collectGarbage, heapUsedMb } from "./gc.js"

let n = 0
const unique = (label: string) => `${label}-${Date.now().toString(36)}-${n++}:`

/** Our series in Effect's registry whose `breaker` tag starts with `prefix`. */
const seriesOf = (prefix: string) =>
  Metric.unsafeSnapshot().filter((p) =>
    p.metricKey.name.startsWith("effect_breaker_") && p.metricKey.tags.some((t) => t.key === "breaker" && t.value.startsWith(prefix))
  )

/** An HttpClient that answers 200 without a socket: the hosts are data, not servers. */
const stubClient = HttpClient.make((request) => Effect.succeed(HttpClientResponse.fromWeb(request, new Response("ok"))))

const failing = HttpClient.make((request) =>
  Effect.succeed(HttpClientResponse.fromWeb(request, new Response("down", { status: 503 })))
)

/** Sends one request to each of `hosts` distinct hosts through the per-host breakers. */
const throughHosts = (breakers: HttpBreakers.Service, hosts: number, from = 0, client = stubClient) => {
  const protectedClient = HttpBreakers.protect(client, breakers)
  return Effect.forEach(
    Array.from({ length: hosts }, (_, i) => i + from),
    (i) => Effect.exit(protectedClient.get(`http://h${i}.example.test/v1`)),
    { discard: true }
  )
}

describe("metric series are released with their key (issue 9 finding 1)", () => {
  it("Effect's registry can release series (pins the registry shape this relies on)", () => {
    assert.isTrue(canRelease(), "effect's MetricRegistry no longer has a MutableHashMap `map`: series cannot be released")
  })

  it.effect("an evicted host's series go, whatever it did: transitions, state time, rejections, retries, fallbacks", () =>
    Effect.gen(function*() {
      const prefix = unique("cycled")
      const breakers = yield* HttpBreakers.make({
        maxKeys: 1,
        namePrefix: prefix,
        breaker: { policy: TripPolicy.consecutiveFailures(1), openDuration: "1 minute" }
      })
      yield* throughHosts(breakers, 1, 0, failing) // h0 opens
      yield* throughHosts(breakers, 1, 0) // rejected
      const h0 = `${prefix}h0.example.test`
      yield* annotateAttempt(2, h0)
      yield* annotateFallback("other", "provider", h0)
      const before = seriesOf(h0)
      assert.includeMembers(before.map((p) => p.metricKey.name), [
        "effect_breaker_transitions",
        "effect_breaker_state_seconds",
        "effect_breaker_retries",
        "effect_breaker_fallbacks"
      ])
      yield* throughHosts(breakers, 1, 1) // h1 evicts h0
      assert.deepStrictEqual(seriesOf(h0).map((p) => p.metricKey.name), [])
      assert.strictEqual(seriesOf(`${prefix}h1.example.test`).length, 11)
    }).pipe(Effect.provide(BreakerTelemetry.layerMetrics)))

  it.effect("a call still in flight on an evicted breaker does not bring its series back", () =>
    Effect.gen(function*() {
      const prefix = unique("inflight")
      const breakers = yield* HttpBreakers.make({
        maxKeys: 1,
        namePrefix: prefix,
        breaker: { policy: TripPolicy.consecutiveFailures(1) }
      })
      const slowFailing = HttpClient.make((request) =>
        Effect.sleep("1 second").pipe(Effect.as(HttpClientResponse.fromWeb(request, new Response("down", { status: 503 }))))
      )
      const call = yield* Effect.fork(Effect.exit(HttpBreakers.protect(slowFailing, breakers).get("http://a.example.test/")))
      yield* Effect.yieldNow()
      yield* throughHosts(breakers, 1, 0) // h0 evicts a
      const a = `${prefix}a.example.test`
      assert.strictEqual(seriesOf(a).length, 0)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(call) // its 503 is recorded and trips a's circuit: a new transition edge
      assert.strictEqual(seriesOf(a).length, 0)
    }).pipe(Effect.provide(BreakerTelemetry.layerMetrics)))

  it.effect("breakers sharing a name share series: releasing one keeps them for the other", () =>
    Effect.gen(function*() {
      const prefix = unique("shared")
      const one = yield* HttpBreakers.make({ maxKeys: 1, namePrefix: prefix })
      const two = yield* HttpBreakers.make({ maxKeys: 1, namePrefix: prefix })
      yield* throughHosts(one, 1)
      yield* throughHosts(two, 1)
      yield* throughHosts(one, 1, 1) // one forgets h0; two still has it
      assert.strictEqual(seriesOf(`${prefix}h0.example.test`).length, 11)
      yield* throughHosts(two, 1, 1)
      assert.strictEqual(seriesOf(`${prefix}h0.example.test`).length, 0)
    }).pipe(Effect.provide(BreakerTelemetry.layerMetrics)))

  it.scoped("an evicted breaker's events stream ends (its subscription is released)", () =>
    Effect.gen(function*() {
      const prefix = unique("events")
      const breakers = yield* HttpBreakers.make({ maxKeys: 1, namePrefix: prefix })
      const h0 = yield* breakers.breakerFor("h0")
      const queue = yield* h0.subscribe
      const watcher = yield* Effect.fork(Stream.runCollect(Stream.fromQueue(queue)))
      const lateWatcher = yield* Effect.fork(Stream.runCollect(h0.events)) // may subscribe only after the eviction
      yield* h0.forceOpen
      yield* Effect.repeatN(Effect.yieldNow(), 5) // the watcher takes it (what is not yet taken at the release is dropped)
      yield* breakers.breakerFor("h1") // evicts h0
      const seen = yield* Fiber.join(watcher)
      assert.deepStrictEqual(Chunk.toReadonlyArray(seen).map((t) => t.to), ["ForcedOpen"])
      yield* Fiber.join(lateWatcher)
      assert.strictEqual(Chunk.size(yield* Stream.runCollect(h0.events)), 0, "subscribing after the release ends at once")
    }))

  it.effect("releasing the HttpBreakers layer releases every key", () =>
    Effect.gen(function*() {
      const prefix = unique("layer")
      yield* Effect.scoped(Effect.gen(function*() {
        const breakers = yield* Layer.build(HttpBreakers.layer({ maxKeys: 10, namePrefix: prefix }))
        yield* throughHosts(Context.get(breakers, HttpBreakers.HttpBreakers), 5)
        assert.strictEqual(seriesOf(prefix).length, 5 * 11)
      }))
      assert.strictEqual(seriesOf(prefix).length, 0)
    }).pipe(Effect.provide(BreakerTelemetry.layerMetrics)))

  it.scopedLive("20,000 distinct hosts through HttpBreakers (maxKeys 1,000): series, heap and a Prometheus scrape stay bounded", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const prefix = unique("hosts")
      const { base, grown, text } = yield* Effect.gen(function*() {
        const breakers = yield* HttpBreakers.make({ maxKeys: 1_000, namePrefix: prefix })
        yield* throughHosts(breakers, 1_000) // the steady state: maxKeys breakers
        const base = yield* Effect.promise(() => heapUsedMb())
        yield* throughHosts(breakers, 20_000, 1_000)
        const grown = (yield* Effect.promise(() => heapUsedMb())) - base
        // the exporter starts asynchronously: retry the first scrape
        const res = yield* Effect.retry(
          Effect.tryPromise(() => fetch(`http://127.0.0.1:${port}/metrics`)),
          { times: 50, schedule: Schedule.spaced("20 millis") }
        )
        return { base, grown, text: yield* Effect.promise(() => res.text()) }
      }).pipe(Effect.provide(Layer.mergeAll(
        BreakerTelemetry.layer({ mode: "span" }), // metrics, a span per call (span options cached per breaker), logs
        layerPrometheus({ serviceName: "bounds", port })
      )))

      // Effect's registry: 11 series per breaker at creation (state, 3 calls, 3 durations, slow, 3 rejected); was 231,000
      const series = seriesOf(prefix)
      assert.strictEqual(series.length, 1_000 * 11)
      const names = new Set(series.map((p) => p.metricKey.tags.find((t) => t.key === "breaker")!.value))
      assert.strictEqual(names.size, 1_000)
      assert.isTrue(names.has(`${prefix}h20999.example.test`), "the most recent hosts are kept")
      assert.isFalse(names.has(`${prefix}h0.example.test`), "the first host's series left with it")

      // the scrape: per breaker state 1 + calls 3 + rejected 3 + slow 1 + 3 histograms x (16 buckets + sum + count) = 62 lines
      const ours = text.split("\n").filter((line) => line.includes(`breaker="${prefix}`))
      assert.strictEqual(new Set(ours.map((line) => /breaker="([^"]*)"/.exec(line)![1])).size, 1_000)
      assert.strictEqual(ours.length, 1_000 * 62)

      // the heap: 20,000 more hosts through 1,000 slots leave it where it was (the leak was ~190 MB)
      assert.isBelow(grown, 40, `heap grew ${grown.toFixed(1)} MB from ${base.toFixed(0)} MB`)
      console.log(`[bounds] 20,000 hosts, maxKeys 1,000: ${series.length} series, ${ours.length} scrape lines, heap ${grown >= 0 ? "+" : ""}${grown.toFixed(1)} MB`)
    }), 180_000) // ~200 µs per new host on an idle core; the CI machine is shared

  it.live("a breaker nobody holds any more gives its series back, once collected, when the next breaker is made", () =>
    Effect.gen(function*() {
      const name = unique("dropped")
      yield* Effect.gen(function*() {
        const breaker = yield* CircuitBreaker.make({ name })
        yield* breaker(Effect.void)
      })
      assert.strictEqual(seriesOf(name).length, 11)
      const owners = ownerCount()
      for (let i = 0; i < 20 && !pendingCollected().includes(name); i++) yield* Effect.promise(() => collectGarbage())
      assert.include(pendingCollected(), name, "the dropped breaker was collected")
      assert.strictEqual(seriesOf(name).length, 11, "collection alone removes nothing (a last export still has them)")
      const next = yield* CircuitBreaker.make({ name: unique("next") })
      assert.strictEqual(seriesOf(name).length, 0)
      assert.isAtMost(ownerCount(), owners, "the dropped name left the owner table; the new one took its place")
      yield* next(Effect.void)
    }).pipe(Effect.provide(BreakerTelemetry.layerMetrics)))
})
