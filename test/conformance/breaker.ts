/**
 * The breaker's behaviour tests as one suite over a store: `conformance(label,
 * store)` runs every test against breakers made where `store.layer` is
 * provided. The memory store runs it in `test/conformance/memory.test.ts`; the
 * Redis store runs it in `test/redis/`.
 *
 * - `layer` is built afresh for EVERY test (so a scoped layer can give each test
 *   its own namespace, e.g. a fresh Redis key prefix) and released after it.
 * - Time is the TestClock (`it.effect`); nothing sleeps on the wall clock.
 * - `settle` runs before every read of `stats` and after every step whose
 *   effect a later admission depends on: a store that applies outcomes in the
 *   background (a fleet store's flush, a pub/sub message) makes them visible
 *   there. The memory store applies everything synchronously: `Effect.void`.
 * - Every breaker in one test has its own name: a shared store keys state by name.
 */
import { assert, describe } from "@effect/vitest"
import { Chunk, Context, Duration, Effect, Fiber, Queue, Schedule, Stream, TestClock } from "effect"
import { CircuitBreaker, CircuitOpenError, Outcome, TripPolicy } from "effect-breaker"
import { concurrencyConformance } from "./concurrency.js"
import { Boom, dependency, harness, type StoreUnderTest } from "./harness.js"
import { moreConformance } from "./more.js"
import { streamConformance } from "./streams.js"

export type { StoreUnderTest } from "./harness.js"

class TestBreaker extends Context.Tag("test/TestBreaker")<TestBreaker, CircuitBreaker.CircuitBreaker>() {}


const at = (ms: number) => TestClock.setTime(ms)

