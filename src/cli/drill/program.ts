/**
 * The drill's program: metrics, the runs, the report. Loaded by `command.ts`
 * only when the drill runs (it needs optional peers).
 *
 * @internal
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { BreakerTelemetry, type InvalidOptionError } from "../../index.js"
import { layerPrometheus } from "../../otel/prometheus/index.js"
import { FakeProvider, RedisServer } from "../../testing/index.js"
import type { DrillOptions } from "./options.js"
import type { MissingPeerError } from "../peers.js"
import type { IoError } from "../report/files.js"
import { writeReports } from "./output.js"
import { renderText } from "./report.js"
import { runDrill } from "./run.js"
import * as Flags from "../flags.js"

/**
 * Breaker metrics on a Prometheus endpoint on a free loopback port, or nothing (with a note) if it cannot start.
 * The URL is printed once the endpoint is up, never beside a "not served".
 */
const metrics = (options: DrillOptions) =>
  !options.prometheus ? Effect.succeed(Layer.effectDiscard(Console.log("metrics: off (--no-metrics)"))) : Effect.map(
    FakeProvider.closedPort,
    (port) =>
      Layer.mergeAll(
        BreakerTelemetry.layerMetrics,
        layerPrometheus({ serviceName: "effect-breaker-drill", port }).pipe(
          Layer.tap(() => Console.log(`metrics: curl http://127.0.0.1:${port}/metrics   (Prometheus, while the drill runs)`)),
          Layer.catchAll((e) => Layer.effectDiscard(Console.warn(`metrics: not served (${e.message})`)))
        )
      )
  )

/**
 * With `--fleet`: the Redis the replicas share. A redis-server on a free
 * loopback port when none is given (and one is installed); otherwise a clear
 * error saying how to get one.
 */
const fleetRedis = (options: DrillOptions) =>
  Effect.gen(function*() {
    if (options.fleet === 0 || options.redisUrl !== null) return options
    if (!RedisServer.available()) {
      return yield* Effect.fail(
        Flags.invalid("--fleet", String(options.fleet), `a redis-server to share the breakers through: ${RedisServer.installHint}, or --redis-url redis://host:port`)
      )
    }
    const server = yield* Effect.orDie(RedisServer.make())
    yield* Console.log(`fleet: ${options.fleet} replicas share their breakers through a redis-server on ${server.url} (stopped at the end)`)
    return { ...options, redisUrl: server.url }
  })

/** Runs the drill with `options`, printing as it goes. @internal */
export const run = (given: DrillOptions): Effect.Effect<void, InvalidOptionError | IoError | MissingPeerError> =>
  Effect.scoped(Effect.gen(function*() {
    const options = yield* fleetRedis(given)
    const layer = yield* metrics(options)
    yield* Console.log(`effect-breaker outage drill — fake OpenAI + Anthropic on 127.0.0.1, ${options.rps} rps, real @effect/ai clients`)
    const report = yield* runDrill(options, { print: Console.log, color: process.stdout.isTTY === true }).pipe(Effect.provide(layer))
    yield* Console.log("")
    yield* Console.log(renderText(report))
    const paths = yield* writeReports(report)
    yield* Console.log(`\nreport: ${paths.json}\ntimeline: ${paths.svg}\nwall time: ${(report.wallTimeMs / 1000).toFixed(1)} s`)
  })).pipe(Effect.onInterrupt(() => Console.error("\ninterrupted: servers closed, traffic stopped")))

