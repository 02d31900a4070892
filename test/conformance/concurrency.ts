/**
 * Conformance tests on concurrency and time: many fibers through one breaker,
 * half-open contention, interrupted and stalled probes, interrupted callers,
 * late outcomes. Part of `conformance(label, store)`.
 */
import { assert, describe } from "@effect/vitest"
import { Deferred, Duration, Effect, Exit, Fiber, Option, Ref, TestClock } from "effect"
import { CircuitBreaker, type CircuitOpenError, TripPolicy } from "effect-breaker"
import { Boom, dependency, harness, type StoreUnderTest } from "./harness.js"

export const concurrencyConformance = <R>(label: string, store: StoreUnderTest<R>): void => {
  const { effect, settle, statsOf } = harness(store)

  describe(`CircuitBreaker conformance, concurrency (${label})`, () => {
    effect("1,000 concurrent fibers through one breaker: counts are exact", () =>
      Effect.gen(function*() {
        const breaker = yield* CircuitBreaker.make({
          name: "concurrent",
          // Never trips (at 1,000 calls the rate is 0.25), so the window must account for every call.
          policy: TripPolicy.failureRate({ threshold: 1, minimumCalls: 1_000, window: TripPolicy.lastCalls(2_000) })
        })
        const gate = yield* Deferred.make<void>()
        const fibers = yield* Effect.forEach(
          Array.from({ length: 1_000 }, (_, i) => i),
          (i) => Effect.fork(breaker(Deferred.await(gate).pipe(Effect.zipRight(i % 4 === 0 ? Effect.fail(new Boom()) : Effect.succeed(i))))),
          { concurrency: "unbounded" }
        )
        yield* Deferred.succeed(gate, undefined)
        const exits = yield* Effect.forEach(fibers, Fiber.await)
        assert.strictEqual(exits.filter(Exit.isSuccess).length, 750)
        const stats = yield* statsOf(breaker)
        assert.strictEqual(stats.calls, 1_000)
        assert.strictEqual(stats.failures, 250)
        assert.strictEqual(stats.failureRate, 0.25)
        assert.strictEqual(stats.state, "Closed")
      }))

    effect("half-open under contention: exactly N probes run, the rest are rejected at once", () =>
      Effect.gen(function*() {
        const dep = yield* dependency
        const breaker = yield* CircuitBreaker.make({
          name: "contention",
          policy: TripPolicy.consecutiveFailures(1),
          openDuration: "1 second",
          halfOpen: { permits: 3, successesToClose: 3 }
        })
        yield* Effect.flip(breaker(dep.fail))
        yield* settle
        yield* TestClock.adjust("1 second")
        const release = yield* Deferred.make<void>()
        const started = yield* Ref.make(0)
        const probe = Ref.update(started, (n) => n + 1).pipe(Effect.zipRight(Deferred.await(release)), Effect.as("probed"))
        const exits = yield* Effect.forEach(
          Array.from({ length: 1_000 }),
          () => Effect.fork(breaker(probe)),
          { concurrency: "unbounded" }
        ).pipe(
          Effect.tap(() => Effect.yieldNow()),
          // a fleet store admits probes with a round trip: wait for the answers (the memory store has none to wait for)
          Effect.tap(() => settle),
          Effect.tap(() => Effect.yieldNow()),
          Effect.tap(() => Effect.gen(function*() {
            assert.strictEqual(yield* Ref.get(started), 3)
            assert.strictEqual((yield* statsOf(breaker)).probesInFlight, 3)
            assert.strictEqual((yield* statsOf(breaker)).retryAfterMs, 0, "half-open: the probes decide, no time is known")
            yield* Deferred.succeed(release, undefined)
          })),
          Effect.flatMap(Effect.forEach(Fiber.await))
        )
        const rejected = exits.filter((e) => Exit.isFailure(e))
        assert.strictEqual(exits.filter(Exit.isSuccess).length, 3)
        assert.strictEqual(rejected.length, 997)
        for (const e of rejected) {
          const error = Exit.isFailure(e) ? Option.getOrThrow(Exit.causeOption(e).pipe(Option.flatMap((c) => Option.fromNullable(c._tag === "Fail" ? c.error : undefined)))) : undefined
          assert.strictEqual((error as CircuitOpenError).state, "HalfOpen")
          // issue 9 finding 9: not the time until a probe's permit or lease expires
          assert.strictEqual(Duration.toMillis((error as CircuitOpenError).retryAfter), 0)
        }
        assert.strictEqual((yield* statsOf(breaker)).state, "Closed")
      }))

    effect("interrupting the probe frees its permit", () =>
      Effect.gen(function*() {
        const dep = yield* dependency
        const breaker = yield* CircuitBreaker.make({
          name: "interrupt-probe",
          policy: TripPolicy.consecutiveFailures(1),
          openDuration: "1 second"
        })
        yield* Effect.flip(breaker(dep.fail))
        yield* settle
        yield* TestClock.adjust("1 second")
        const probe = yield* Effect.fork(breaker(Effect.never))
        yield* Effect.yieldNow()
        yield* settle
        yield* Effect.yieldNow()
        assert.strictEqual((yield* statsOf(breaker)).probesInFlight, 1)
        assert.strictEqual((yield* Effect.flip(breaker(dep.ok))).state, "HalfOpen", "the permit is taken")
        yield* Fiber.interrupt(probe)
        const stats = yield* statsOf(breaker)
        assert.strictEqual(stats.state, "HalfOpen")
        assert.strictEqual(stats.probesInFlight, 0)
        assert.strictEqual(yield* breaker(dep.ok), "ok", "the freed permit admits the next probe")
        assert.strictEqual((yield* statsOf(breaker)).state, "Closed")
      }))

    effect("a stalled probe no longer blocks recovery after the probe timeout, and its late outcome is ignored", () =>
      Effect.gen(function*() {
        const dep = yield* dependency
        const breaker = yield* CircuitBreaker.make({
          name: "stalled-probe",
          policy: TripPolicy.consecutiveFailures(1),
          openDuration: "1 second",
          halfOpen: { probeTimeout: "5 seconds" }
        })
        yield* Effect.flip(breaker(dep.fail))
        yield* settle
        yield* TestClock.adjust("1 second")
        const stalled = yield* Effect.fork(breaker(Effect.sleep("1 minute").pipe(Effect.zipRight(dep.fail))))
        yield* Effect.yieldNow()
        yield* settle
        yield* TestClock.adjust("4 seconds")
        assert.strictEqual((yield* Effect.flip(breaker(dep.ok))).state, "HalfOpen")
        yield* settle
        yield* TestClock.adjust("1 second")
        assert.strictEqual(yield* breaker(dep.ok), "ok")
        assert.strictEqual((yield* statsOf(breaker)).state, "Closed")
        yield* settle
        yield* TestClock.adjust("1 minute")
        yield* Effect.flip(Fiber.join(stalled))
        assert.strictEqual((yield* statsOf(breaker)).state, "Closed", "the stale probe's failure changed nothing")
      }))

    effect("interrupting a caller is not a failure of the dependency", () =>
      Effect.gen(function*() {
        const breaker = yield* CircuitBreaker.make({ name: "interrupt-caller", policy: TripPolicy.consecutiveFailures(1) })
        const fibers = yield* Effect.forEach(Array.from({ length: 10 }), () => Effect.fork(breaker(Effect.never)))
        yield* Effect.yieldNow()
        yield* Fiber.interruptAll(fibers)
        // Interruption inside the protected effect (not of the caller's fiber) is ignored too.
        yield* Effect.exit(breaker(Effect.interrupt))
        const stats = yield* statsOf(breaker)
        assert.strictEqual(stats.state, "Closed")
        assert.strictEqual(stats.failures, 0)
        assert.strictEqual(stats.consecutiveFailures, 0)
      }))

    effect("an outcome from a call admitted before a trip does not change the state the trip created", () =>
      Effect.gen(function*() {
        const breaker = yield* CircuitBreaker.make({
          name: "late-outcome",
          policy: TripPolicy.consecutiveFailures(1),
          openDuration: "1 second"
        })
        const slow = yield* Deferred.make<void>()
        const early = yield* Effect.fork(breaker(Deferred.await(slow).pipe(Effect.as("late"))))
        yield* Effect.yieldNow()
        yield* Effect.flip(breaker(Effect.fail(new Boom()))) // trips
        yield* settle
        yield* TestClock.adjust("1 second")
        const probe = yield* Effect.fork(breaker(Effect.never)) // half-open, permit taken
        yield* Effect.yieldNow()
        yield* Deferred.succeed(slow, undefined)
        assert.strictEqual(yield* Fiber.join(early), "late")
        const stats = yield* statsOf(breaker)
        assert.strictEqual(stats.state, "HalfOpen", "a late success does not close the circuit")
        assert.strictEqual(stats.probeSuccesses, 0)
        yield* Fiber.interrupt(probe)
      }))
  })
}
