import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { demoConfig, program, RegistryLive } from "../../examples/registry.js"

describe("examples/registry.ts", () => {
  it.effect("the demo configuration trips openai/gpt-4o (3 failures in a row, from its POLICY variable) and reports it failed", () =>
    Effect.gen(function*() {
      const result = yield* program.pipe(Effect.provide(RegistryLive), Effect.withConfigProvider(demoConfig))
      assert.deepStrictEqual(result.answers, [
        "provider down",
        "provider down",
        "provider down",
        "fallback (openai/gpt-4o is Open)"
      ])
      assert.strictEqual(result.overall, "failed")
      assert.deepStrictEqual(result.breakers, [
        "openai/gpt-4o: failed (open after 1 consecutive opening(s); next probe in 20000 ms)",
        "anthropic: healthy (closed, quiet)"
      ])
    }))
})
