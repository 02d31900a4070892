/**
 * Per-element cost of a protected stream's time limits (first element, idle between elements, total), beside the
 * same stream without limits and Effect's own `Stream.timeoutFail`, in one process: every limited pull races the
 * upstream against a timer, so each element pays a race. Since stream-perf: one watchdog fiber per run instead; the old
 * design is kept below as "before" so the two are compared in one process. 20,000 one-element chunks per run, 2 warm-up + 5 rounds.
 * Run: `npx tsc -p tsconfig.bench.json && node .bench/bench/stream-limits.js` (a script, not a test).
 */
import { type Chunk, Duration, Effect, Option, Stream } from "effect"
import * as CircuitBreaker from "../src/CircuitBreaker.js"

/** The design before the watchdog (one `Effect.timeoutFail` race per pull), kept here to compare in one process. */
const raceEachPull = <A, E>(self: Stream.Stream<A, E>, limits: { first: number; idle: number; total: number }) =>
  Stream.fromPull(Effect.map(Effect.zip(Stream.toPull(self), Effect.clock), ([pull, clock]) => {
    let first = true
    let waited = 0
    const untilElement: Effect.Effect<Chunk.Chunk<A>, Option.Option<E>> = Effect.flatMap(
      pull,
      (chunk) => chunk.length === 0 ? Effect.suspend(() => untilElement) : Effect.succeed(chunk)
    )
    const next = Effect.suspend(() => {
      const step = first ? limits.first : limits.idle
      const left = limits.total - waited
      const millis = left < step ? left : step
      const startedAt = clock.unsafeCurrentTimeMillis()
      return Effect.ensuring(
        Effect.timeoutFail(untilElement, {
          duration: Duration.millis(Math.max(0, millis)),
          onTimeout: (): Option.Option<E | string> => Option.some("timeout")
        }),
        Effect.sync(() => {
          waited += clock.unsafeCurrentTimeMillis() - startedAt
        })
      )
    })
    return Effect.tap(next, () => {
      first = false
    })
  }))

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
    ["before: a timer race per pull (defaults)", (s) => {
      const unlimited = CircuitBreaker.makeStream(breaker, none).pipe(Effect.runSync)
      return unlimited(raceEachPull(s, { first: 60_000, idle: 120_000, total: 600_000 }))
    }],
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
    console.log(`${label.padEnd(42)} ${m.toFixed(2).padStart(7)} µs/element  (${(m / unlimited).toFixed(1)}× makeStream without limits)`)
  }
})

Effect.runPromise(program)
