/**
 * What a bad value at the root of an options object or a snapshot says: the
 * option names or what a snapshot is, never Schema's dump of the whole type.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { CircuitBreaker, RateLimitGate } from "effect-breaker"

const schemaDump = /Expected \{|<declaration schema>|is unexpected/

describe("a bad root value names what belongs there", () => {
  it.effect("options that are not an object: the known options are listed", () =>
    Effect.gen(function*() {
      for (const bad of [undefined, "x", 5, null]) {
        const error = yield* Effect.flip(CircuitBreaker.make(bad as any))
        assert.strictEqual(error._tag, "InvalidOptionError")
        assert.notMatch(error.message, schemaDump, error.message)
        assert.include(error.expected, "an object of options (name,", error.message)
      }
      const gate = yield* Effect.flip(RateLimitGate.make(7 as any))
      assert.notMatch(gate.message, schemaDump, gate.message)
    }))

  it.effect("a snapshot that is not an object, or has a field no snapshot has", () =>
    Effect.gen(function*() {
      const notObject = yield* Effect.flip(CircuitBreaker.make({ name: "r", restore: "{}" as any }))
      assert.strictEqual(notObject.option, "restore")
      assert.notMatch(notObject.message, schemaDump, notObject.message)
      assert.include(notObject.expected, "breaker.export")
      const breaker = yield* CircuitBreaker.make({ name: "r2" })
      const snapshot = yield* breaker.export
      const extra = yield* Effect.flip(CircuitBreaker.make({ name: "r2", restore: { ...snapshot, gen: "x" } as any }))
      assert.strictEqual(extra.option, "restore.gen")
      assert.notMatch(extra.message, schemaDump, extra.message)
      assert.include(extra.expected, "no such field")
    }))
})
