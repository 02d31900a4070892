/**
 * The judgement calls of issue 9 as the README's Security section states them,
 * so the docs cannot drift from the code: blank or invisible breaker names and
 * `policy: null` are refused with an InvalidOptionError naming the option;
 * names are otherwise kept exactly.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { CircuitBreaker, InvalidOptionError } from "effect-breaker"

describe("judgement calls (README, Security)", () => {
  it.effect("whitespace-only and zero-width names are refused, naming `name`", () =>
    Effect.gen(function*() {
      for (const name of ["", "   ", "\t\n", "\u00a0", "\u3000", "\u200b", "\u200b\u200d", "\ufeff", "\u2060"]) {
        const error = yield* Effect.flip(CircuitBreaker.make({ name }))
        assert.instanceOf(error, InvalidOptionError, JSON.stringify(name))
        assert.strictEqual(error.option, "name")
      }
    }))

  it.effect("other names are kept exactly: no trimming, no normalisation", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* CircuitBreaker.make({ name: " a " })).name, " a ")
      assert.strictEqual((yield* CircuitBreaker.make({ name: "openai/gpt-4o" })).name, "openai/gpt-4o")
    }))

  it.effect("`policy: null` is refused, naming `policy`: leave the field out for the default", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(CircuitBreaker.make({ name: "x", policy: null as never }))
      assert.instanceOf(error, InvalidOptionError)
      assert.strictEqual(error.option, "policy")
      assert.strictEqual(error.value, "null")
      yield* CircuitBreaker.make({ name: "x" })
    }))
})
