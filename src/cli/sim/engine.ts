/**
 * The fast engine: a discrete-event loop over a virtual `Clock`.
 *
 * **Details**
 *
 * The breaker is the production one (`CircuitBreaker.make`), made with a `Clock`
 * whose time the loop sets and whose `sleep` registers a timer in the loop's
 * queue. Each request is a real fiber, run on a scheduler the loop flushes after
 * every event, so everything that happens at an instant has happened before
 * time moves on. Events are ordered by (time, sequence): the run is a function
 * of the scenario and the seed.
 *
 * `TestClock` gives the same results (see `testClockEngine.ts` and its test)
 * but waits for every fiber to suspend with wall-clock timers at each step
 * (about 8 ms a step here), which makes an hour of traffic take many minutes.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Runtime from "effect/Runtime"
import type * as Scheduler from "effect/Scheduler"
import { CircuitBreaker, type InvalidOptionError } from "../../index.js"
import type { Scenario } from "./Scenario.js"
import { type SimConfig, toOptions } from "./SimConfig.js"
import { Recorder, requestProgram, type Trace } from "./recorder.js"
import { Arrivals } from "./traffic.js"

interface Timer {
  readonly at: number
  readonly seq: number
  fire: (() => void) | undefined
}

/** A binary min-heap of timers ordered by (at, seq). */
class TimerQueue {
  private readonly heap: Array<Timer> = []
  get size(): number {
    return this.heap.length
  }
  peek(): Timer | undefined {
    return this.heap[0]
  }
  private less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq)
  }
  push(t: Timer): void {
    const h = this.heap
    h.push(t)
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!this.less(h[i]!, h[p]!)) break
      ;[h[i], h[p]] = [h[p]!, h[i]!]
      i = p
    }
  }
  pop(): Timer | undefined {
    const h = this.heap
    const top = h[0]
    const last = h.pop()
    if (h.length > 0 && last !== undefined) {
      h[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r
        if (m === i) break
        ;[h[i], h[m]] = [h[m]!, h[i]!]
        i = m
      }
    }
    return top
  }
}

/** A `Clock` whose time is set by the loop and whose sleeps are the loop's timers. @internal */
export class VirtualClock implements Clock.Clock {
  readonly [Clock.ClockTypeId]: Clock.ClockTypeId = Clock.ClockTypeId
  now = 0
  private seq = 0
  readonly timers = new TimerQueue()
  unsafeCurrentTimeMillis(): number {
    return this.now
  }
  readonly currentTimeMillis: Effect.Effect<number> = Effect.sync(() => this.now)
  unsafeCurrentTimeNanos(): bigint {
    return BigInt(Math.round(this.now * 1_000_000))
  }
  readonly currentTimeNanos: Effect.Effect<bigint> = Effect.sync(() => this.unsafeCurrentTimeNanos())
  sleep(duration: Duration.Duration): Effect.Effect<void> {
    return Effect.async<void>((resume) => {
      const timer: Timer = { at: this.now + Duration.toMillis(duration), seq: this.seq++, fire: () => resume(Effect.void) }
      this.timers.push(timer)
      return Effect.sync(() => {
        timer.fire = undefined
      })
    })
  }
}

/** Runs fibers' tasks only when the loop flushes it: nothing runs on the event loop behind our back. @internal */
export class StepScheduler implements Scheduler.Scheduler {
  private tasks: Array<Scheduler.Task> = []
  scheduleTask(task: Scheduler.Task): void {
    this.tasks.push(task)
  }
  shouldYield(fiber: Fiber.RuntimeFiber<unknown, unknown>): number | false {
    return fiber.currentOpCount > 2048 ? 0 : false
  }
  flush(): void {
    while (this.tasks.length > 0) {
      const tasks = this.tasks
      this.tasks = []
      for (let i = 0; i < tasks.length; i++) tasks[i]!()
    }
  }
}

/** @internal */
export interface RunOptions {
  readonly seed?: number | undefined
  /** Called now and then with the fraction of simulated time done. */
  readonly onProgress?: ((fraction: number) => void) | undefined
}

/**
 * Runs one configuration over a scenario and returns what happened.
 *
 * @internal
 */
export const run = (
  scenario: Scenario,
  config: SimConfig,
  options: RunOptions = {}
): Effect.Effect<Trace, InvalidOptionError> => {
  const clock = new VirtualClock()
  const rec = new Recorder(scenario, config.name)
  return CircuitBreaker.make(toOptions(config)).pipe(
    Effect.provide(CircuitBreaker.layerObserver(rec.observer)),
    Effect.withClock(clock),
    Effect.flatMap((breaker) =>
      Effect.sync(() => {
        const scheduler = new StepScheduler()
        const runFork = Runtime.runFork(Runtime.defaultRuntime)
        const forkOptions = { scheduler }
        const seed = options.seed ?? scenario.seed
        const world = { scenario, seed, fallback: config.fallback ?? false }
        const arrivals = new Arrivals(scenario, seed)
        const progress = options.onProgress
        let hasNext = arrivals.next()
        let events = 0
        for (;;) {
          const timer = clock.timers.peek()
          if (hasNext && (timer === undefined || arrivals.current.atMs < timer.at)) {
            clock.now = arrivals.current.atMs
            runFork(requestProgram(rec, breaker, clock, world, arrivals.current), forkOptions)
            hasNext = arrivals.next()
          } else if (timer !== undefined) {
            clock.timers.pop()
            clock.now = timer.at
            timer.fire?.()
          } else break
          scheduler.flush()
          if (progress !== undefined && (++events & 0xffff) === 0) progress(Math.min(1, clock.now / scenario.durationMs))
        }
        progress?.(1)
        return rec.trace
      })
    )
  )
}
