/**
 * The store seam's cost on the hot path: the working tree's breaker (memory
 * store) against the same library built from an earlier git ref, loaded side by
 * side in ONE process, interleaved rounds, CPU time per call.
 *
 *   sh bench/build-baseline.sh f8aaf3d
 *   tsc -p tsconfig.bench.json && BENCH_BASELINE=.bench/baseline/f8aaf3d/js/src/index.js \
 *     node --expose-gc .bench/bench/store-overhead.js
 *
 * Prints closed-path and rejection ns per call for both and their ratio (goal:
 * within 10%, i.e. ratio <= 1.10).
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import * as current from "../src/index.js"
import { type Case, fiberLoop, measure, ns, table } from "./harness.js"

class BenchError extends Data.TaggedError("BenchError")<{}> {}
const succeed = Effect.succeed(1)
const fail = Effect.fail(new BenchError())
const run = <A, E>(effect: Effect.Effect<A, E>): A => Effect.runSync(effect)

type Lib = typeof current

const breakersOf = (lib: Lib) => {
  const closed = run(lib.CircuitBreaker.make({ name: "closed", policy: lib.TripPolicy.consecutiveFailures(5) }))
  const window = run(lib.CircuitBreaker.make({
    name: "window",
    policy: lib.TripPolicy.failureRate({ threshold: 0.5, minimumCalls: 10, window: lib.TripPolicy.lastCalls(100) })
  }))
  const open = run(lib.CircuitBreaker.make({ name: "open" }))
  run(open.forceOpen)
  const failing = run(lib.CircuitBreaker.make({ name: "failing" }))
  run(failing.metricsOnly) // records every failure, never trips
  return { closed, window, open, failing }
}

const main = async (): Promise<void> => {
  const file = process.env["BENCH_BASELINE"]
  if (file === undefined) throw new Error("set BENCH_BASELINE to a baseline's index.js (see bench/build-baseline.sh)")
  const baseline = (await import(pathToFileURL(path.resolve(file)).href)) as Lib
  const rounds = Number(process.env["BENCH_ROUNDS"] ?? 15)
  const now = breakersOf(current)
  const before = breakersOf(baseline)
  const N = 200_000
  const cases: Array<Case> = []
  for (const [tag, b] of [["before", before], ["after", now]] as const) {
    cases.push(
      { key: `closed:${tag}`, label: "", includes: "", n: N, run: fiberLoop(() => b.closed(succeed)) },
      { key: `window:${tag}`, label: "", includes: "", n: N, run: fiberLoop(() => b.window(succeed)) },
      { key: `reject:${tag}`, label: "", includes: "", n: N, run: fiberLoop(() => Effect.exit(b.open(succeed))) },
      { key: `fail:${tag}`, label: "", includes: "", n: N, run: fiberLoop(() => Effect.exit(b.failing(fail))) }
    )
  }
  const r = await measure(cases, { warmup: 3, rounds })
  const m = (k: string) => r.get(k)!.cpu
  const rows = ["closed", "window", "reject", "fail"].map((k) => [
    k,
    ns(m(`${k}:before`)),
    ns(m(`${k}:after`)),
    `${(m(`${k}:after`) / m(`${k}:before`)).toFixed(3)}x`
  ])
  console.log(`store seam overhead: node ${process.version}, ${rounds} interleaved rounds, median cpu ns per call`)
  console.log(`baseline: ${file}`)
  console.log(table(["case", "before ns", "after ns", "after/before"], rows))
  console.log(JSON.stringify(Object.fromEntries(rows.map((row) => [`${row[0]}Ratio`, Number(row[3]!.slice(0, -1))]))))
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
