/** Schedule-first retry (issue 10 part 3): any user Schedule, plus only what the library knows. */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Schedule, TestClock } from "effect"
import { CircuitBreaker, CircuitOpenError, InvalidOptionError, Resilience, TripPolicy } from "effect-breaker"
import { counted, hintOf, Retry, runsAt, Unavailable } from "./lib.js"

describe("Retry with a user Schedule", () => {
  it.effect("the user's schedule decides the delays and when to stop: spaced 2 s, 2 recurrences", () =>
    Effect.gen(function*() {
      const dep = yield* counted(() => Effect.fail(new Unavailable({})))
      const retry = yield* Retry.make({ schedule: Schedule.spaced("2 seconds").pipe(Schedule.intersect(Schedule.recurs(2))) })
      const { fiber, seen } = yield* runsAt(dep.runs, retry(dep.call), [0, 1_999, 2_000, 3_999, 4_000, 60_000])
      assert.deepStrictEqual(seen, [1, 1, 2, 2, 3, 3])
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(error._tag, "Unavailable")
    }))

  it.effect("a provider's hint raises the schedule's delay; a hint past maxWait fails at once", () =>
    Effect.gen(function*() {
      const dep = yield* counted((n) =>
        n === 1 ? Effect.fail(new Unavailable({ retryAfter: Duration.seconds(5) })) : Effect.succeed("ok")
      )
      const retry = yield* Retry.make({ schedule: Schedule.spaced("1 second"), retryAfter: hintOf, maxWait: "10 seconds" })
      const { fiber, seen } = yield* runsAt(dep.runs, retry(dep.call), [1_000, 4_999, 5_000])
      assert.deepStrictEqual(seen, [1, 1, 2], "waited the 5 s hint, not the schedule's 1 s")
      assert.strictEqual(yield* Fiber.join(fiber), "ok")

      const long = yield* counted(() => Effect.fail(new Unavailable({ retryAfter: Duration.minutes(1) })))
      const quick = yield* Effect.fork(retry(long.call))
      yield* Effect.yieldNow()
      assert.isNotNull(quick.unsafePoll(), "failed with no clock movement")
      assert.strictEqual(yield* long.runs, 1)
    }))

  it.effect("an open circuit is never retried, whatever the schedule", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({ name: "sched-forced" })
      yield* breaker.forceOpen
      const retry = yield* Retry.make({ schedule: Schedule.forever })
      const error = yield* Effect.flip(Effect.succeed(1).pipe(breaker, retry))
      assert.instanceOf(error, CircuitOpenError)
      assert.strictEqual((yield* breaker.stats).rejected, 1)
    }))

  it.effect("with `breaker`: stops when the circuit will still be open at the next attempt", () =>
    Effect.gen(function*() {
      const dep = yield* counted(() => Effect.fail(new Unavailable({})))
      const breaker = yield* CircuitBreaker.make({
        name: "sched-open",
        policy: TripPolicy.consecutiveFailures(2),
        openDuration: "1 minute"
      })
      const retry = yield* Retry.make({ schedule: Schedule.spaced("1 second"), breaker })
      const fiber = yield* Effect.fork(dep.call.pipe(breaker, retry))
      yield* TestClock.adjust("1 second")
      assert.isNotNull(fiber.unsafePoll(), "done at 1 s: the second failure opened the circuit for a minute")
      assert.strictEqual(yield* dep.runs, 2)
      assert.strictEqual((yield* breaker.stats).rejected, 0)
    }))

  it.effect("the convenience options build the same kind of schedule: exponential, capped at maxDelay", () =>
    Effect.gen(function*() {
      const dep = yield* counted(() => Effect.fail(new Unavailable({})))
      // 1 s, 2 s, then capped at 3 s, 3 s
      const retry = yield* Retry.make({ times: 4, base: "1 second", factor: 2, maxDelay: "3 seconds", jitter: 0 })
      const { seen } = yield* runsAt(dep.runs, retry(dep.call), [1_000, 3_000, 5_999, 6_000, 8_999, 9_000])
      assert.deepStrictEqual(seen, [2, 3, 3, 4, 4, 5])
    }))

  it.effect("jitter stays within ±jitter of the capped exponential delay (the schedule's chosen delays)", () =>
    Effect.gen(function*() {
      const retry = yield* Retry.make({ times: 1, base: "1 second", jitter: 0.5 })
      const delays: Array<number> = []
      for (let i = 0; i < 200; i++) {
        const [, delay] = yield* retry.schedule.step(0, new Unavailable({}), retry.schedule.initial)
        delays.push(Duration.toMillis(delay))
      }
      assert.isAtLeast(Math.min(...delays), 500)
      assert.isAtMost(Math.max(...delays), 1_500)
      assert.isAbove(new Set(delays).size, 100, "spread, not one value")
    }))

  it.effect("a schedule given with a convenience option, or a non-schedule, is an InvalidOptionError naming it", () =>
    Effect.gen(function*() {
      const both = yield* Effect.flip(Retry.make({ schedule: Schedule.spaced("1 second"), times: 3 } as Retry.Options))
      assert.instanceOf(both, InvalidOptionError)
      assert.strictEqual(both.option, "retry.times")
      const bad = yield* Effect.flip(Retry.make({ schedule: "1 second" as never }))
      assert.strictEqual(bad.option, "retry.schedule")
    }))

  it.effect("Resilience passes a user schedule through (its input sees timeouts too)", () =>
    Effect.gen(function*() {
      const dep = yield* counted(() => Effect.never)
      const breaker = yield* CircuitBreaker.make({ name: "sched-res", policy: TripPolicy.consecutiveFailures(10) })
      const policy = yield* Resilience.make({
        breaker,
        timeout: "1 second",
        retry: { schedule: Schedule.spaced("500 millis").pipe(Schedule.intersect(Schedule.recurs(1))) }
      })
      const fiber = yield* Effect.fork(policy(dep.call))
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* dep.runs, 1)
      yield* TestClock.adjust("500 millis")
      assert.strictEqual(yield* dep.runs, 2, "retried 500 ms after the timeout")
      yield* TestClock.adjust("1 second")
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(error._tag, "TimeoutException")
    }))
})
