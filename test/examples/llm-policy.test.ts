import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { program } from "../../examples/llm-policy.js"

describe("examples/llm-policy", () => {
  it.live("OpenAI's circuit opens after two 503s, Anthropic serves, then the cache; OpenAI is not called while open", () =>
    Effect.gen(function*() {
      const { answers, sent } = yield* program(() => Effect.void)
      assert.strictEqual(answers[0], `hello: "Hi from GPT" from openai`)
      assert.strictEqual(answers[1], `again: "Hi from Claude" from anthropic/claude-sonnet-4`)
      assert.strictEqual(answers[2], `and again: "Hi from Claude" from anthropic/claude-sonnet-4`)
      assert.match(answers[3]!, /^hello: "Hi from GPT" from the cache \(.+ old\)$/)
      // 1 healthy + 2 failed attempts (then the circuit opened); "and again" and the last call skipped OpenAI.
      assert.strictEqual(sent.openai, 3)
    }))
})
