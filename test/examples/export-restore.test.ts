import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { program } from "../../examples/export-restore.js"

describe("examples/export-restore", () => {
  it.effect("the next process starts open from the file; a tampered file names the field", () =>
    Effect.gen(function*() {
      const result = yield* program
      assert.deepStrictEqual(result, {
        before: "Open",
        after: "CircuitOpenError (Open)",
        bad: "restore.generation: -1",
        valid: true
      })
    }))
})
