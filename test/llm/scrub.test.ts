/**
 * `scrub` without word boundaries: key shapes glued to words or URL-encoded, and
 * the known secrets a caller gives in every form a message may quote them in.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { CircuitBreaker } from "effect-breaker"
import { LanguageModelBreaker } from "effect-breaker/ai"
import { Policy, ProviderError } from "effect-breaker/llm"

const { scrub } = ProviderError

const SHAPED = {
  openai: "sk-proj-Abc0123456789defGHIjkl012345",
  anthropic: "sk-ant-api03-Zz0123456789abcdefghijkLMNOP",
  restricted: "rk-live-0123456789abcdefABCDEF",
  publishable: "pk-live-0123456789abcdefABCDEF",
  google: "AIzaSyA1234567890abcdefghijklmnopqrstu",
  groq: "gsk_0123456789abcdefghijABCDEFGHIJ",
  azure: "9f86d081884c7d659a2feaa0c55ad015",
  huggingface: "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
  xai: "xai-0123456789abcdefABCDEF0123456789",
  aws: "AKIAIOSFODNN7EXAMPLE",
  openrouter: "sk-or-v1-0123456789abcdef0123456789abcdef"
} as const

describe("scrub: key shapes", () => {
  for (const [kind, key] of Object.entries(SHAPED)) {
    it(`${kind}: raw, glued to a word, after %3D, inside a URL, in JSON`, () => {
      const texts = [
        `Incorrect API key provided: ${key}.`,
        `bad_key_${key} rejected`,
        `GET /v1/models?api_key%3D${key}&x=1`,
        `GET https://api.example.com/v1?key=${key}`,
        `{"error":"invalid key","key":"${key}"}`,
        `token${key}end`
      ]
      for (const text of texts) {
        const out = scrub(text)
        expect(out, text).not.toContain(key)
        expect(out, text).not.toContain(key.slice(0, 14))
        expect(out).toContain("<redacted>")
      }
    })
  }

  it("Bearer and Basic headers, plain and URL-encoded", () => {
    expect(scrub("authorization: Bearer abc.def-ghi_jkl")).not.toContain("abc.def")
    expect(scrub("Authorization%3A%20Bearer%20opaque0123456789")).not.toContain("opaque0123456789")
    expect(scrub("Basic dXNlcjpzZWNyZXQxMjM0NTY=")).not.toContain("dXNlcjpzZWNyZXQxMjM0NTY")
  })

  it("labelled values: x-api-key, api_key=, password:", () => {
    expect(scrub("invalid x-api-key opaque9secret8value")).not.toContain("opaque9secret8value")
    expect(scrub("x-api-key: whatever-value")).not.toContain("whatever-value")
    expect(scrub("api_key=hunter22&model=gpt")).not.toContain("hunter22")
    expect(scrub("GET /v1/models?key=opaquevalue&alt=json")).not.toContain("opaquevalue")
    expect(scrub('{"password":"correct horse"}')).not.toContain("correct")
  })

  it("leaves ordinary provider messages alone", () => {
    for (
      const text of [
        "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
        "network-timeout-exceeded while reading the task-management queue",
        "the disk-controller-firmware-update failed",
        "Rate limit reached for tokens per min (TPM).",
        "context_length_exceeded",
        "invalid_request_error",
        "Overloaded",
        "The engine is currently overloaded, please try again later.",
        "messages: field required",
        "Invalid value for 'input'.",
        "(Please include the request ID req_5f2b3c8e9d1a4b6c7d8e9f0a1b2c3d4e in your message.)"
      ]
    ) expect(scrub(text)).toBe(text)
  })
})

describe("scrub: known secrets", () => {
  const opaque = "opaqueKEYzyxwvut9876543210"
  const secrets = [Redacted.make(opaque)]

  it("raw, URL-encoded, JSON-escaped, base64 of user:key, truncated", () => {
    const special = "p@ss/w0rd+with spaces&\"quotes\"and=more"
    const both = [Redacted.make(opaque), Redacted.make(special)]
    const texts = [
      `invalid x-api-key ${opaque}`,
      `the key ${opaque} is revoked`,
      `glued${opaque}glued`,
      `?k=${encodeURIComponent(special)}`,
      `?k=${encodeURIComponent(encodeURIComponent(special))}`,
      JSON.stringify({ message: `key ${special}` }),
      JSON.stringify(JSON.stringify({ message: `key ${special}` })),
      `Basic ${Buffer.from(`user:${opaque}`).toString("base64")}`,
      `Basic ${Buffer.from(`ab:${opaque}`).toString("base64")}`,
      `Basic ${Buffer.from(`a:${opaque}`).toString("base64")}`,
      `tok ${Buffer.from(opaque).toString("base64url")}`,
      `key starts ${opaque.slice(0, 14)}… (truncated)`
    ]
    for (const text of texts) {
      const out = scrub(text, 500, both)
      expect(out, text).not.toContain(opaque)
      expect(out, text).not.toContain(opaque.slice(0, 12))
      expect(out, text).not.toContain(special)
      expect(out, text).not.toContain(encodeURIComponent(special))
      for (const b of [Buffer.from(`user:${opaque}`).toString("base64"), Buffer.from(opaque).toString("base64url")]) {
        expect(out, text).not.toContain(b.slice(4, 24))
      }
      expect(out).toContain("<redacted>")
    }
  })

  it("removes the secret before truncating, so a cut cannot split it past the scrubber", () => {
    const text = `${"x".repeat(480)} ${opaque}`
    const out = scrub(text, 500, secrets)
    expect(out).not.toContain(opaque.slice(0, 12))
    expect(out.length).toBeLessThanOrEqual(500)
  })
})

describe("secrets options are validated and never echoed", () => {
  it.effect("Policy.make and LanguageModelBreaker.wrappers refuse a bare string, naming `secrets` without showing it", () =>
    Effect.gen(function*() {
      const key = "opaqueKEYzyxwvut9876543210"
      const policyError = yield* Effect.flip(Policy.make({ provider: "openai", secrets: key as never }))
      assert.strictEqual(policyError.option, "secrets")
      assert.notInclude(JSON.stringify(policyError) + policyError.message, key)
      const listError = yield* Effect.flip(Policy.make({ provider: "openai", secrets: [Redacted.make(key), key] as never }))
      assert.strictEqual(listError.option, "secrets[1]")
      assert.notInclude(JSON.stringify(listError) + listError.message, key)
      const breaker = yield* CircuitBreaker.make({ name: "lm" })
      const wrapperError = yield* Effect.flip(LanguageModelBreaker.wrappers(breaker, { secrets: key as never }))
      assert.strictEqual(wrapperError.option, "secrets")
      assert.notInclude(JSON.stringify(wrapperError) + wrapperError.message, key)
      // both entry points check `secrets` with the one option Schema: the same option path, hidden value and text
      const wrapperListError = yield* Effect.flip(
        LanguageModelBreaker.wrappers(breaker, { secrets: [Redacted.make(key), key] as never })
      )
      assert.strictEqual(wrapperListError.option, "secrets[1]")
      assert.notInclude(JSON.stringify(wrapperListError) + wrapperListError.message, key)
      for (const e of [policyError, listError, wrapperError, wrapperListError]) {
        assert.strictEqual(e.value, "<redacted>")
      }
      assert.strictEqual(policyError.expected, wrapperError.expected)
      assert.strictEqual(listError.expected, wrapperListError.expected)
      assert.include(policyError.expected, "an array of Redacted strings")
      assert.include(listError.expected, "a Redacted string")
    }))

  it.effect("a key given as the whole options is not shown either", () =>
    Effect.gen(function*() {
      const key = "opaqueKEYzyxwvut9876543210"
      const breaker = yield* CircuitBreaker.make({ name: "lm" })
      const policyError = yield* Effect.flip(Policy.make(key as never))
      const wrapperError = yield* Effect.flip(LanguageModelBreaker.wrappers(breaker, key as never))
      for (const e of [policyError, wrapperError]) {
        assert.strictEqual(e._tag, "InvalidOptionError")
        assert.strictEqual(e.option, "options")
        assert.notInclude(JSON.stringify(e) + e.message, key)
      }
    }))

  it.effect("the other options of LanguageModelBreaker.wrappers are named and shown", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({ name: "lm" })
      const redact = yield* Effect.flip(LanguageModelBreaker.wrappers(breaker, { redactErrors: "no" as never }))
      assert.strictEqual(redact.option, "redactErrors")
      assert.strictEqual(redact.value, "\"no\"")
      assert.strictEqual(redact.expected, "true or false")
      const provider = yield* Effect.flip(LanguageModelBreaker.wrappers(breaker, { provider: "" }))
      assert.strictEqual(provider.option, "provider")
      assert.strictEqual(provider.value, "\"\"")
    }))

  it("a secret given alone is one secret (not its characters); secrets under 4 characters are ignored", () => {
    const text = "the key opaqueKEYzyxwvut9876543210 and the word abc"
    expect(scrub(text, 500, Redacted.make("opaqueKEYzyxwvut9876543210") as never)).toBe(
      "the key <redacted> and the word abc"
    )
    expect(scrub(text, 500, [Redacted.make("abc"), Redacted.make("a")])).toBe(text)
  })
})

describe("the Policy scrubs every ProviderError it returns", () => {
  it.effect("one made by the call itself (no adapter), with the policy's secrets", () =>
    Effect.gen(function*() {
      const key = "opaqueKEYzyxwvut9876543210"
      const policy = yield* Policy.make({ provider: "p", retry: false, gate: false, secrets: [Redacted.make(key)] })
      const error = yield* Effect.flip(
        Effect.fail(new ProviderError.ServerError({ status: 500, detail: `upstream echoed ${key}` })).pipe(policy)
      )
      assert.strictEqual(error._tag, "ServerError")
      assert.notInclude(JSON.stringify(error) + error.message, key)
      assert.include(error.message, "<redacted>")
    }))
})
