import { assert, describe, it } from "@effect/vitest"
import { Cause, Data, Duration, Effect, Exit, Option, TestClock } from "effect"
import { InvalidOptionError } from "effect-breaker"
import { counted, RateLimitGate, Unavailable } from "./lib.js"

class Throttled extends Data.TaggedError("Throttled")<{ readonly key: string; readonly waitMs: number }> {}

describe("RateLimitGate", () => {
  it.effect("told a key resets at T: calls fail fast with a typed error until T, without being sent", () =>
    Effect.gen(function*() {
      const gate = yield* RateLimitGate.make({ name: "openai" })
      const dep = yield* counted(() => Effect.succeed("sent"))
      yield* gate.closeUntil("gpt-4o", 7_000)
      yield* TestClock.setTime(6_999)
      const error = yield* Effect.flip(gate.guard("gpt-4o")(dep.call))
      assert.instanceOf(error, RateLimitGate.GateClosedError)
      assert.strictEqual(error.key, "gpt-4o")
      assert.strictEqual(Duration.toMillis(error.retryAfter), 1)
      assert.include(error.message, "openai")
      assert.strictEqual(yield* dep.runs, 0)
      assert.strictEqual(yield* RateLimitGate.guard(dep.call, gate, "other-model"), "sent", "other keys pass")
      yield* TestClock.setTime(7_000)
      assert.strictEqual(yield* dep.call.pipe(RateLimitGate.guard(gate, "gpt-4o")), "sent")
      assert.strictEqual(yield* gate.size, 0)
    }))

  it.effect("learns resets from exits: a 429's reset, or a success whose headers say none remain", () =>
    Effect.gen(function*() {
      const gate = yield* RateLimitGate.make({
        resetAfter: (exit) => {
          if (Exit.isSuccess(exit)) {
            const r = exit.value as { remaining: number; resetMs: number }
            return r.remaining === 0 ? Duration.millis(r.resetMs) : undefined
          }
          const e = Option.flatMap(Exit.causeOption(exit), Cause.failureOption)
          return Option.isSome(e) && e.value instanceof Unavailable ? e.value.retryAfter : undefined
        }
      })
      yield* Effect.flip(gate.guard("k1")(Effect.fail(new Unavailable({ retryAfter: Duration.seconds(3) }))))
      assert.deepStrictEqual(yield* gate.retryAfter("k1"), Option.some(Duration.seconds(3)))
      yield* gate.guard("k2")(Effect.succeed({ remaining: 0, resetMs: 500 }))
      assert.isTrue(Exit.isFailure(yield* Effect.exit(gate.check("k2"))))
      yield* gate.guard("k3")(Effect.succeed({ remaining: 10, resetMs: 500 }))
      assert.isTrue(Exit.isSuccess(yield* Effect.exit(gate.check("k3"))))
      yield* TestClock.adjust("3 seconds")
      assert.isTrue(Exit.isSuccess(yield* Effect.exit(gate.check("k1"))))
      assert.isTrue(Exit.isSuccess(yield* Effect.exit(gate.check("k2"))))
    }))

  it.effect("the caller chooses the error; retryAfterOf reads the wait back", () =>
    Effect.gen(function*() {
      const gate = yield* RateLimitGate.make({
        onClosed: (info) => new Throttled({ key: info.key, waitMs: Duration.toMillis(info.retryAfter) })
      })
      yield* gate.closeFor("t", "2 seconds")
      const error = yield* Effect.flip(gate.guard("t")(Effect.succeed(1)))
      assert.strictEqual(error._tag, "Throttled")
      if (error._tag === "Throttled") assert.strictEqual(error.waitMs, 2_000)
      assert.deepStrictEqual(gate.retryAfterOf(error), Duration.seconds(2))
      assert.isUndefined(gate.retryAfterOf(new Throttled({ key: "t", waitMs: 1 })), "only errors this gate made")
    }))

  it.effect("bounded memory: at most maxKeys, expired keys dropped first", () =>
    Effect.gen(function*() {
      const gate = yield* RateLimitGate.make({ maxKeys: 3 })
      yield* gate.closeFor("short", "1 second")
      yield* gate.closeFor("a", "1 hour")
      yield* gate.closeFor("b", "1 hour")
      yield* TestClock.adjust("2 seconds")
      yield* gate.closeFor("c", "1 hour") // "short" has expired: it goes, not "a"
      assert.strictEqual(yield* gate.size, 3)
      assert.isTrue(Option.isSome(yield* gate.retryAfter("a")))
      for (let i = 0; i < 100; i++) yield* gate.closeFor(`k${i}`, "1 hour")
      assert.strictEqual(yield* gate.size, 3)
    }))

  it.effect("a learnt reset is capped by maxReset; a longer known reset is kept", () =>
    Effect.gen(function*() {
      const gate = yield* RateLimitGate.make({ maxReset: "10 minutes" })
      yield* gate.closeFor("k", "1 day")
      assert.deepStrictEqual(yield* gate.retryAfter("k"), Option.some(Duration.minutes(10)))
      yield* gate.closeFor("k", "1 second")
      assert.deepStrictEqual(yield* gate.retryAfter("k"), Option.some(Duration.minutes(10)))
      yield* gate.open("k")
      assert.isTrue(Option.isNone(yield* gate.retryAfter("k")))
    }))

  it.effect("bad options fail with InvalidOptionError", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(RateLimitGate.make({ maxKeys: -1 }))
      assert.instanceOf(e, InvalidOptionError)
      assert.strictEqual(e.option, "gate.maxKeys")
      const e2 = yield* Effect.flip(RateLimitGate.make({ resetAfter: "soon" as any }))
      assert.strictEqual(e2.option, "gate.resetAfter")
    }))
})
