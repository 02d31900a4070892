/**
 * Per-stream cost of CircuitBreaker.makeStream against a bare 3-element stream, each run with
 * Effect.runSync in a loop (protect is synchronous for a synchronous upstream).
 * Run: `npx tsc -p tsconfig.bench.json && N=3000 node .bench/bench/stream-overhead.js` (a script, not a test).
 */
import { Effect, Stream } from "effect"
import * as CircuitBreaker from "../src/CircuitBreaker.js"
const main = async () => {
  const breaker = await Effect.runPromise(CircuitBreaker.make({ name: "b" }))
  const guard = await Effect.runPromise(CircuitBreaker.makeStream(breaker, { firstElementTimeout: "10 seconds", itemError: (n: number) => n < 0 ? n : undefined }))
  const s = Stream.make(1, 2, 3)
  const cases: Array<[string, Effect.Effect<unknown, unknown>]> = [
    ["bare: Stream.make(1,2,3) |> runDrain", Stream.runDrain(s)],
    ["CircuitBreaker.protectStream(breaker)", Stream.runDrain(CircuitBreaker.protectStream(s, breaker))],
    ["CircuitBreaker.makeStream(ttft + itemError)", Stream.runDrain(guard(s))]
  ]
  const N = Number(process.env.N ?? 20000)
  const res: Record<string, number> = {}
  for (let round = 0; round < 3; round++) {
    for (const [label, eff] of cases) {
      const t0 = performance.now()
      for (let i = 0; i < N; i++) Effect.runSync(eff)
      res[label] = ((performance.now() - t0) * 1000) / N
    }
  }
  const base = res[cases[0]![0]]!
  for (const [label] of cases) console.log(`${label.padEnd(40)} ${res[label]!.toFixed(1).padStart(7)} µs/stream  (+${(res[label]! - base).toFixed(1)} µs)`)
}
main()
