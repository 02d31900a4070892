/**
 * `npm start`: an outage drill. Fake OpenAI and Anthropic servers on 127.0.0.1,
 * steady traffic through real `@effect/ai` clients and the effect-breaker LLM
 * policy (`Policy.make` per provider, `Policy.failover`, a last-good cache, and a
 * hedge that starts the failover beside a primary silent for 100 ms), the
 * primary goes down and recovers, and the same script runs again with the
 * breakers disabled (still hedged). Prints a live view, then a comparison; writes JSON and SVG.
 *
 * Flags: `npx tsx bin/drill.ts --help`. Exit codes: 0 done, 1 failed, 2 bad flag.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Either, Layer } from "effect"
import * as BreakerTelemetry from "../src/BreakerTelemetry.js"
import { type DrillOptions, parseFlags, usage } from "../src/drill/options.js"
import { writeReports } from "../src/drill/output.js"
import { renderText } from "../src/drill/report.js"
import { runDrill } from "../src/drill/run.js"
import { layerPrometheus } from "../src/otel/index.js"
import { FakeProvider } from "../src/testing/index.js"

/** Breaker metrics on a Prometheus endpoint on a free loopback port, or nothing (with a note) if it cannot start. */
const metrics = (options: DrillOptions) =>
  !options.prometheus ? Effect.succeed({ layer: Layer.empty, note: "metrics: off (--no-metrics)" }) : Effect.map(
    FakeProvider.closedPort,
    (port) => ({
      layer: Layer.mergeAll(
        BreakerTelemetry.layerMetrics,
        layerPrometheus({ serviceName: "effect-breaker-drill", port }).pipe(
          Layer.catchAll((e) => Layer.effectDiscard(Console.warn(`metrics: not served (${e.message})`)))
        )
      ),
      note: `metrics: curl http://127.0.0.1:${port}/metrics   (Prometheus, while the drill runs)`
    })
  )

const main = (options: DrillOptions) =>
  Effect.gen(function*() {
    const { layer, note } = yield* metrics(options)
    yield* Console.log(`effect-breaker outage drill — fake OpenAI + Anthropic on 127.0.0.1, ${options.rps} rps, real @effect/ai clients`)
    yield* Console.log(note)
    const report = yield* runDrill(options, { print: Console.log, color: process.stdout.isTTY === true }).pipe(Effect.provide(layer))
    yield* Console.log("")
    yield* Console.log(renderText(report))
    const paths = yield* writeReports(report)
    yield* Console.log(`\nreport: ${paths.json}\ntimeline: ${paths.svg}\nwall time: ${(report.wallTimeMs / 1000).toFixed(1)} s`)
  }).pipe(
    Effect.onInterrupt(() => Console.error("\ninterrupted: servers closed, traffic stopped")),
    Effect.catchAll((error) => Effect.zipRight(Console.error(`error: ${error.message}`), Effect.sync(() => (process.exitCode = 1))))
  )

const parsed = parseFlags(process.argv.slice(2))
if (Either.isLeft(parsed)) {
  console.error(`error: ${parsed.left.message}\n\n${usage}`)
  process.exitCode = 2
} else if (parsed.right._tag === "Help") {
  console.log(usage)
} else {
  NodeRuntime.runMain(main(parsed.right.options))
}
