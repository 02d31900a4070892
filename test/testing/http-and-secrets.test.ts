import { LanguageModel } from "@effect/ai"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Duration, Effect, Exit } from "effect"
import { fromAiError } from "../../src/ai/classify.js"
import { fromHttpClientError, fromHttpClientErrorWithBody, httpClassifier } from "../../src/http/classify.js"
import { Behavior, FakeProvider } from "effect-breaker/testing"
import { modelLayer } from "../support/aiClients.js"

const SECRET = "sk-ant-api03-LEAKME0123456789abcdefXYZ"

/** POSTs through a real platform HttpClient (undici) with filterStatusOk. */
const post = (url: string, body: unknown = { model: "gpt-4o-mini", input: "hi" }) =>
  HttpClient.HttpClient.pipe(
    Effect.map(HttpClient.filterStatusOk),
    Effect.flatMap((client) =>
      client.execute(
        HttpClientRequest.post(url).pipe(
          HttpClientRequest.bearerToken(SECRET),
          HttpClientRequest.bodyUnsafeJson(body)
        )
      )
    ),
    Effect.flatMap((response) => response.json),
    Effect.provide(NodeHttpClient.layerUndici)
  )

describe("through @effect/platform HttpClient", () => {
  it.scopedLive("each behaviour classifies from the real response (status, headers, body)", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.make({ flavor: "openai" })
      const expectations: ReadonlyArray<readonly [Behavior.Behavior, string, Record<string, unknown>]> = [
        [Behavior.rateLimited({ retryAfter: "3 seconds", limit: "tokens" }), "RateLimited", { limit: "tokens" }],
        [Behavior.quotaExhausted, "QuotaExhausted", { status: 429, errorCode: "insufficient_quota" }],
        [Behavior.serverError(502), "ServerError", { status: 502 }],
        [Behavior.overloaded, "Overloaded", { status: 503 }],
        [Behavior.invalidRequest("context_length"), "InvalidRequest", { kind: "context_length" }],
        [Behavior.unauthorized, "Unauthorized", { status: 401 }],
        [Behavior.malformed, "ServerError", { status: 200, errorType: "malformed_response" }],
        [Behavior.reset, "NetworkError", {}],
        [Behavior.respond({ status: 429, headers: { "retry-after": "soon", "x-ratelimit-reset-requests": "1x" } }),
          "RateLimited", { limit: "unknown" }]
      ]
      for (const [behavior, tag, fields] of expectations) {
        yield* fake.setBehavior(behavior)
        const error = yield* Effect.flip(post(`${fake.url}/responses`))
        const health = ["ServerError", "Overloaded", "NetworkError"].includes(tag)
        expect(httpClassifier(Exit.fail(error))._tag, tag).toBe(health ? "Failure" : "Ignored")
        const classified = yield* fromHttpClientErrorWithBody(error, { provider: "openai" })
        expect(classified, behavior._tag).toMatchObject({ _tag: tag, ...fields })
        if (classified._tag === "RateLimited" && behavior._tag === "RateLimited") {
          expect(Duration.toMillis(classified.retryAfter!)).toBe(3000)
        }
        if (behavior._tag === "Respond" && classified._tag === "RateLimited") {
          expect(classified.retryAfter).toBeUndefined()
        }
      }
      const counts = yield* fake.counts
      expect(counts).toMatchObject({ RateLimited: 1, QuotaExhausted: 1, Reset: 1, Respond: 1 })
      expect(yield* fake.requests).toBe(expectations.length)
    }))

  it.scopedLive("connection refused is NetworkError refused, with or without the body read", () =>
    Effect.gen(function*() {
      const port = yield* FakeProvider.closedPort
      const error = yield* Effect.flip(post(`http://127.0.0.1:${port}/v1/responses`))
      expect(fromHttpClientError(error)).toMatchObject({ _tag: "NetworkError", kind: "refused", code: "ECONNREFUSED" })
    }))
})

describe("secrets never reach our errors", () => {
  const flavors = ["openai", "anthropic"] as const
  const layerFor = (flavor: (typeof flavors)[number], url: string) => modelLayer(flavor, url, SECRET)

  for (const flavor of flavors) {
    it.scopedLive(`${flavor}: the key is in no message, JSON, String or Cause.pretty`, () =>
      Effect.gen(function*() {
        const fake = yield* FakeProvider.make({ flavor })
        // unauthorized echoes the received key in the provider's message, as a worst case
        for (const behavior of [Behavior.unauthorized, Behavior.rateLimited(), Behavior.serverError(), Behavior.invalidRequest()]) {
          yield* fake.setBehavior(behavior)
          const exit = yield* LanguageModel.generateText({ prompt: "hi" }).pipe(
            Effect.provide(layerFor(flavor, fake.url)),
            Effect.exit
          )
          if (exit._tag === "Success") return expect.fail("expected failure")
          const raw = Cause.squash(exit.cause)
          const error = fromAiError(raw as never, { provider: flavor })
          if (behavior._tag === "Unauthorized") {
            // the fake did echo it: the test would catch a leak
            expect(JSON.stringify((raw as { body?: unknown }).body ?? "")).toContain(SECRET.slice(0, 20))
          }
          for (
            const rendered of [
              error.message,
              JSON.stringify(error),
              String(error),
              Cause.pretty(Cause.fail(error)),
              error.stack ?? ""
            ]
          ) {
            expect(rendered).not.toContain(SECRET)
            expect(rendered).not.toContain(SECRET.slice(0, 16))
            expect(rendered.toLowerCase()).not.toContain("authorization")
            expect(rendered.toLowerCase()).not.toContain("x-api-key:")
          }
        }
        expect(JSON.stringify(yield* fake.log)).not.toContain(SECRET)
        expect((yield* fake.log).every((entry) => entry.hasAuth)).toBe(true)
      }))
  }
})
