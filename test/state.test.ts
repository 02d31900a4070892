/**
 * Restoring a breaker from a snapshot that is corrupted or tampered with:
 * `CircuitBreaker.make` fails with `InvalidOptionError` naming the field by its
 * path under `restore` and showing the bad value. Never a defect, never a
 * breaker running on a state it could not have reached.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema, TestClock } from "effect"
import { CircuitBreaker, TripPolicy } from "effect-breaker"

class Boom {
  readonly _tag = "Boom"
}

const options: CircuitBreaker.Options = {
  name: "snap",
  policy: TripPolicy.any(
    TripPolicy.failureRate({ threshold: 0.9, minimumCalls: 20, window: TripPolicy.lastCalls(40) }),
    TripPolicy.failureRate({ threshold: 0.9, minimumCalls: 20, window: TripPolicy.lastDuration("10 seconds", 5) })
  ),
  halfOpen: { permits: 2 }
}

/** A snapshot with something in every window: 3 calls, 1 failed. */
const snapshot = Effect.gen(function*() {
  const breaker = yield* CircuitBreaker.make(options)
  yield* TestClock.setTime(5_000)
  yield* Effect.exit(breaker(Effect.void))
  yield* Effect.exit(breaker(Effect.fail(new Boom())))
  yield* Effect.exit(breaker(Effect.void))
  return JSON.parse(JSON.stringify(yield* breaker.export)) as Record<string, any>
})

type Tamper = readonly [title: string, change: (s: Record<string, any>) => unknown, option: string, value: string]

const tampered: ReadonlyArray<Tamper> = [
  ["not an object", () => "{", "restore", "\"{\""],
  ["null", () => null, "restore", "null"],
  ["unknown version", (s) => ({ ...s, version: 2 }), "restore.version", "2"],
  ["unknown state tag", (s) => ({ ...s, tag: "Opened" }), "restore.tag", "\"Opened\""],
  ["negative generation", (s) => ({ ...s, generation: -1 }), "restore.generation", "-1"],
  ["fractional openings", (s) => ({ ...s, openings: 1.5 }), "restore.openings", "1.5"],
  ["a time as a string", (s) => ({ ...s, enteredAt: "yesterday" }), "restore.enteredAt", "\"yesterday\""],
  ["a missing field", ({ consecutiveFailures: _, ...s }) => s, "restore.consecutiveFailures", "undefined"],
  ["an extra field", (s) => ({ ...s, admin: true }), "restore.admin", "true"],
  ["another breaker's snapshot", (s) => ({ ...s, name: "other" }), "restore.name", "\"other\""],
  ["a window too many", (s) => ({ ...s, windows: [...s.windows, s.windows[0]] }), "restore.windows", ""],
  ["windows swapped", (s) => ({ ...s, windows: [s.windows[1], s.windows[0]] }), "restore.windows[0]._tag", "\"LastDuration\""],
  ["window size changed", (s) => ({ ...s, windows: [{ ...s.windows[0], size: 50 }, s.windows[1]] }), "restore.windows[0].size", "50"],
  [
    "a bad count that disagrees with the bits",
    (s) => ({ ...s, windows: [{ ...s.windows[0], bad: 3 }, s.windows[1]] }),
    "restore.windows[0].bad",
    "3"
  ],
  [
    "bits beyond 30 per number",
    (s) => ({ ...s, windows: [{ ...s.windows[0], bits: [2 ** 31, 0] }, s.windows[1]] }),
    "restore.windows[0].bits[0]",
    "2147483648"
  ],
  [
    "a ring position past the calls",
    (s) => ({ ...s, windows: [{ ...s.windows[0], next: 7 }, s.windows[1]] }),
    "restore.windows[0].next",
    "7"
  ],
  [
    "a bucket with more bad calls than calls",
    (s) => ({ ...s, windows: [s.windows[0], { ...s.windows[1], bad: s.windows[1].calls.map((c: number) => c + 1) }] }),
    "restore.windows[1].bad[0]",
    "1"
  ],
  [
    "a bucket count that is negative",
    (s) => ({ ...s, windows: [s.windows[0], { ...s.windows[1], calls: [-4, 0, 0, 0, 0] }] }),
    "restore.windows[1].calls[0]",
    "-4"
  ],
  ["a permit too few", (s) => ({ ...s, permits: s.permits.slice(1) }), "restore.permits", ""],
  [
    "a permit held while Closed",
    (s) => ({ ...s, permits: [{ issuedAt: 1, ticket: 0 }, s.permits[1]] }),
    "restore.permits[0].issuedAt",
    "1"
  ],
  [
    "a permit ticket from the future",
    (s) => ({ ...s, permits: [{ issuedAt: null, ticket: 9 }, s.permits[1]] }),
    "restore.permits[0].ticket",
    "9"
  ],
  ["more failures than calls", (s) => ({ ...s, failures: 99 }), "restore.failures", "99"]
]

describe("restore: corrupted and tampered snapshots", () => {
  it.effect("the untouched snapshot restores", () =>
    Effect.gen(function*() {
      const s = yield* snapshot
      const b = yield* CircuitBreaker.make({ ...options, restore: s })
      const stats = yield* b.stats
      assert.strictEqual(stats.calls, 3)
      assert.strictEqual(stats.failures, 1)
      assert.isTrue(Schema.is(CircuitBreaker.BreakerState)(yield* b.export))
    }))

  for (const [title, change, option, value] of tampered) {
    it.effect(`${title}: InvalidOptionError names ${option}`, () =>
      Effect.gen(function*() {
        const s = yield* snapshot
        const error = yield* Effect.flip(CircuitBreaker.make({ ...options, restore: change(s) }))
        assert.strictEqual(error._tag, "InvalidOptionError")
        assert.strictEqual(error.option, option)
        if (value !== "") assert.strictEqual(error.value, value)
        assert.include(error.message, option)
      }))
  }

  it.effect("a snapshot from a breaker with other options names what no longer fits", () =>
    Effect.gen(function*() {
      const s = yield* snapshot
      const error = yield* Effect.flip(CircuitBreaker.make({ ...options, halfOpen: { permits: 3 }, restore: s }))
      assert.strictEqual(error.option, "restore.permits")
      assert.include(error.expected, "halfOpen.permits")
    }))
})
