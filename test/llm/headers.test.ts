import { describe, expect, it } from "@effect/vitest"
import { FastCheck } from "effect"
import {
  allowedHeaders,
  parseGoDuration,
  parseRetryAfter,
  parseRetryHints,
  parseRfc3339
} from "../../src/internal/llm/headers.js"

const NOW = Date.parse("2025-01-01T00:00:00Z")

describe("retry-after", () => {
  it("reads delta seconds", () => {
    expect(parseRetryAfter("30", NOW)).toBe(30_000)
    expect(parseRetryAfter("0", NOW)).toBe(0)
    expect(parseRetryAfter("1.5", NOW)).toBe(1_500)
  })
  it("reads an HTTP date relative to now, a past date meaning now", () => {
    expect(parseRetryAfter("Wed, 01 Jan 2025 00:00:45 GMT", NOW)).toBe(45_000)
    expect(parseRetryAfter("Tue, 31 Dec 2024 23:00:00 GMT", NOW)).toBe(0)
  })
  it("ignores garbage, negatives and absurd values", () => {
    for (const v of ["", "soon", "-5", "NaN", "Infinity", "1e3", "30s", "99999999999", "Wed, 01 Jan 2099 00:00:00 GMT", "2025-01-01"]) {
      expect(parseRetryAfter(v, NOW), v).toBeUndefined()
    }
  })
  it("prefers retry-after-ms", () => {
    expect(parseRetryHints({ "retry-after-ms": "250", "retry-after": "3" }, NOW).retryAfterMs).toBe(250)
    expect(parseRetryHints({ "retry-after-ms": "junk", "retry-after": "3" }, NOW).retryAfterMs).toBe(3000)
  })
})

describe("Go durations (x-ratelimit-reset-*)", () => {
  it.each([
    ["1s", 1000],
    ["6m0s", 360_000],
    ["12ms", 12],
    ["1h2m3.5s", 3_723_500],
    ["0.5s", 500],
    ["0s", 0],
    ["20us", 0.02]
  ])("%s = %d ms", (input, ms) => {
    expect(parseGoDuration(input)).toBeCloseTo(ms, 6)
  })
  it.each(["", "s", "1", "1x", "-1s", "1s garbage", "1.s", "1h2", "25h"])("rejects %j", (input) => {
    expect(parseGoDuration(input)).toBeUndefined()
  })
})

describe("RFC 3339 (anthropic-ratelimit-*-reset)", () => {
  it("reads timestamps with Z and offsets", () => {
    expect(parseRfc3339("2025-01-01T00:00:30Z", NOW)).toBe(NOW + 30_000)
    expect(parseRfc3339("2025-01-01T01:00:30.250+01:00", NOW)).toBe(NOW + 30_250)
  })
  it("rejects garbage and far-away dates", () => {
    for (const v of ["tomorrow", "2025-01-01", "2025-13-45T99:99:99Z", "2030-01-01T00:00:00Z"]) {
      expect(parseRfc3339(v, NOW), v).toBeUndefined()
    }
  })
})

describe("parseRetryHints", () => {
  it("reads OpenAI rate-limit headers: the exhausted limit and its reset", () => {
    const hints = parseRetryHints({
      "x-ratelimit-remaining-requests": "12",
      "x-ratelimit-remaining-tokens": "0",
      "x-ratelimit-reset-requests": "1s",
      "x-ratelimit-reset-tokens": "6m0s"
    }, NOW)
    expect(hints).toEqual({ resetAtMs: NOW + 360_000, limit: "tokens", exhausted: true })
  })
  it("reads Anthropic rate-limit headers (input/output tokens count as tokens)", () => {
    const hints = parseRetryHints({
      "anthropic-ratelimit-requests-remaining": "5",
      "anthropic-ratelimit-requests-reset": "2025-01-01T00:00:10Z",
      "anthropic-ratelimit-output-tokens-remaining": "0",
      "anthropic-ratelimit-output-tokens-reset": "2025-01-01T00:00:20Z",
      "retry-after": "20"
    }, NOW)
    expect(hints).toEqual({ retryAfterMs: 20_000, resetAtMs: NOW + 20_000, limit: "tokens", exhausted: true })
  })
  it("takes the latest reset when no limit says it is exhausted", () => {
    const hints = parseRetryHints({ "x-ratelimit-reset-requests": "2s", "x-ratelimit-reset-tokens": "1s" }, NOW)
    expect(hints).toEqual({ resetAtMs: NOW + 2000 })
  })
  it("reads x-should-retry", () => {
    expect(parseRetryHints({ "x-should-retry": "false" }, NOW).shouldRetry).toBe(false)
    expect(parseRetryHints({ "x-should-retry": "TRUE" }, NOW).shouldRetry).toBe(true)
    expect(parseRetryHints({ "x-should-retry": "maybe" }, NOW).shouldRetry).toBeUndefined()
  })
  it("ignores garbage in every header", () => {
    expect(parseRetryHints({
      "retry-after": "later",
      "retry-after-ms": "-1",
      "x-ratelimit-remaining-requests": "-3",
      "x-ratelimit-reset-requests": "forever",
      "anthropic-ratelimit-tokens-reset": "not a date",
      "anthropic-ratelimit-tokens-remaining": "0x10",
      "x-should-retry": "1"
    }, NOW)).toEqual({})
  })

  it.prop("never throws on random header values", [
    FastCheck.dictionary(
      FastCheck.constantFrom(
        "retry-after",
        "retry-after-ms",
        "x-ratelimit-reset-requests",
        "x-ratelimit-reset-tokens",
        "x-ratelimit-remaining-requests",
        "x-ratelimit-remaining-tokens",
        "anthropic-ratelimit-requests-reset",
        "anthropic-ratelimit-input-tokens-remaining",
        "anthropic-ratelimit-output-tokens-reset",
        "x-should-retry"
      ),
      FastCheck.oneof(
        FastCheck.string(),
        FastCheck.stringMatching(/^\d{0,12}(\.\d{0,4})?(h|m|s|ms)?$/),
        FastCheck.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        FastCheck.double().map(String)
      )
    ),
    FastCheck.integer({ min: 0, max: 4_000_000_000_000 })
  ], ([headers, now]) => {
    const hints = parseRetryHints(headers, now)
    for (const value of [hints.retryAfterMs, hints.resetAtMs]) {
      if (value !== undefined) {
        expect(Number.isFinite(value)).toBe(true)
        expect(value).toBeGreaterThanOrEqual(0)
      }
    }
    if (hints.retryAfterMs !== undefined) expect(hints.retryAfterMs).toBeLessThanOrEqual(24 * 3600 * 1000)
  })
})

describe("allowedHeaders", () => {
  it("keeps retry hints and drops credentials and everything else", () => {
    expect(allowedHeaders({
      authorization: "Bearer sk-secret",
      "x-api-key": "sk-ant-secret",
      cookie: "session=1",
      "set-cookie": ["a=b"],
      "content-type": "application/json",
      "retry-after": "3",
      "x-ratelimit-remaining-tokens": "0",
      "anthropic-ratelimit-requests-reset": "2025-01-01T00:00:10Z"
    })).toEqual({
      "retry-after": "3",
      "x-ratelimit-remaining-tokens": "0",
      "anthropic-ratelimit-requests-reset": "2025-01-01T00:00:10Z"
    })
  })
})
