import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { program } from "../../examples/openai-anthropic-fallback.js"

describe("examples/openai-anthropic-fallback", () => {
  it.live("fails over to Anthropic, stops calling OpenAI once its circuit opens, and closes after one probe", () =>
    Effect.gen(function*() {
      const printed: Array<string> = []
      const log = yield* program((line) => Effect.sync(() => void printed.push(line)))
      assert.deepStrictEqual(log.map((e) => e.servedBy), ["openai", "anthropic", "anthropic", "anthropic", "anthropic", "openai"])
      // 1 healthy + 3 failures (question 2 and its retry, question 3) reached OpenAI; 4 and 5 never did; the probe is the 5th
      assert.deepStrictEqual(log.map((e) => e.openaiRequests), [1, 3, 4, 4, 4, 5])
      assert.deepStrictEqual(log.map((e) => e.state), ["Closed", "Closed", "Open", "Open", "Open", "Closed"])
      assert.strictEqual(printed.filter((l) => /^\d\. /.test(l)).length, 6)
      assert.isFalse(printed.join("\n").includes("sk-"))
    }))
})
