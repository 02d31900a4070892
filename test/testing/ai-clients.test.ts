import { LanguageModel } from "@effect/ai"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Chunk, Duration, Effect, Stream } from "effect"
import { fromAiError, fromStreamErrorPart } from "../../src/ai/classify.js"
import { type AnyProviderError, isHealthFailure, isRetryable, llmClassifier } from "effect-breaker/llm"
import { Behavior, FakeProvider } from "effect-breaker/testing"
import { type Flavor, modelLayer } from "../support/aiClients.js"

const SECRET = "sk-test-SECRET0123456789abcdef"

const layerFor = (flavor: Flavor, url: string) => modelLayer(flavor, url, SECRET)

/** Calls generateText through the real client and classifies the failure. */
const generate = (flavor: Flavor, behavior: Behavior.Behavior) =>
  Effect.gen(function*() {
    const fake = yield* FakeProvider.make({ flavor, behavior })
    const exit = yield* LanguageModel.generateText({ prompt: "hi" }).pipe(
      Effect.provide(layerFor(flavor, fake.url)),
      Effect.exit
    )
    return { exit, fake }
  })

const failWith = (flavor: Flavor, behavior: Behavior.Behavior) =>
  Effect.gen(function*() {
    const { exit } = yield* generate(flavor, behavior)
    if (exit._tag === "Success") return expect.fail("expected a failure")
    const error = Cause.squash(exit.cause)
    return { raw: error, error: fromAiError(error as never, { provider: flavor }), exit }
  })

const cases: ReadonlyArray<readonly [string, Behavior.Behavior, Record<Flavor, Partial<AnyProviderError> & { _tag: string }>]> = [
  ["rateLimited", Behavior.rateLimited({ retryAfter: "2 seconds" }), {
    openai: { _tag: "RateLimited", status: 429, limit: "requests" } as never,
    anthropic: { _tag: "RateLimited", status: 429, limit: "requests" } as never
  }],
  ["serverError", Behavior.serverError(500), { openai: { _tag: "ServerError", status: 500 }, anthropic: { _tag: "ServerError", status: 500 } }],
  ["unavailable", Behavior.unavailable, { openai: { _tag: "ServerError", status: 503 }, anthropic: { _tag: "ServerError", status: 503 } }],
  ["overloaded", Behavior.overloaded, { openai: { _tag: "Overloaded", status: 503 }, anthropic: { _tag: "Overloaded", status: 529 } }],
  ["quotaExhausted", Behavior.quotaExhausted, {
    openai: { _tag: "QuotaExhausted", status: 429 },
    anthropic: { _tag: "QuotaExhausted", status: 400 }
  }],
  ["context_length", Behavior.invalidRequest("context_length"), {
    openai: { _tag: "InvalidRequest", kind: "context_length" } as never,
    anthropic: { _tag: "InvalidRequest", kind: "context_length" } as never
  }],
  ["content_policy", Behavior.invalidRequest("content_policy"), {
    openai: { _tag: "InvalidRequest", kind: "content_policy" } as never,
    anthropic: { _tag: "InvalidRequest", kind: "content_policy" } as never
  }],
  ["too_large", Behavior.invalidRequest("too_large"), {
    openai: { _tag: "InvalidRequest", kind: "too_large", status: 413 } as never,
    anthropic: { _tag: "InvalidRequest", kind: "too_large", status: 413 } as never
  }],
  ["not_found", Behavior.invalidRequest("not_found"), {
    openai: { _tag: "InvalidRequest", kind: "not_found", status: 404 } as never,
    anthropic: { _tag: "InvalidRequest", kind: "not_found", status: 404 } as never
  }],
  ["unauthorized", Behavior.unauthorized, { openai: { _tag: "Unauthorized", status: 401 }, anthropic: { _tag: "Unauthorized", status: 401 } }],
  ["malformed", Behavior.malformed, { openai: { _tag: "ServerError" }, anthropic: { _tag: "ServerError" } }],
  ["reset", Behavior.reset, { openai: { _tag: "NetworkError" }, anthropic: { _tag: "NetworkError" } }]
]

