/**
 * Conformance tests added with the store seam: export → restore, classifier
 * results that are not outcomes (issue 9 finding 2), interruption always
 * Ignored. Part of `conformance(label, store)`.
 */
import { assert, describe } from "@effect/vitest"
import { Deferred, Duration, Effect, Exit, Fiber, TestClock } from "effect"
import { CircuitBreaker, Outcome, TripPolicy } from "effect-breaker"
import { harness, type StoreUnderTest } from "./harness.js"

class Boom {
  readonly _tag = "Boom"
}
const boom = Effect.fail(new Boom())

/** What a classifier can return that is not an Outcome. */
const garbage: ReadonlyArray<readonly [string, unknown]> = [
  ["undefined", undefined],
  ["null", null],
  ["{}", {}],
  ["a string", "Failure"],
  ["an unknown tag", { _tag: "Broken" }],
  ["a Failure whose retryAfter is a number", { _tag: "Failure", retryAfter: 5_000 }],
  ["a Failure whose retryAfter is a string", { _tag: "Failure", retryAfter: "5 seconds" }],
  ["a Failure whose retryAfter is an object", { _tag: "Failure", retryAfter: { millis: 5 } }],
  ["a Success whose work is null", { _tag: "Success", work: null }],
  ["a Success whose work is a number", { _tag: "Success", work: 420 }]
]

const garbageClassifier = (value: unknown): Outcome.Classifier => () => value as Outcome.Outcome

