import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Option, Random, TestClock } from "effect"
import { CircuitBreaker, CircuitOpenError, InvalidOptionError, TripPolicy } from "effect-breaker"
import { BadRequest, counted, hintOf, Retry, runsAt, Unavailable } from "./lib.js"

describe("Retry", () => {
  it.effect("exponential delays are exact without jitter: retries at 1 s, 3 s, 7 s", () =>
    Effect.gen(function*() {
      const dep = yield* counted(() => Effect.fail(new Unavailable({})))
      const retry = yield* Retry.make({ times: 3, base: "1 second", factor: 2, jitter: 0 })
      const { fiber, seen } = yield* runsAt(dep.runs, retry(dep.call), [0, 999, 1000, 2999, 3000, 6999, 7000])
      assert.deepStrictEqual(seen, [1, 1, 2, 2, 3, 3, 4])
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(Exit.isFailure(exit))
      assert.strictEqual(yield* dep.runs, 4, "times: 3 means 4 attempts")
    }))

  it.effect("a 7 s hint is honoured: not retried at 6.9 s, retried at 7 s", () =>
    Effect.gen(function*() {
      const dep = yield* counted((n) => n === 1 ? Effect.fail(new Unavailable({ retryAfter: Duration.seconds(7) })) : Effect.succeed("ok"))
      const retry = yield* Retry.make({ base: "100 millis", retryAfter: hintOf, maxWait: "30 seconds" })
      const { fiber, seen } = yield* runsAt(dep.runs, retry(dep.call), [6_900, 6_999, 7_000])
      assert.deepStrictEqual(seen, [1, 1, 2])
      assert.strictEqual(yield* Fiber.join(fiber), "ok")
    }))

  it.effect("a hint longer than maxWait fails at once with the call's own error, without waiting", () =>
    Effect.gen(function*() {
      const dep = yield* counted(() => Effect.fail(new Unavailable({ retryAfter: Duration.minutes(2) })))
      const retry = yield* Retry.make({ retryAfter: hintOf, maxWait: "30 seconds" })
      const fiber = yield* Effect.fork(retry(dep.call))
      yield* Effect.yieldNow()
      const exit = fiber.unsafePoll()
      assert.isNotNull(exit, "done with no clock movement")
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(error._tag, "Unavailable")
      assert.strictEqual(yield* dep.runs, 1)
    }))

  it.effect("only retryable failures are retried", () =>
    Effect.gen(function*() {
      const dep = yield* counted(() => Effect.fail(new BadRequest()))
      const retry = yield* Retry.make<Unavailable | BadRequest>({ while: (e) => e._tag === "Unavailable" })
      const error = yield* Effect.flip(retry(dep.call))
      assert.strictEqual(error._tag, "BadRequest")
      assert.strictEqual(yield* dep.runs, 1)
    }))

  it.effect("outside the breaker: retrying stops the moment the circuit opens", () =>
    Effect.gen(function*() {
      const dep = yield* counted(() => Effect.fail(new Unavailable({})))
      const breaker = yield* CircuitBreaker.make({ name: "r", policy: TripPolicy.consecutiveFailures(3), openDuration: "1 minute" })
      const retry = yield* Retry.make({ times: 10, base: "1 second", jitter: 0 })
      const fiber = yield* Effect.fork(dep.call.pipe(breaker, retry))
      // attempts at 0, 1 s, 3 s trip the breaker; the 4th attempt, due at 7 s, is rejected and ends the retry
      yield* TestClock.adjust("7 seconds")
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.instanceOf(error, CircuitOpenError)
      assert.strictEqual(yield* dep.runs, 3, "the dependency saw exactly the trip threshold")
      assert.strictEqual((yield* breaker.stats).rejected, 1, "one rejection, then no more attempts")
    }))

  it.effect("with `breaker` set: stops right after the failure that opened it, without waiting to be rejected", () =>
    Effect.gen(function*() {
      const dep = yield* counted(() => Effect.fail(new Unavailable({})))
      const breaker = yield* CircuitBreaker.make({ name: "r2", policy: TripPolicy.consecutiveFailures(3), openDuration: "1 minute" })
      const retry = yield* Retry.make({ times: 10, base: "1 second", jitter: 0, breaker })
      const fiber = yield* Effect.fork(dep.call.pipe(breaker, retry))
      yield* TestClock.adjust("3 seconds")
      const exit = fiber.unsafePoll()
      assert.isNotNull(exit, "done at 3 s, when the third failure opened the circuit")
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(error._tag, "Unavailable", "the failure that opened the circuit")
      assert.strictEqual(yield* dep.runs, 3)
      assert.strictEqual((yield* breaker.stats).rejected, 0, "no attempt was even sent to be rejected")
    }))

  it.effect("a CircuitOpenError is never retried, whatever `while` says", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({ name: "forced" })
      yield* breaker.forceOpen
      const retry = yield* Retry.make({ times: 5, while: () => true })
      const error = yield* Effect.flip(Effect.succeed(1).pipe(breaker, retry))
      assert.instanceOf(error, CircuitOpenError)
      assert.strictEqual((yield* breaker.stats).rejected, 1)
    }))

  it.effect("maxElapsed: stops instead of waiting past the budget", () =>
    Effect.gen(function*() {
      const dep = yield* counted(() => Effect.fail(new Unavailable({})))
      // delays 1, 2, 4, 8 s: after 1 + 2 + 4 = 7 s the next wait (8 s) would end at 15 s > 10 s
      const retry = yield* Retry.make({ times: 10, base: "1 second", jitter: 0, maxElapsed: "10 seconds" })
      const { fiber, seen } = yield* runsAt(dep.runs, retry(dep.call), [1_000, 3_000, 7_000])
      assert.deepStrictEqual(seen, [2, 3, 4])
      const exit = fiber.unsafePoll()
      assert.isNotNull(exit, "gave up at 7 s without sleeping")
      assert.strictEqual(yield* dep.runs, 4)
    }))

  it.effect("jitter spreads a delay within ±jitter", () =>
    Effect.gen(function*() {
      for (const seed of [1, 2, 3, 4, 5]) {
        yield* TestClock.setTime(0)
        const start = yield* TestClock.currentTimeMillis
        const dep = yield* counted(() => Effect.fail(new Unavailable({})))
        const retry = yield* Retry.make({ times: 1, base: "1 second", jitter: 0.5 })
        const fiber = yield* Effect.fork(Effect.withRandom(retry(dep.call), Random.make(seed)))
        yield* TestClock.adjust("499 millis")
        assert.strictEqual(yield* dep.runs, 1, "not before 0.5 s")
        yield* TestClock.adjust("1001 millis")
        assert.strictEqual(yield* dep.runs, 2, "by 1.5 s")
        yield* Fiber.await(fiber)
        assert.isAtLeast(start, 0)
      }
    }))

  it.effect("the schedule composes with Effect.retry and outputs its delays", () =>
    Effect.gen(function*() {
      const dep = yield* counted((n) => n < 3 ? Effect.fail(new Unavailable({})) : Effect.succeed(n))
      const retry = yield* Retry.make({ base: "200 millis", jitter: 0 })
      const fiber = yield* Effect.fork(Effect.retry(dep.call, retry.schedule))
      yield* TestClock.adjust("600 millis")
      assert.strictEqual(yield* Fiber.join(fiber), 3)
    }))

  it.effect("Retry.retry is dual and accepts options", () =>
    Effect.gen(function*() {
      const dep = yield* counted((n) => n < 2 ? Effect.fail(new Unavailable({})) : Effect.succeed("ok"))
      const fiber = yield* Effect.fork(dep.call.pipe(Retry.retry({ base: "1 second", jitter: 0 })))
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* Fiber.join(fiber), "ok")
      const policy = yield* Retry.make({ times: 0 })
      const error = yield* Effect.flip(Retry.retry(Effect.fail("x"), policy))
      assert.strictEqual(error, "x")
    }))

  it.effect("bad options fail with InvalidOptionError naming the option and the value", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<[Retry.Options, string, string]> = [
        [{ times: -1 }, "retry.times", "-1"],
        [{ times: 1.5 }, "retry.times", "1.5"],
        [{ base: "-1 seconds" }, "retry.base", "\"-1 seconds\""],
        [{ factor: 0.5 }, "retry.factor", "0.5"],
        [{ jitter: 2 }, "retry.jitter", "2"],
        [{ maxWait: "soon" as any }, "retry.maxWait", "\"soon\""],
        [{ while: 3 as any }, "retry.while", "3"]
      ]
      for (const [options, option, value] of cases) {
        const error = yield* Effect.flip(Retry.make(options))
        assert.instanceOf(error, InvalidOptionError)
        assert.strictEqual(error.option, option)
        assert.strictEqual(error.value, value)
      }
      const viaCombinator = yield* Effect.flip(Retry.retry(Effect.succeed(1), { times: -3 }))
      assert.strictEqual(viaCombinator._tag, "InvalidOptionError")
    }))

  it.effect("a predicate or hint that throws stops retrying with the call's error (no defect)", () =>
    Effect.gen(function*() {
      const dep = yield* counted(() => Effect.fail(new Unavailable({})))
      const retry = yield* Retry.make({ retryAfter: () => { throw new Error("bug") } })
      const exit = yield* Effect.exit(retry(dep.call))
      assert.isTrue(Exit.isFailure(exit))
      assert.deepStrictEqual(Exit.isFailure(exit) ? Option.map(Exit.causeOption(exit), () => "fail") : Option.none(), Option.some("fail"))
      const error = yield* Effect.flip(retry(dep.call))
      assert.strictEqual(error._tag, "Unavailable")
    }))

  it.effect("interrupting a caller mid-retry leaves no fiber and records no failure", () =>
    Effect.gen(function*() {
      const dep = yield* counted(() => Effect.fail(new Unavailable({})))
      const breaker = yield* CircuitBreaker.make({ name: "interrupt", policy: TripPolicy.consecutiveFailures(10) })
      const retry = yield* Retry.make({ times: 5, base: "1 second", jitter: 0 })
      const fiber = yield* Effect.fork(dep.call.pipe(Effect.timeout("5 seconds"), breaker, retry))
      yield* TestClock.adjust("1500 millis") // attempt 1 at 0, attempt 2 at 1 s, now waiting 2 s
      assert.strictEqual(yield* dep.runs, 2)
      const before = yield* breaker.stats
      yield* Fiber.interrupt(fiber)
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(Exit.isInterrupted(exit))
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* dep.runs, 2, "no attempt ran after the interruption")
      const after = yield* breaker.stats
      assert.strictEqual(after.consecutiveFailures, before.consecutiveFailures)
      assert.strictEqual(after.consecutiveFailures, 2)
      const children = yield* fiber.children
      assert.strictEqual(children.length, 0)
    }))
})
