import { assert, describe, it } from "@effect/vitest"
import { Chunk, Context, Deferred, Duration, Effect, Either, Exit, Fiber, Option, Queue, Ref, Schedule, Stream, TestClock } from "effect"
import { CircuitBreaker, CircuitOpenError, Outcome, TripPolicy } from "effect-breaker"

class TestBreaker extends Context.Tag("test/TestBreaker")<TestBreaker, CircuitBreaker.CircuitBreaker>() {}

class Boom {
  readonly _tag = "Boom"
}

/** A dependency that counts how often it really runs. */
const dependency = Effect.gen(function*() {
  const runs = yield* Ref.make(0)
  const ok = Ref.update(runs, (n) => n + 1).pipe(Effect.as("ok"))
  const fail = Ref.update(runs, (n) => n + 1).pipe(Effect.zipRight(Effect.fail(new Boom())))
  return { runs: Ref.get(runs), ok, fail }
})

const at = (ms: number) => TestClock.setTime(ms)

describe("CircuitBreaker under TestClock", () => {
  it.effect("failures at 100..500 ms with a threshold of 5: the call at 501 ms is rejected without running", () =>
    Effect.gen(function*() {
      const dep = yield* dependency
      const breaker = yield* CircuitBreaker.make({
        name: "timeline",
        policy: TripPolicy.consecutiveFailures(5),
        openDuration: "10 seconds"
      })
      for (const ms of [100, 200, 300, 400]) {
        yield* at(ms)
        yield* Effect.flip(breaker(dep.fail))
        assert.strictEqual((yield* breaker.stats).state, "Closed")
      }
      yield* at(500)
      yield* Effect.flip(breaker(dep.fail))
      assert.strictEqual((yield* breaker.stats).state, "Open")
      yield* at(501)
      const error = yield* Effect.flip(breaker(dep.ok))
      assert.instanceOf(error, CircuitOpenError)
      assert.strictEqual(error._tag, "CircuitOpenError")
      assert.strictEqual(error.breaker, "timeline")
      assert.strictEqual(error.state, "Open")
      assert.strictEqual(Duration.toMillis(error.retryAfter), 10_000 - 1)
      assert.strictEqual(yield* dep.runs, 5, "the rejected call did not run")
      const stats = yield* breaker.stats
      assert.strictEqual(stats.rejected, 1)
      assert.strictEqual(stats.retryAfterMs, 9_999)
    }))

  it.scoped("recovers: Open → HalfOpen after the open duration, closes after 2 probe successes", () =>
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
      yield* TestClock.adjust("999 millis")
      assert.strictEqual((yield* Effect.flip(breaker(dep.ok)))._tag, "CircuitOpenError")
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(yield* breaker(dep.ok), "ok")
      const half = yield* breaker.stats
      assert.strictEqual(half.state, "HalfOpen")
      assert.strictEqual(half.probeSuccesses, 1)
      assert.strictEqual(yield* breaker(dep.ok), "ok")
      assert.strictEqual((yield* breaker.stats).state, "Closed")
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

  it.effect("a failed recovery reopens and waits longer, following the open-duration schedule", () =>
    Effect.gen(function*() {
      const dep = yield* dependency
      const breaker = yield* CircuitBreaker.make({
        name: "backoff",
        policy: TripPolicy.consecutiveFailures(1),
        openDuration: Schedule.exponential("1 second", 2)
      })
      yield* Effect.flip(breaker(dep.fail)) // opening 1: 1 s
      assert.strictEqual((yield* breaker.stats).retryAfterMs, 1_000)
      yield* TestClock.adjust("1 second")
      yield* Effect.flip(breaker(dep.fail)) // the probe fails: opening 2, 2 s
      const second = yield* breaker.stats
      assert.strictEqual(second.state, "Open")
      assert.strictEqual(second.openings, 2)
      assert.strictEqual(second.retryAfterMs, 2_000)
      yield* TestClock.adjust("1999 millis")
      assert.strictEqual((yield* Effect.flip(breaker(dep.ok)))._tag, "CircuitOpenError")
      yield* TestClock.adjust("1 millis")
      yield* Effect.flip(breaker(dep.fail)) // opening 3: 4 s
      assert.strictEqual((yield* breaker.stats).retryAfterMs, 4_000)
      yield* TestClock.adjust("4 seconds")
      assert.strictEqual(yield* breaker(dep.ok), "ok") // closes, openings reset
      yield* Effect.flip(breaker(dep.fail))
      assert.strictEqual((yield* breaker.stats).retryAfterMs, 1_000, "after closing, the schedule starts over")
    }))

  it.effect("time window: old failures stop counting", () =>
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
      assert.strictEqual((yield* breaker.stats).failures, 3)
      yield* TestClock.adjust("11 seconds")
      const aged = yield* breaker.stats
      assert.strictEqual(aged.calls, 0)
      assert.strictEqual(aged.failures, 0)
      // Three more calls: one failure among four would trip had the old ones still counted.
      yield* breaker(dep.ok)
      yield* breaker(dep.ok)
      yield* breaker(dep.ok)
      yield* Effect.flip(breaker(dep.fail))
      const stats = yield* breaker.stats
      assert.strictEqual(stats.state, "Closed")
      assert.strictEqual(stats.calls, 4)
      assert.strictEqual(stats.failureRate, 0.25)
      yield* Effect.flip(breaker(dep.fail))
      assert.strictEqual((yield* breaker.stats).state, "Closed", "2 of 5 is below 0.5")
      yield* Effect.flip(breaker(dep.fail))
      assert.strictEqual((yield* breaker.stats).state, "Open", "3 of 6 reaches 0.5")
    }))

  it.effect("1,000 concurrent fibers through one breaker: counts are exact", () =>
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
      const stats = yield* breaker.stats
      assert.strictEqual(stats.calls, 1_000)
      assert.strictEqual(stats.failures, 250)
      assert.strictEqual(stats.failureRate, 0.25)
      assert.strictEqual(stats.state, "Closed")
    }))

  it.effect("half-open under contention: exactly N probes run, the rest are rejected at once", () =>
    Effect.gen(function*() {
      const dep = yield* dependency
      const breaker = yield* CircuitBreaker.make({
        name: "contention",
        policy: TripPolicy.consecutiveFailures(1),
        openDuration: "1 second",
        halfOpen: { permits: 3, successesToClose: 3 }
      })
      yield* Effect.flip(breaker(dep.fail))
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
        Effect.tap(() => Effect.gen(function*() {
          assert.strictEqual(yield* Ref.get(started), 3)
          assert.strictEqual((yield* breaker.stats).probesInFlight, 3)
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
      }
      assert.strictEqual((yield* breaker.stats).state, "Closed")
    }))

  it.effect("interrupting the probe frees its permit", () =>
    Effect.gen(function*() {
      const dep = yield* dependency
      const breaker = yield* CircuitBreaker.make({
        name: "interrupt-probe",
        policy: TripPolicy.consecutiveFailures(1),
        openDuration: "1 second"
      })
      yield* Effect.flip(breaker(dep.fail))
      yield* TestClock.adjust("1 second")
      const probe = yield* Effect.fork(breaker(Effect.never))
      yield* Effect.yieldNow()
      assert.strictEqual((yield* breaker.stats).probesInFlight, 1)
      assert.strictEqual((yield* Effect.flip(breaker(dep.ok))).state, "HalfOpen", "the permit is taken")
      yield* Fiber.interrupt(probe)
      const stats = yield* breaker.stats
      assert.strictEqual(stats.state, "HalfOpen")
      assert.strictEqual(stats.probesInFlight, 0)
      assert.strictEqual(yield* breaker(dep.ok), "ok", "the freed permit admits the next probe")
      assert.strictEqual((yield* breaker.stats).state, "Closed")
    }))

  it.effect("a stalled probe no longer blocks recovery after the probe timeout, and its late outcome is ignored", () =>
    Effect.gen(function*() {
      const dep = yield* dependency
      const breaker = yield* CircuitBreaker.make({
        name: "stalled-probe",
        policy: TripPolicy.consecutiveFailures(1),
        openDuration: "1 second",
        halfOpen: { probeTimeout: "5 seconds" }
      })
      yield* Effect.flip(breaker(dep.fail))
      yield* TestClock.adjust("1 second")
      const stalled = yield* Effect.fork(breaker(Effect.sleep("1 minute").pipe(Effect.zipRight(dep.fail))))
      yield* Effect.yieldNow()
      yield* TestClock.adjust("4 seconds")
      assert.strictEqual((yield* Effect.flip(breaker(dep.ok))).state, "HalfOpen")
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* breaker(dep.ok), "ok")
      assert.strictEqual((yield* breaker.stats).state, "Closed")
      yield* TestClock.adjust("1 minute")
      yield* Effect.flip(Fiber.join(stalled))
      assert.strictEqual((yield* breaker.stats).state, "Closed", "the stale probe's failure changed nothing")
    }))

  it.effect("interrupting a caller is not a failure of the dependency", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({ name: "interrupt-caller", policy: TripPolicy.consecutiveFailures(1) })
      const fibers = yield* Effect.forEach(Array.from({ length: 10 }), () => Effect.fork(breaker(Effect.never)))
      yield* Effect.yieldNow()
      yield* Fiber.interruptAll(fibers)
      // Interruption inside the protected effect (not of the caller's fiber) is ignored too.
      yield* Effect.exit(breaker(Effect.interrupt))
      const stats = yield* breaker.stats
      assert.strictEqual(stats.state, "Closed")
      assert.strictEqual(stats.failures, 0)
      assert.strictEqual(stats.consecutiveFailures, 0)
    }))

  it.effect("an outcome from a call admitted before a trip does not change the state the trip created", () =>
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
      yield* TestClock.adjust("1 second")
      const probe = yield* Effect.fork(breaker(Effect.never)) // half-open, permit taken
      yield* Effect.yieldNow()
      yield* Deferred.succeed(slow, undefined)
      assert.strictEqual(yield* Fiber.join(early), "late")
      const stats = yield* breaker.stats
      assert.strictEqual(stats.state, "HalfOpen", "a late success does not close the circuit")
      assert.strictEqual(stats.probeSuccesses, 0)
      yield* Fiber.interrupt(probe)
    }))

  it.effect("a failure's retry-after hint lengthens the opening, capped by maxOpenDuration", () =>
    Effect.gen(function*() {
      const hinted = (hint: Duration.DurationInput) =>
        CircuitBreaker.make({
          name: "hint",
          policy: TripPolicy.consecutiveFailures(1),
          openDuration: "1 second",
          maxOpenDuration: "30 seconds",
          classify: Outcome.classifier({ onFailure: () => Outcome.failure(hint) })
        })
      const a = yield* hinted("10 seconds")
      yield* Effect.flip(a(Effect.fail(new Boom())))
      assert.strictEqual((yield* a.stats).retryAfterMs, 10_000)
      const b = yield* hinted("1 hour")
      yield* Effect.flip(b(Effect.fail(new Boom())))
      assert.strictEqual((yield* b.stats).retryAfterMs, 30_000)
      const c = yield* hinted("10 millis")
      yield* Effect.flip(c(Effect.fail(new Boom())))
      assert.strictEqual((yield* c.stats).retryAfterMs, 1_000, "a hint never shortens the opening")
    }))

  it.scoped("slow calls: a slow-call-rate policy trips on latency measured by the Clock", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({
        name: "slow",
        policy: TripPolicy.slowCallRate({ duration: "2 seconds", threshold: 0.5, minimumCalls: 2 })
      })
      const slowCall = Effect.sleep("3 seconds").pipe(Effect.as("slow"))
      const first = yield* Effect.fork(breaker(slowCall))
      yield* TestClock.adjust("3 seconds")
      yield* Fiber.join(first)
      const before = yield* breaker.stats
      assert.strictEqual(before.slowCalls, 1)
      assert.strictEqual(before.calls, 1)
      assert.strictEqual(before.state, "Closed", "one call is below minimumCalls")
      const events = yield* breaker.subscribe
      yield* breaker(Effect.succeed("fast"))
      assert.strictEqual((yield* breaker.stats).state, "Open")
      const event = yield* Queue.take(events)
      assert.deepStrictEqual(event.reason, { _tag: "SlowCallRate", rate: 0.5, threshold: 0.5, calls: 2 })
    }))

  it.effect("classification: a successful value can count as a failure; a defect is a failure; Ignored changes nothing", () =>
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
      assert.strictEqual((yield* breaker.stats).consecutiveFailures, 2)
      yield* breaker(Effect.succeed("garbage"))
      assert.strictEqual((yield* breaker.stats).state, "Open")
    }))

  it.effect("a classifier that throws does not crash the caller's fiber", () =>
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

  it.effect("manual control: force open, disable, metrics-only, reset", () =>
    Effect.gen(function*() {
      const dep = yield* dependency
      const breaker = yield* CircuitBreaker.make({ name: "manual", policy: TripPolicy.consecutiveFailures(1) })
      yield* breaker.forceOpen
      const forced = yield* Effect.flip(breaker(dep.ok))
      assert.strictEqual(forced.state, "ForcedOpen")
      assert.isFalse(Duration.isFinite(forced.retryAfter))
      yield* TestClock.adjust("1 day")
      assert.strictEqual((yield* Effect.flip(breaker(dep.ok))).state, "ForcedOpen", "forced open never half-opens")
      yield* breaker.disable
      yield* Effect.flip(breaker(dep.fail))
      yield* Effect.flip(breaker(dep.fail))
      assert.strictEqual((yield* breaker.stats).state, "Disabled")
      assert.strictEqual((yield* breaker.stats).failures, 0, "disabled records nothing")
      yield* breaker.metricsOnly
      yield* Effect.flip(breaker(dep.fail))
      yield* Effect.flip(breaker(dep.fail))
      const metrics = yield* breaker.stats
      assert.strictEqual(metrics.state, "MetricsOnly")
      assert.strictEqual(metrics.consecutiveFailures, 2, "metrics-only records")
      yield* breaker.reset
      const reset = yield* breaker.stats
      assert.strictEqual(reset.state, "Closed")
      assert.strictEqual(reset.consecutiveFailures, 0)
      assert.strictEqual(yield* dep.runs, 4, "the forced-open calls never ran")
      yield* Effect.flip(breaker(dep.fail))
      assert.strictEqual((yield* breaker.stats).state, "Open")
    }))

  it.effect("as a service in a Layer", () =>
    Effect.gen(function*() {
      const breaker = yield* TestBreaker
      assert.strictEqual(breaker.name, "from-layer")
      assert.strictEqual(yield* Effect.succeed(2).pipe(CircuitBreaker.protect(breaker)), 2)
      assert.isTrue(CircuitBreaker.isCircuitBreaker(breaker))
    }).pipe(Effect.provide(CircuitBreaker.layer(TestBreaker, { name: "from-layer" }))))
})