/** Runs the breaker's behaviour tests against `store`. */
export const conformance = <R>(label: string, store: StoreUnderTest<R>): void => {
  const { effect, scoped, settle, statsOf } = harness(store)
  describe(`CircuitBreaker conformance (${label})`, () => {
    effect("failures at 100..500 ms with a threshold of 5: the call at 501 ms is rejected without running", () =>
      Effect.gen(function*() {
        const dep = yield* dependency
        const breaker = yield* CircuitBreaker.make({
          name: "timeline",
          policy: TripPolicy.consecutiveFailures(5),
          openDuration: "10 seconds"
        })
        for (const ms of [100, 200, 300, 400]) {
          yield* settle
          yield* at(ms)
          yield* Effect.flip(breaker(dep.fail))
          assert.strictEqual((yield* statsOf(breaker)).state, "Closed")
        }
        yield* settle
        yield* at(500)
        yield* Effect.flip(breaker(dep.fail))
        assert.strictEqual((yield* statsOf(breaker)).state, "Open")
        yield* settle
        yield* at(501)
        const error = yield* Effect.flip(breaker(dep.ok))
        assert.instanceOf(error, CircuitOpenError)
        assert.strictEqual(error._tag, "CircuitOpenError")
        assert.strictEqual(error.breaker, "timeline")
        assert.strictEqual(error.state, "Open")
        assert.strictEqual(Duration.toMillis(error.retryAfter), 10_000 - 1)
        assert.strictEqual(yield* dep.runs, 5, "the rejected call did not run")
        const stats = yield* statsOf(breaker)
        assert.strictEqual(stats.rejected, 1)
        assert.strictEqual(stats.retryAfterMs, 9_999)
      }))

    scoped("recovers: Open → HalfOpen after the open duration, closes after 2 probe successes", () =>
      Effect.gen(function*() {
        const dep = yield* dependency
        const breaker = yield* CircuitBreaker.make({
          name: "recovery",
          policy: TripPolicy.consecutiveFailures(2),
          openDuration: "1 second",
          halfOpen: { permits: 1, successesToClose: 2 }
        })
        const events = yield* breaker.subscribe
        yield* Effect.flip(breaker(dep.fail))
        yield* Effect.flip(breaker(dep.fail))
        yield* settle
        yield* TestClock.adjust("999 millis")
        assert.strictEqual((yield* Effect.flip(breaker(dep.ok)))._tag, "CircuitOpenError")
        yield* settle
        yield* TestClock.adjust("1 millis")
        assert.strictEqual(yield* breaker(dep.ok), "ok")
        const half = yield* statsOf(breaker)
        assert.strictEqual(half.state, "HalfOpen")
        assert.strictEqual(half.probeSuccesses, 1)
        assert.strictEqual(yield* breaker(dep.ok), "ok")
        assert.strictEqual((yield* statsOf(breaker)).state, "Closed")
        const transitions = Chunk.toReadonlyArray(yield* Queue.takeAll(events))
        assert.deepStrictEqual(transitions.map((t) => `${t.from}→${t.to}`), [
          "Closed→Open",
          "Open→HalfOpen",
          "HalfOpen→Closed"
        ])
        assert.deepStrictEqual(transitions[0]!.reason, { _tag: "ConsecutiveFailures", failures: 2, threshold: 2 })
        assert.strictEqual(transitions[0]!.at, 0)
        assert.strictEqual(transitions[0]!.openUntil, 1_000)
        assert.deepStrictEqual(transitions[2]!.reason, { _tag: "ProbesSucceeded", successes: 2 })
      }))

    effect("a failed recovery reopens and waits longer, following the open-duration schedule", () =>
      Effect.gen(function*() {
        const dep = yield* dependency
        const breaker = yield* CircuitBreaker.make({
          name: "backoff",
          policy: TripPolicy.consecutiveFailures(1),
          openDuration: Schedule.exponential("1 second", 2)
        })
        yield* Effect.flip(breaker(dep.fail)) // opening 1: 1 s
        assert.strictEqual((yield* statsOf(breaker)).retryAfterMs, 1_000)
        yield* settle
        yield* TestClock.adjust("1 second")
        yield* Effect.flip(breaker(dep.fail)) // the probe fails: opening 2, 2 s
        const second = yield* statsOf(breaker)
        assert.strictEqual(second.state, "Open")
        assert.strictEqual(second.openings, 2)
        assert.strictEqual(second.retryAfterMs, 2_000)
        yield* settle
        yield* TestClock.adjust("1999 millis")
        assert.strictEqual((yield* Effect.flip(breaker(dep.ok)))._tag, "CircuitOpenError")
        yield* settle
        yield* TestClock.adjust("1 millis")
        yield* Effect.flip(breaker(dep.fail)) // opening 3: 4 s
        assert.strictEqual((yield* statsOf(breaker)).retryAfterMs, 4_000)
        yield* settle
        yield* TestClock.adjust("4 seconds")
        assert.strictEqual(yield* breaker(dep.ok), "ok") // closes, openings reset
        yield* Effect.flip(breaker(dep.fail))
        assert.strictEqual((yield* statsOf(breaker)).retryAfterMs, 1_000, "after closing, the schedule starts over")
      }))

    effect("time window: old failures stop counting", () =>
      Effect.gen(function*() {
        const dep = yield* dependency
        const breaker = yield* CircuitBreaker.make({
          name: "time-window",
          policy: TripPolicy.failureRate({
            threshold: 0.5,
            minimumCalls: 4,
            window: TripPolicy.lastDuration("10 seconds", 10)
          })
        })
        yield* Effect.flip(breaker(dep.fail))
        yield* Effect.flip(breaker(dep.fail))
        yield* Effect.flip(breaker(dep.fail))
        assert.strictEqual((yield* statsOf(breaker)).failures, 3)
        yield* settle
        yield* TestClock.adjust("11 seconds")
        const aged = yield* statsOf(breaker)
        assert.strictEqual(aged.calls, 0)
        assert.strictEqual(aged.failures, 0)
        // Three more calls: one failure among four would trip had the old ones still counted.
        yield* breaker(dep.ok)
        yield* breaker(dep.ok)
        yield* breaker(dep.ok)
        yield* Effect.flip(breaker(dep.fail))
        const stats = yield* statsOf(breaker)
        assert.strictEqual(stats.state, "Closed")
        assert.strictEqual(stats.calls, 4)
        assert.strictEqual(stats.failureRate, 0.25)
        yield* Effect.flip(breaker(dep.fail))
        assert.strictEqual((yield* statsOf(breaker)).state, "Closed", "2 of 5 is below 0.5")
        yield* Effect.flip(breaker(dep.fail))
        assert.strictEqual((yield* statsOf(breaker)).state, "Open", "3 of 6 reaches 0.5")
      }))

    effect("a failure's retry-after hint lengthens the opening, capped by maxOpenDuration", () =>
      Effect.gen(function*() {
        const hinted = (hint: Duration.DurationInput) =>
          CircuitBreaker.make({
            name: `hint-${Duration.toMillis(Duration.decode(hint))}`,
            policy: TripPolicy.consecutiveFailures(1),
            openDuration: "1 second",
            maxOpenDuration: "30 seconds",
            classify: Outcome.classifier({ onFailure: () => Outcome.failure(hint) })
          })
        const a = yield* hinted("10 seconds")
        yield* Effect.flip(a(Effect.fail(new Boom())))
        assert.strictEqual((yield* statsOf(a)).retryAfterMs, 10_000)
        const b = yield* hinted("1 hour")
        yield* Effect.flip(b(Effect.fail(new Boom())))
        assert.strictEqual((yield* statsOf(b)).retryAfterMs, 30_000)
        const c = yield* hinted("10 millis")
        yield* Effect.flip(c(Effect.fail(new Boom())))
        assert.strictEqual((yield* statsOf(c)).retryAfterMs, 1_000, "a hint never shortens the opening")
      }))

    scoped("slow calls: a slow-call-rate policy trips on latency measured by the Clock", () =>
      Effect.gen(function*() {
        const breaker = yield* CircuitBreaker.make({
          name: "slow",
          policy: TripPolicy.slowCallRate({ duration: "2 seconds", threshold: 0.5, minimumCalls: 2 })
        })
        const slowCall = Effect.sleep("3 seconds").pipe(Effect.as("slow"))
        const first = yield* Effect.fork(breaker(slowCall))
        yield* settle
        yield* TestClock.adjust("3 seconds")
        yield* Fiber.join(first)
        const before = yield* statsOf(breaker)
        assert.strictEqual(before.slowCalls, 1)
        assert.strictEqual(before.calls, 1)
        assert.strictEqual(before.state, "Closed", "one call is below minimumCalls")
        const events = yield* breaker.subscribe
        yield* breaker(Effect.succeed("fast"))
        assert.strictEqual((yield* statsOf(breaker)).state, "Open")
        const event = yield* Queue.take(events)
        assert.deepStrictEqual(event.reason, { _tag: "SlowCallRate", rate: 0.5, threshold: 0.5, calls: 2 })
      }))

    effect("classification: a successful value can count as a failure; a defect is a failure; Ignored changes nothing", () =>
      Effect.gen(function*() {
        const breaker = yield* CircuitBreaker.make({
          name: "classify",
          policy: TripPolicy.consecutiveFailures(3),
          classify: Outcome.classifier<string, Boom | "bad-request">({
            onSuccess: (value) => value === "garbage" ? Outcome.failure() : Outcome.success,
            onFailure: (error) => error === "bad-request" ? Outcome.ignored : Outcome.failure()
          })
        })
        yield* breaker(Effect.succeed("garbage"))
        yield* Effect.exit(breaker(Effect.die("defect")))
        yield* Effect.flip(breaker(Effect.fail("bad-request" as const)))
        assert.strictEqual((yield* statsOf(breaker)).consecutiveFailures, 2)
        yield* breaker(Effect.succeed("garbage"))
        assert.strictEqual((yield* statsOf(breaker)).state, "Open")
      }))

    effect("a classifier that throws does not crash the caller's fiber", () =>
      Effect.gen(function*() {
        const breaker = yield* CircuitBreaker.make({
          name: "throwing-classifier",
          classify: () => {
            throw new Error("classifier bug")
          }
        })
        assert.strictEqual(yield* breaker(Effect.succeed(1)), 1)
        assert.deepStrictEqual(yield* Effect.flip(breaker(Effect.fail(new Boom()))), new Boom())
      }))

    effect("manual control: force open, disable, metrics-only, reset", () =>
      Effect.gen(function*() {
        const dep = yield* dependency
        const breaker = yield* CircuitBreaker.make({ name: "manual", policy: TripPolicy.consecutiveFailures(1) })
        yield* breaker.forceOpen
        const forced = yield* Effect.flip(breaker(dep.ok))
        assert.strictEqual(forced.state, "ForcedOpen")
        assert.isFalse(Duration.isFinite(forced.retryAfter))
        yield* settle
        yield* TestClock.adjust("1 day")
        assert.strictEqual((yield* Effect.flip(breaker(dep.ok))).state, "ForcedOpen", "forced open never half-opens")
        yield* breaker.disable
        yield* Effect.flip(breaker(dep.fail))
        yield* Effect.flip(breaker(dep.fail))
        assert.strictEqual((yield* statsOf(breaker)).state, "Disabled")
        assert.strictEqual((yield* statsOf(breaker)).failures, 0, "disabled records nothing")
        yield* breaker.metricsOnly
        yield* Effect.flip(breaker(dep.fail))
        yield* Effect.flip(breaker(dep.fail))
        const metrics = yield* statsOf(breaker)
        assert.strictEqual(metrics.state, "MetricsOnly")
        assert.strictEqual(metrics.consecutiveFailures, 2, "metrics-only records")
        yield* breaker.reset
        const reset = yield* statsOf(breaker)
        assert.strictEqual(reset.state, "Closed")
        assert.strictEqual(reset.consecutiveFailures, 0)
        assert.strictEqual(yield* dep.runs, 4, "the forced-open calls never ran")
        yield* Effect.flip(breaker(dep.fail))
        assert.strictEqual((yield* statsOf(breaker)).state, "Open")
      }))

    effect("as a service in a Layer", () =>
      Effect.gen(function*() {
        const breaker = yield* TestBreaker
        assert.strictEqual(breaker.name, "from-layer")
        assert.strictEqual(yield* Effect.succeed(2).pipe(CircuitBreaker.protect(breaker)), 2)
        assert.isTrue(CircuitBreaker.isCircuitBreaker(breaker))
      }).pipe(Effect.provide(CircuitBreaker.layer(TestBreaker, { name: "from-layer" }))))
  })


    describe("events", () => {
    effect("a stream consumer sees transitions as they happen", () =>
      Effect.gen(function*() {
        const breaker = yield* CircuitBreaker.make({ name: "events-stream", policy: TripPolicy.consecutiveFailures(1) })
        const consumer = yield* breaker.events.pipe(Stream.take(2), Stream.runCollect, Effect.fork)
        // Give the consumer time to subscribe before the transitions happen.
        yield* Effect.repeatN(Effect.yieldNow(), 20)
        yield* breaker.forceOpen
        yield* breaker.reset
        const events = Chunk.toReadonlyArray(yield* Fiber.join(consumer))
        assert.deepStrictEqual(events.map((e) => [e.to, e.reason]), [
          ["ForcedOpen", { _tag: "Manual", action: "forceOpen" }],
          ["Closed", { _tag: "Manual", action: "reset" }]
        ])
      }))
  })

  concurrencyConformance(label, store)
  streamConformance(label, store)
  moreConformance(label, store)
}
