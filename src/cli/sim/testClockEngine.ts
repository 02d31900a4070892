/**
 * The reference engine: the same requests and the same breaker, driven by
 * `TestClock.adjust` one tick at a time, with one forked fiber per request. It
 * is slow (the `TestClock` polls until every fiber is suspended, with real
 * timers, at each step) and exists to check the fast engine: both must give
 * the same trace.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import * as TestContext from "effect/TestContext"
import { CircuitBreaker, type InvalidOptionError } from "../../index.js"
import type { Scenario } from "./Scenario.js"
import { type SimConfig, toOptions } from "./SimConfig.js"
import { Recorder, requestProgram, type Trace } from "./recorder.js"
import { Arrivals } from "./traffic.js"

/**
 * Runs one configuration over a scenario under `TestClock`, advancing it by
 * `tickMs` at a time. Requests within a tick start at their own instants.
 *
 * @internal
 */
export const run = (
  scenario: Scenario,
  config: SimConfig,
  options: { readonly seed?: number | undefined; readonly tickMs?: number | undefined } = {}
): Effect.Effect<Trace, InvalidOptionError> =>
  Effect.gen(function*() {
    const tickMs = options.tickMs ?? 1000
    const clock = yield* Effect.clock
    const rec = new Recorder(scenario, config.name)
    const breaker = yield* CircuitBreaker.make(toOptions(config)).pipe(
      Effect.provide(CircuitBreaker.layerObserver(rec.observer))
    )
    const seed = options.seed ?? scenario.seed
    const world = { scenario, seed, fallback: config.fallback ?? false }
    const arrivals = new Arrivals(scenario, seed)
    let hasNext = arrivals.next()
    const end = scenario.durationMs + scenario.callTimeoutMs + tickMs
    for (let now = 0; now < end; now += tickMs) {
      while (hasNext && arrivals.current.atMs < now + tickMs) {
        const program = requestProgram(rec, breaker, clock, world, arrivals.current)
        const offset = arrivals.current.atMs - now
        yield* Effect.fork(offset > 0 ? Effect.zipRight(clock.sleep(Duration.millis(offset)), program) : program)
        hasNext = arrivals.next()
      }
      yield* TestClock.adjust(tickMs)
    }
    return rec.trace
  }).pipe(Effect.provide(TestContext.TestContext))