for (const flavor of ["openai", "anthropic"] as const) {
  describe(`${flavor} through @effect/ai`, () => {
    it.scopedLive("ok: generateText decodes the fake's answer", () =>
      Effect.gen(function*() {
        const { exit, fake } = yield* generate(flavor, Behavior.ok("four score and seven"))
        expect(exit._tag).toBe("Success")
        if (exit._tag === "Success") expect(exit.value.text).toBe("four score and seven")
        expect(llmClassifier(exit)._tag).toBe("Success")
        const log = yield* fake.log
        expect(log).toHaveLength(1)
        expect(log[0]).toMatchObject({ method: "POST", hasAuth: true, outcome: "Ok", stream: false })
        expect(JSON.stringify(log)).not.toContain(SECRET)
      }))

    for (const [name, behavior, expected] of cases) {
      it.scopedLive(`${name} → ${expected[flavor]._tag}`, () =>
        Effect.gen(function*() {
          const { error } = yield* failWith(flavor, behavior)
          expect(error).toMatchObject({ ...expected[flavor], provider: flavor })
          if (error._tag === "RateLimited") {
            expect(Duration.toMillis(error.retryAfter!)).toBe(2000)
            expect(error.resetAt).toBeTypeOf("number")
          }
        }))
    }

    it.scopedLive("hang + Effect.timeout → TimeoutException → ProviderTimeout; the scope frees the hanging socket", () =>
      Effect.gen(function*() {
        const fake = yield* FakeProvider.make({ flavor, behavior: Behavior.hang })
        const exit = yield* LanguageModel.generateText({ prompt: "hi" }).pipe(
          Effect.timeout("150 millis"),
          Effect.provide(layerFor(flavor, fake.url)),
          Effect.exit
        )
        expect(llmClassifier(exit)._tag).toBe("Failure")
        const outcome = exit._tag === "Failure" ? Cause.squash(exit.cause) : undefined
        expect(Cause.isTimeoutException(outcome)).toBe(true)
        expect(yield* fake.requests).toBe(1)
      }))

    it.scopedLive("connection refused → NetworkError refused", () =>
      Effect.gen(function*() {
        const port = yield* FakeProvider.closedPort
        const url = flavor === "openai" ? `http://127.0.0.1:${port}/v1` : `http://127.0.0.1:${port}`
        const exit = yield* LanguageModel.generateText({ prompt: "hi" }).pipe(
          Effect.provide(layerFor(flavor, url)),
          Effect.exit
        )
        if (exit._tag === "Success") return expect.fail("expected failure")
        const error = fromAiError(Cause.squash(exit.cause) as never)
        expect(error).toMatchObject({ _tag: "NetworkError", kind: "refused", code: "ECONNREFUSED" })
        expect(isRetryable(error) && isHealthFailure(error)).toBe(true)
      }))

    it.scopedLive("streamText: ok streams the deltas", () =>
      Effect.gen(function*() {
        const fake = yield* FakeProvider.make({ flavor, behavior: Behavior.ok("alpha beta gamma") })
        const parts = yield* LanguageModel.streamText({ prompt: "hi" }).pipe(
          Stream.runCollect,
          Effect.provide(layerFor(flavor, fake.url))
        )
        const text = Chunk.toArray(parts).flatMap((p) => p.type === "text-delta" ? [p.delta] : []).join("")
        expect(text).toBe("alpha beta gamma")
        expect((yield* fake.log)[0]?.stream).toBe(true)
      }))

    it.scopedLive("streamText: an error event after HTTP 200 surfaces as an error part we can classify", () =>
      Effect.gen(function*() {
        const fake = yield* FakeProvider.make({ flavor, behavior: Behavior.streamFailsMidway({ after: 2 }) })
        const parts = Chunk.toArray(
          yield* LanguageModel.streamText({ prompt: "hi" }).pipe(
            Stream.runCollect,
            Effect.provide(layerFor(flavor, fake.url))
          )
        )
        expect(parts.filter((p) => p.type === "text-delta")).toHaveLength(2)
        const errorPart = parts.find((p) => p.type === "error")
        expect(errorPart).toBeDefined()
        const error = fromStreamErrorPart(errorPart?.type === "error" ? errorPart.error : undefined, { provider: flavor })
        expect(error._tag).toBe(flavor === "openai" ? "ServerError" : "Overloaded")
        expect(isHealthFailure(error)).toBe(true)
      }))

    it.scopedLive("streamText: a cut connection fails the stream as a health failure", () =>
      Effect.gen(function*() {
        const fake = yield* FakeProvider.make({ flavor, behavior: Behavior.streamFailsMidway({ mode: "cut", after: 1 }) })
        const exit = yield* LanguageModel.streamText({ prompt: "hi" }).pipe(
          Stream.runCollect,
          Effect.provide(layerFor(flavor, fake.url)),
          Effect.exit
        )
        expect(exit._tag).toBe("Failure")
        if (exit._tag === "Failure") {
          const error = fromAiError(Cause.squash(exit.cause) as never)
          expect(["NetworkError", "ServerError"]).toContain(error._tag)
          expect(isHealthFailure(error)).toBe(true)
        }
      }))
  })
}