describe("CircuitBreaker.events", () => {
  it.effect("a stream consumer sees transitions as they happen", () =>
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

describe("CircuitBreaker options", () => {
  const bad: ReadonlyArray<readonly [string, CircuitBreaker.Options, string, string]> = [
    ["empty name", { name: "" }, "name", "\"\""],
    ["name not a string", { name: 42 as unknown as string }, "name", "42"],
    ["threshold 0", { name: "x", policy: TripPolicy.consecutiveFailures(0) }, "policy.threshold", "0"],
    ["threshold 2.5", { name: "x", policy: TripPolicy.consecutiveFailures(2.5) }, "policy.threshold", "2.5"],
    ["rate 1.5", { name: "x", policy: TripPolicy.failureRate({ threshold: 1.5 }) }, "policy.threshold", "1.5"],
    ["rate 0", { name: "x", policy: TripPolicy.failureRate({ threshold: 0 }) }, "policy.threshold", "0"],
    ["rate NaN", { name: "x", policy: TripPolicy.failureRate({ threshold: NaN }) }, "policy.threshold", "NaN"],
    ["minimum calls 0", { name: "x", policy: TripPolicy.failureRate({ threshold: 0.5, minimumCalls: 0 }) }, "policy.minimumCalls", "0"],
    [
      "window smaller than minimum calls",
      { name: "x", policy: TripPolicy.failureRate({ threshold: 0.5, minimumCalls: 20, window: TripPolicy.lastCalls(10) }) },
      "policy.window.size",
      "10"
    ],
    [
      "window of 0 calls",
      { name: "x", policy: TripPolicy.failureRate({ threshold: 0.5, minimumCalls: 1, window: TripPolicy.lastCalls(0) }) },
      "policy.window.size",
      "0"
    ],
    [
      "negative time window",
      { name: "x", policy: TripPolicy.failureRate({ threshold: 0.5, window: TripPolicy.lastDuration(-5) }) },
      "policy.window.duration",
      "-5"
    ],
    [
      "zero buckets",
      { name: "x", policy: TripPolicy.failureRate({ threshold: 0.5, window: TripPolicy.lastDuration("10 seconds", 0) }) },
      "policy.window.buckets",
      "0"
    ],
    [
      "slow duration garbage",
      { name: "x", policy: TripPolicy.slowCallRate({ duration: "soon" as Duration.DurationInput, threshold: 0.5 }) },
      "policy.duration",
      "\"soon\""
    ],
    [
      "slow rate 2",
      { name: "x", policy: TripPolicy.slowCallRate({ duration: "1 second", threshold: 2 }) },
      "policy.threshold",
      "2"
    ],
    ["empty any", { name: "x", policy: TripPolicy.any() }, "policy.policies", "[]"],
    [
      "bad policy inside any",
      { name: "x", policy: TripPolicy.any(TripPolicy.consecutiveFailures(3), TripPolicy.failureRate({ threshold: -1 })) },
      "policy.policies[1].threshold",
      "-1"
    ],
    ["unknown policy", { name: "x", policy: { _tag: "Sometimes" } as unknown as TripPolicy.TripPolicy }, "policy._tag", "\"Sometimes\""],
    ["negative open duration", { name: "x", openDuration: -1 }, "openDuration", "-1"],
    ["negative open duration string", { name: "x", openDuration: "-3 seconds" as Duration.DurationInput }, "openDuration", "\"-3 seconds\""],
    ["infinite open duration", { name: "x", openDuration: Duration.infinity }, "openDuration", "Infinity"],
    ["negative max open duration", { name: "x", maxOpenDuration: -10 }, "maxOpenDuration", "-10"],
    ["zero permits", { name: "x", halfOpen: { permits: 0 } }, "halfOpen.permits", "0"],
    ["fractional permits", { name: "x", halfOpen: { permits: 1.5 } }, "halfOpen.permits", "1.5"],
    ["zero successes", { name: "x", halfOpen: { successesToClose: 0 } }, "halfOpen.successesToClose", "0"],
    ["zero probe timeout", { name: "x", halfOpen: { probeTimeout: 0 } }, "halfOpen.probeTimeout", "0"],
    ["classify not a function", { name: "x", classify: "yes" as unknown as CircuitBreaker.Options["classify"] }, "classify", "\"yes\""]
  ]
  for (const [title, options, option, value] of bad) {
    it.effect(`${title}: InvalidOptionError names ${option} and ${value}`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(CircuitBreaker.make(options))
        assert.strictEqual(error._tag, "InvalidOptionError")
        assert.strictEqual(error.option, option)
        assert.strictEqual(error.value, value)
        assert.include(error.message, option)
        assert.include(error.message, value)
      }))
  }

  it.effect("a Schedule that ends keeps its last delay; one that yields nothing is rejected", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({
        name: "finite-schedule",
        policy: TripPolicy.consecutiveFailures(1),
        openDuration: Schedule.exponential("1 second").pipe(Schedule.intersect(Schedule.recurs(2)))
      })
      for (const expected of [1_000, 2_000, 2_000]) {
        yield* Effect.flip(breaker(Effect.fail(new Boom())))
        assert.strictEqual((yield* breaker.stats).retryAfterMs, expected)
        yield* TestClock.adjust(expected)
      }
      const error = yield* Effect.flip(CircuitBreaker.make({ name: "x", openDuration: Schedule.stop }))
      assert.strictEqual(error.option, "openDuration")
    }))

  it.effect("valid defaults: five consecutive failures, 30 seconds open, one probe", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({ name: "defaults" })
      for (let i = 0; i < 4; i++) yield* Effect.flip(breaker(Effect.fail(new Boom())))
      assert.strictEqual((yield* breaker.stats).state, "Closed")
      yield* Effect.flip(breaker(Effect.fail(new Boom())))
      assert.strictEqual((yield* breaker.stats).retryAfterMs, 30_000)
    }))
})

describe("TripPolicy.validate", () => {
  it("checks a policy on its own with the breaker's own checks", () => {
    const bad = TripPolicy.validate(TripPolicy.any(TripPolicy.consecutiveFailures(3), TripPolicy.failureRate({ threshold: 1.5 })))
    assert.isTrue(Either.isLeft(bad))
    if (Either.isLeft(bad)) {
      assert.strictEqual(bad.left.option, "policy.policies[1].threshold")
      assert.strictEqual(bad.left.message, `Invalid option "policy.policies[1].threshold": got 1.5, expected a number in (0, 1]`)
    }
    const good = TripPolicy.failureRate({ threshold: 0.5, window: TripPolicy.lastDuration("1 minute") })
    assert.deepStrictEqual(TripPolicy.validate(good), Either.right(good))
  })
})

