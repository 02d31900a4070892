/**
 * Per-element cost of a protected stream's time limits (first element, idle between elements, total), beside the
 * same stream without limits and Effect's own `Stream.timeoutFail`, in one process: every limited pull races the
 * upstream against a timer, so each element pays a race. 20,000 one-element chunks per run, 2 warm-up + 5 rounds.
 * Run: `npx tsc -p tsconfig.bench.json && node .bench/bench/stream-limits.js` (a script, not a test).
 */
import { Duration, Effect, Stream } from "effect"
import * as CircuitBreaker from "../src/CircuitBreaker.js"

const N = Number(process.env.N ?? 20_000)
const source = Stream.range(1, N).pipe(Stream.rechunk(1))

const program = Effect.gen(function*() {
  const breaker = yield* CircuitBreaker.make({ name: "bench" })
  const none = { firstElementTimeout: Duration.infinity, idleTimeout: Duration.infinity, totalTimeout: Duration.infinity }
  const cases: ReadonlyArray<readonly [string, (s: Stream.Stream<number>) => Stream.Stream<number, unknown>]> = [
    ["bare stream", (s) => s],
    ["makeStream, no limits", yield* CircuitBreaker.makeStream(breaker, none)],
    ["makeStream, idle limit only", yield* CircuitBreaker.makeStream(breaker, { ...none, idleTimeout: "120 seconds" })],
    ["makeStream, default limits", yield* CircuitBreaker.makeStream(breaker)],
    ["Effect's Stream.timeoutFail alone", (s) => Stream.timeoutFail(s, () => "timeout", "120 seconds")]
  ]
  const times = new Map<string, Array<number>>()
  for (let round = 0; round < 7; round++) {
    for (const [label, protect] of cases) {
      const t0 = performance.now()
      yield* Stream.runDrain(protect(source))
      if (round >= 2) times.set(label, [...(times.get(label) ?? []), ((performance.now() - t0) * 1000) / N])
    }
  }
  const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const unlimited = median(times.get("makeStream, no limits")!)
  for (const [label] of cases) {
    const m = median(times.get(label)!)
    console.log(`${label.padEnd(36)} ${m.toFixed(2).padStart(7)} µs/element  (${(m / unlimited).toFixed(1)}× makeStream without limits)`)
  }
})

Effect.runPromise(program)
