import { AiError } from "@effect/ai"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Exit } from "effect"
import { CircuitBreaker, CircuitOpenError } from "effect-breaker"
import { aiClassifier, circuitOpenError, fromAiError, languageModelClassifier } from "effect-breaker/ai"
import { Overloaded } from "effect-breaker/llm"

const open = new CircuitOpenError({ breaker: "openai", state: "Open", retryAfter: Duration.seconds(3) })
const embedded = (cause: unknown) =>
  new AiError.UnknownError({ module: "CircuitBreaker", method: "generateText", description: "x", cause })

class ToolFailed {
  readonly _tag = "ToolFailed"
}

describe("ai classification of what the breaker wrappers add", () => {
  it("a rejection carried in an AiError is found and Ignored (an outer breaker does not count it)", () => {
    assert.strictEqual(circuitOpenError(embedded(open)), open)
    assert.strictEqual(circuitOpenError(open), open)
    assert.isUndefined(circuitOpenError(embedded(new Error("other"))))
    assert.strictEqual(aiClassifier(Exit.fail(embedded(open)))._tag, "Ignored")
    assert.strictEqual(aiClassifier(Exit.fail(open))._tag, "Ignored")
    // an UnknownError with another cause is still a failure
    assert.strictEqual(aiClassifier(Exit.fail(embedded(new Error("boom"))))._tag, "Failure")
  })

  it("a stream's first-part timeout is a ProviderTimeout, a failure", () => {
    const timeout = new CircuitBreaker.StreamTimeoutError({ breaker: "openai", timeout: Duration.seconds(5) })
    const error = fromAiError(embedded(timeout), { provider: "openai" })
    assert.strictEqual(error._tag, "ProviderTimeout")
    assert.strictEqual(Duration.toMillis((error as { timeout: Duration.Duration }).timeout), 5000)
    assert.strictEqual(aiClassifier(Exit.fail(embedded(timeout)))._tag, "Failure")
    assert.strictEqual(languageModelClassifier(Exit.fail(timeout))._tag, "Failure")
  })

  it("languageModelClassifier: provider answers as aiClassifier, a tool handler's own error Ignored, defects fail", () => {
    assert.strictEqual(languageModelClassifier(Exit.fail(new ToolFailed()))._tag, "Ignored")
    assert.strictEqual(aiClassifier(Exit.fail(new ToolFailed()))._tag, "Failure")
    assert.strictEqual(languageModelClassifier(Exit.fail(new Overloaded({ status: 529 })))._tag, "Failure")
    assert.strictEqual(languageModelClassifier(Exit.die(new Error("bug")))._tag, "Failure")
    assert.strictEqual(languageModelClassifier(Exit.succeed(1))._tag, "Success")
    assert.strictEqual(languageModelClassifier(Exit.fail(embedded(open)))._tag, "Ignored")
  })
})
