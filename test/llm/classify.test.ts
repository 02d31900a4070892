import { describe, expect, it } from "@effect/vitest"
import { Cause, Duration, Effect, Exit, FastCheck, Fiber, Option, Schema, TestClock } from "effect"
import {
  fromResponse,
  isHealthFailure,
  isRetryable,
  llmClassifier,
  ProviderError,
  toProviderError
} from "effect-breaker/llm"
import { unsafeCircuitOpenError } from "../../src/internal/errors.js"

const NOW = Date.parse("2025-01-01T00:00:00Z")
const openai = (type: string, code: string | null, message: string) => JSON.stringify({ error: { type, code, message } })
const anthropic = (type: string, message: string) => JSON.stringify({ type: "error", error: { type, message } })
const classify = (status: number, body?: unknown, headers: Record<string, string> = {}) =>
  fromResponse({ status, headers, body, now: NOW })

describe("fromResponse", () => {
  it("2xx/3xx is not an error", () => {
    expect(classify(200, "{}")).toBeUndefined()
    expect(classify(304)).toBeUndefined()
  })

  it("429 is RateLimited with the retry hint; insufficient_quota is QuotaExhausted", () => {
    const limited = classify(429, openai("requests", "rate_limit_exceeded", "Rate limit reached for requests"), {
      "retry-after-ms": "1500"
    })
    expect(limited?._tag).toBe("RateLimited")
    if (limited?._tag !== "RateLimited") return
    expect(Duration.toMillis(limited.retryAfter!)).toBe(1500)
    expect(limited.limit).toBe("requests")
    expect(isRetryable(limited)).toBe(true)
    expect(isHealthFailure(limited)).toBe(false)

    const quota = classify(429, openai("insufficient_quota", "insufficient_quota", "You exceeded your current quota"))
    expect(quota?._tag).toBe("QuotaExhausted")
    expect(isRetryable(quota!)).toBe(false)
  })

  it("429 without retry-after uses the reset of the exhausted limit", () => {
    const e = classify(429, "garbage", { "x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "6m0s" })
    expect(e?._tag).toBe("RateLimited")
    if (e?._tag !== "RateLimited") return
    expect(e.limit).toBe("tokens")
    expect(e.resetAt).toBe(NOW + 360_000)
    expect(Duration.toMillis(e.retryAfter!)).toBe(360_000)
  })

  it("overload: Anthropic 529, and a 503 that says overloaded", () => {
    expect(classify(529, anthropic("overloaded_error", "Overloaded"))?._tag).toBe("Overloaded")
    expect(classify(529, "<html>")?._tag).toBe("Overloaded")
    expect(classify(503, openai("server_error", "engine_overloaded", "The engine is currently overloaded"))?._tag)
      .toBe("Overloaded")
    expect(classify(503, "Service Unavailable")?._tag).toBe("ServerError")
  })

  it("5xx is ServerError with retry-after; 504/408 are timeouts", () => {
    const e = classify(500, anthropic("api_error", "Internal"), { "retry-after": "7" })
    expect(e?._tag).toBe("ServerError")
    if (e?._tag !== "ServerError") return
    expect(e.status).toBe(500)
    expect(Duration.toMillis(e.retryAfter!)).toBe(7000)
    expect(classify(504)?._tag).toBe("ProviderTimeout")
    expect(classify(408)?._tag).toBe("ProviderTimeout")
  })

  it("x-should-retry: false keeps the tag and health, vetoes the retry", () => {
    const e = classify(500, "", { "x-should-retry": "false" })!
    expect(e._tag).toBe("ServerError")
    expect(isHealthFailure(e)).toBe(true)
    expect(isRetryable(e)).toBe(false)
    expect(isRetryable(classify(400, "", { "x-should-retry": "true" })!)).toBe(false)
  })

  it.each([
    [400, openai("invalid_request_error", "context_length_exceeded", "maximum context length is 8192"), "context_length"],
    [400, anthropic("invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum"), "context_length"],
    [400, openai("invalid_request_error", "content_policy_violation", "rejected"), "content_policy"],
    [400, anthropic("invalid_request_error", "Output blocked by content filtering policy"), "content_policy"],
    [413, anthropic("request_too_large", "too big"), "too_large"],
    [404, openai("invalid_request_error", "model_not_found", "no such model"), "not_found"],
    [422, "{}", "invalid"],
    [400, "}{ not json", "invalid"]
  ] as const)("%d %s → InvalidRequest %s", (status, body, kind) => {
    const e = classify(status, body)
    expect(e?._tag).toBe("InvalidRequest")
    if (e?._tag === "InvalidRequest") expect(e.kind).toBe(kind)
  })

  it("401/403 are Unauthorized; 402 and billing are QuotaExhausted", () => {
    expect(classify(401)?._tag).toBe("Unauthorized")
    expect(classify(403, anthropic("permission_error", "no"))?._tag).toBe("Unauthorized")
    expect(classify(402)?._tag).toBe("QuotaExhausted")
    expect(classify(400, anthropic("invalid_request_error", "Your credit balance is too low"))?._tag).toBe("QuotaExhausted")
  })

  it("keeps the provider's type, code and a scrubbed, truncated message", () => {
    const e = classify(401, openai("invalid_request_error", "invalid_api_key", `Incorrect key sk-proj-abcdefghijkl ${"x".repeat(900)}`))!
    expect(e.errorType).toBe("invalid_request_error")
    expect(e.errorCode).toBe("invalid_api_key")
    expect(e.detail).not.toContain("sk-proj-abcdefghijkl")
    expect(e.detail!.length).toBeLessThanOrEqual(500)
    expect(e.message).toContain("unauthorized (401)")
  })

  it.prop("any status >= 400 with any body classifies without throwing", [
    FastCheck.integer({ min: 400, max: 599 }),
    FastCheck.oneof(FastCheck.string(), FastCheck.json(), FastCheck.anything())
  ], ([status, body]) => {
    const e = fromResponse({ status, headers: {}, body, now: NOW })
    expect(ProviderError.isProviderError(e)).toBe(true)
  })

  it("errors round-trip through their schema", () => {
    const e = classify(429, "", { "retry-after": "2" })!
    const encoded = Schema.encodeSync(ProviderError.ProviderError)(e)
    const decoded = Schema.decodeUnknownSync(ProviderError.ProviderError)(JSON.parse(JSON.stringify(encoded)))
    expect(decoded._tag).toBe("RateLimited")
    expect(decoded).toBeInstanceOf(ProviderError.RateLimited)
  })
})

describe("llmClassifier", () => {
  const fail = (e: unknown) => llmClassifier(Exit.fail(e))
  it("health failures are Failure with the retry hint", () => {
    const outcome = fail(classify(529, "", { "retry-after": "3" }))
    expect(outcome._tag).toBe("Failure")
    if (outcome._tag === "Failure") expect(Duration.toMillis(outcome.retryAfter!)).toBe(3000)
    expect(fail(classify(500))._tag).toBe("Failure")
    expect(fail(new ProviderError.ProviderTimeout({}))._tag).toBe("Failure")
    expect(fail(new ProviderError.NetworkError({ kind: "refused" }))._tag).toBe("Failure")
  })
  it("caller-side errors are Ignored", () => {
    for (const e of [classify(429), classify(400), classify(401), classify(402)]) expect(fail(e)._tag).toBe("Ignored")
  })
  it("success, interruption, CircuitOpenError, unknown errors and defects", () => {
    expect(llmClassifier(Exit.succeed(1))._tag).toBe("Success")
    expect(llmClassifier(Exit.interrupt(0 as never))._tag).toBe("Ignored")
    expect(fail(unsafeCircuitOpenError("openai", "Open", 1000))._tag).toBe("Ignored")
    expect(fail(new Error("boom"))._tag).toBe("Failure")
    expect(llmClassifier(Exit.die("defect"))._tag).toBe("Failure")
  })
  it.effect("a TimeoutException becomes ProviderTimeout and a Failure", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.exit(Effect.timeout(Effect.never, "1 second")))
      yield* TestClock.adjust("2 seconds")
      const exit = yield* Fiber.join(fiber)
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit)) {
        const error = Option.getOrThrow(Cause.failureOption(exit.cause))
        expect(toProviderError(error, "openai")).toMatchObject({ _tag: "ProviderTimeout", provider: "openai" })
      }
      expect(llmClassifier(exit)._tag).toBe("Failure")
      expect(toProviderError(new Error("x"))).toBeUndefined()
    }))
})
