/**
 * What telemetry costs on the breaker's closed path, in one process:
 * telemetry off, metrics on, metrics + spans (annotate the caller's span, or a
 * span per call), and metrics + spans + logs. Every case runs the same loop of
 * N protected successful calls in ONE fiber inside a parent span (so "annotate"
 * has a span to annotate), with Effect's built-in tracer (the OpenTelemetry
 * exporter's own cost is not ours and depends on the processor).
 *
 * Run: tsc -p tsconfig.bench.json && node --expose-gc .bench/bench/telemetry.bench.js
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as BreakerTelemetry from "../src/BreakerTelemetry.js"
import { CircuitBreaker, type InvalidOptionError, TripPolicy } from "../src/index.js"
import { type Case, measure, ns, table } from "./harness.js"

const N = 20_000
const one = Effect.succeed(1)

const makeBreaker = (name: string, layer: Layer.Layer<never, InvalidOptionError> | undefined) => {
  const make = CircuitBreaker.make({ name, policy: TripPolicy.consecutiveFailures(5) })
  return Effect.runSync(layer === undefined ? make : Effect.provide(make, layer))
}

/** N steps in one fiber, inside one parent span. */
const loop = (step: () => Effect.Effect<unknown, unknown>) => (n: number): Promise<void> =>
  Effect.runPromise(
    Effect.withSpan(
      Effect.gen(function*() {
        for (let i = 0; i < n; i++) yield* step()
      }) as Effect.Effect<void>,
      "bench"
    )
  )

const variants: ReadonlyArray<readonly [string, string, Layer.Layer<never, InvalidOptionError> | undefined]> = [
  ["off", "breaker, telemetry off", undefined],
  ["metrics", "breaker + metrics", BreakerTelemetry.layerMetrics],
  ["annotate", "breaker + metrics + spans (annotate caller)", Layer.mergeAll(BreakerTelemetry.layerMetrics, BreakerTelemetry.layerSpans())],
  ["span", "breaker + metrics + spans (span per call)", Layer.mergeAll(BreakerTelemetry.layerMetrics, BreakerTelemetry.layerSpans({ mode: "span" }))],
  [
    "all",
    "breaker + metrics + annotate + logs",
    Layer.mergeAll(BreakerTelemetry.layerMetrics, BreakerTelemetry.layerSpans(), BreakerTelemetry.layerLogs)
  ]
]

const cases: Array<Case> = [
  { key: "bare", label: "bare step (Effect.succeed)", includes: "loop step", n: N, run: loop(() => one) },
  ...variants.map(([key, label, layer]): Case => {
    const breaker = makeBreaker(`bench-${key}`, layer)
    return { key, label, includes: "loop step + breaker", n: N, run: loop(() => breaker(one)) }
  })
]

const main = async () => {
  const results = await measure(cases, { warmup: 5, rounds: 25 })
  const get = (k: string) => results.get(k)!.median
  const off = get("off")
  const rows = cases.map((c) => [
    c.label,
    ns(get(c.key)),
    c.key === "bare" ? "-" : ns(get(c.key) - get("bare")),
    c.key === "bare" || c.key === "off" ? "-" : `${get(c.key) - off >= 0 ? "+" : ""}${ns(get(c.key) - off)}`,
    c.key === "bare" ? "-" : `${(get(c.key) / off).toFixed(2)}x`
  ])
  console.log(`node ${process.version}, ${N} calls per round, 25 interleaved rounds, medians (ns per call)\n`)
  console.log(table(["case", "ns/call", "breaker cost", "vs off", "ratio vs off"], rows))
}

main()