export const moreConformance = <R>(label: string, store: StoreUnderTest<R>): void => {
  const { effect, settle, statsOf } = harness(store)
  const provide = <A, E>(self: Effect.Effect<A, E, any>) => Effect.provide(self, store.layer)

  describe(`export and restore (${label})`, () => {
    effect("export → JSON → restore gives the same state and the same behaviour", () =>
      Effect.gen(function*() {
        const options: CircuitBreaker.Options = {
          name: "round-trip",
          policy: TripPolicy.any(
            TripPolicy.consecutiveFailures(3),
            TripPolicy.failureRate({ threshold: 0.6, minimumCalls: 4, window: TripPolicy.lastCalls(40) }),
            TripPolicy.failureRate({ threshold: 0.9, minimumCalls: 50, window: TripPolicy.lastDuration("10 seconds", 5) })
          ),
          openDuration: "1 second",
          halfOpen: { permits: 2, successesToClose: 2 }
        }
        const a = yield* CircuitBreaker.make(options)
        yield* TestClock.setTime(1_000)
        for (const call of [Effect.void, boom, Effect.void, boom, Effect.void, Effect.void]) yield* Effect.exit(a(call))
        yield* settle
        const data = yield* a.export
        assert.strictEqual(data.tag, "Closed")
        assert.strictEqual(data.consecutiveFailures, 0)
        assert.strictEqual(data.windows[0]!._tag, "LastCalls")
        const json = JSON.parse(JSON.stringify(data))
        // A fresh store (another process): the snapshot is all it knows.
        yield* provide(Effect.gen(function*() {
          const b = yield* CircuitBreaker.make({ ...options, restore: json })
          assert.deepStrictEqual(yield* b.export, data)
          assert.deepStrictEqual(yield* statsOf(b), yield* statsOf(a))
          // The same next steps give the same states: three more failures trip both (consecutive; 5 of 9 is below 0.6).
          for (const breaker of [a, b]) {
            for (let i = 0; i < 3; i++) yield* Effect.exit(breaker(boom))
          }
          const [sa, sb] = [yield* statsOf(a), yield* statsOf(b)]
          assert.strictEqual(sa.state, "Open")
          assert.deepStrictEqual(sb, sa)
          // An open circuit restored mid-opening keeps rejecting until its openUntil.
          const opened = JSON.parse(JSON.stringify(yield* b.export))
          const c = yield* provide(CircuitBreaker.make({ ...options, restore: opened }))
          const rejected = yield* Effect.flip(c(Effect.void))
          assert.strictEqual(rejected._tag, "CircuitOpenError")
          assert.strictEqual(Duration.toMillis(rejected.retryAfter), 1_000)
        }))
      }))
  })

  describe(`classifier results (${label})`, () => {
    for (const [title, value] of garbage) {
      effect(`a classifier returning ${title}: the caller's own value and error are kept, a failure counts plainly`, () =>
        Effect.gen(function*() {
          const breaker = yield* CircuitBreaker.make({
            name: `garbage-${title}`,
            policy: TripPolicy.consecutiveFailures(2),
            classify: garbageClassifier(value)
          })
          assert.strictEqual(yield* breaker(Effect.succeed(7)), 7)
          assert.deepStrictEqual(yield* Effect.flip(breaker(boom)), new Boom())
          const exit = yield* Effect.exit(breaker(Effect.die("defect")))
          assert.isTrue(Exit.isFailure(exit) && exit.cause._tag === "Die", "a defect stays the caller's defect")
          const s = yield* statsOf(breaker)
          assert.strictEqual(s.state, "Open", "the two failures counted as plain failures")
          assert.strictEqual(s.retryAfterMs, 30_000, "no hint was taken from the garbage")
        }))
    }

    effect("a half-open probe whose classifier returns garbage gives its permit back", () =>
      Effect.gen(function*() {
        let classifierResult: unknown = Outcome.failure()
        const breaker = yield* CircuitBreaker.make({
          name: "garbage-probe",
          policy: TripPolicy.consecutiveFailures(1),
          openDuration: "1 second",
          halfOpen: { permits: 1, successesToClose: 2, probeTimeout: "1 minute" },
          classify: () => classifierResult as Outcome.Outcome
        })
        yield* Effect.exit(breaker(boom))
        yield* settle
        yield* TestClock.adjust("1 second")
        classifierResult = undefined
        // A successful probe classified as garbage: Ignored, its permit returned at once.
        assert.strictEqual(yield* breaker(Effect.succeed("probe")), "probe")
        const after = yield* statsOf(breaker)
        assert.strictEqual(after.state, "HalfOpen")
        assert.strictEqual(after.probesInFlight, 0)
        // The next call is admitted as a probe (not rejected until the 1-minute probe timeout).
        classifierResult = { _tag: "Failure", retryAfter: "soon" }
        assert.deepStrictEqual(yield* Effect.flip(breaker(boom)), new Boom())
        const reopened = yield* statsOf(breaker)
        assert.strictEqual(reopened.state, "Open", "a failed probe with a garbage outcome reopens as a plain failure")
        assert.strictEqual(reopened.retryAfterMs, 1_000)
      }))

    effect("interruption alone is Ignored whatever the classifier says", () =>
      Effect.gen(function*() {
        const breaker = yield* CircuitBreaker.make({
          name: "interrupt-classified",
          policy: TripPolicy.consecutiveFailures(1),
          openDuration: "1 second",
          classify: () => Outcome.failure("1 hour")
        })
        yield* Effect.exit(breaker(Effect.interrupt))
        const fiber = yield* Effect.fork(breaker(Effect.never))
        yield* Effect.yieldNow()
        yield* Fiber.interrupt(fiber)
        const closed = yield* statsOf(breaker)
        assert.strictEqual(closed.state, "Closed")
        assert.strictEqual(closed.consecutiveFailures, 0)
        // In half-open: an interrupted probe frees its permit and counts nothing.
        yield* Effect.exit(breaker(boom))
        yield* settle
        yield* TestClock.adjust("1 hour")
        const gate = yield* Deferred.make<void>()
        const probe = yield* Effect.fork(breaker(Deferred.await(gate)))
        yield* Effect.yieldNow()
        yield* Fiber.interrupt(probe)
        const half = yield* statsOf(breaker)
        assert.strictEqual(half.state, "HalfOpen")
        assert.strictEqual(half.probesInFlight, 0)
      }))
  })
}
