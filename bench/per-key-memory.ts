/**
 * Memory and metric series per key: distinct hosts through `HttpBreakers` with
 * the metrics layer, heap measured after a full collection. Issue 9 finding 1:
 * before series were released with their breaker, each forgotten host left ~9 KB
 * and 11 series behind (20,000 hosts: ~183 MB, 220,000 series).
 * Run: `npx tsc -p tsconfig.bench.json && node --expose-gc .bench/bench/per-key-memory.js` (a script, not a test).
 */
import { HttpClient, HttpClientResponse } from "@effect/platform"
import { Effect, Metric } from "effect"
import { BreakerTelemetry } from "../src/index.js"
import { HttpBreakers } from "../src/http/index.js"

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error("run with node --expose-gc")
const heapMb = async () => {
  gc()
  await new Promise((resolve) => setTimeout(resolve, 10))
  gc()
  return process.memoryUsage().heapUsed / 1_048_576
}
const ourSeries = () => Metric.unsafeSnapshot().filter((p) => p.metricKey.name.startsWith("effect_breaker_")).length
const stub = HttpClient.make((request) => Effect.succeed(HttpClientResponse.fromWeb(request, new Response("ok"))))

const program = Effect.gen(function*() {
  const maxKeys = 1_000
  const breakers = yield* HttpBreakers.make({ maxKeys })
  const client = HttpBreakers.protect(stub, breakers)
  const hosts = (from: number, n: number) =>
    Effect.forEach(
      Array.from({ length: n }, (_, i) => from + i),
      (i) => Effect.exit(client.get(`http://h${i}.example.test/`)),
      { discard: true }
    )
  yield* hosts(0, maxKeys)
  const base = yield* Effect.promise(heapMb)
  console.log(`maxKeys ${maxKeys}: ${maxKeys} hosts, ${ourSeries()} series, heap ${base.toFixed(1)} MB`)
  let seen = maxKeys
  for (const n of [10_000, 10_000, 20_000]) {
    const t0 = performance.now()
    yield* hosts(seen, n)
    const ms = performance.now() - t0
    seen += n
    const grown = (yield* Effect.promise(heapMb)) - base
    console.log(
      `${seen} hosts: ${ourSeries()} series, heap ${grown >= 0 ? "+" : ""}${grown.toFixed(1)} MB, ` +
        `${(ms * 1000 / n).toFixed(0)} µs per new host`
    )
  }
}).pipe(Effect.provide(BreakerTelemetry.layerMetrics))

Effect.runPromise(program)
