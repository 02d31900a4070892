/**
 * One spelling of a hidden value, whatever hides it: the value of a secret
 * option in an `InvalidOptionError`, a `Redacted` shown in one, the scrubber's
 * replacement of a key in a text, a credential header, the password of a URL.
 * It is Effect's own rendering of a `Redacted` (`String(Redacted.make(...))`).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { BreakerRegistry, CircuitBreaker } from "effect-breaker"
import * as Admin from "effect-breaker/admin"
import { LanguageModelBreaker } from "effect-breaker/ai"
import { Policy, ProviderError } from "effect-breaker/llm"
import { RedisStore } from "effect-breaker/redis"
import { layerOtlp } from "../../src/otel/otlp/index.js"

const key = "sk-live-s3cret0123456789abcdef"
const hidden = String(Redacted.make(key))

describe("a hidden value reads the same everywhere", () => {
  it("Effect renders a Redacted as <redacted>", () => {
    assert.strictEqual(hidden, "<redacted>")
  })

  it.scoped("the value of a secret option, in every layer and constructor that takes one", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({ name: "hidden" })
      const errors = [
        yield* Effect.flip(
          Layer.build(Admin.layer({ token: key as never, port: 0 }).pipe(Layer.provide(BreakerRegistry.layer({ breakers: {} }))))
        ),
        yield* Effect.flip(Layer.build(layerOtlp({ serviceName: "x", secrets: [key] as never }))),
        yield* Effect.flip(Layer.build(layerOtlp({ serviceName: "x", headers: { authorization: key } as never }))),
        yield* Effect.flip(Layer.build(RedisStore.layer({ url: `http://:${key}@cache:6379` }))),
        yield* Effect.flip(Policy.make({ provider: "openai", secrets: [key] as never })),
        yield* Effect.flip(LanguageModelBreaker.wrappers(breaker, { secrets: key as never }))
      ]
      for (const e of errors) {
        assert.strictEqual(e._tag, "InvalidOptionError")
        assert.strictEqual((e as { value: string }).value, hidden, e.message)
        assert.notInclude(e.message, "s3cret")
      }
    }))

  it.effect("a Redacted given where something else is expected is shown as Effect shows it", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(CircuitBreaker.make({ name: Redacted.make(key) as never }))
      assert.strictEqual(e.value, hidden)
    }))

  it.scoped("an OTLP endpoint's userinfo and query", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(Layer.build(layerOtlp({ serviceName: "x", endpoint: `ftp://user:${key}@collector/v1?k=1` })))
      assert.strictEqual((e as { value?: string }).value, JSON.stringify(`ftp://${hidden}@collector/v1?${hidden}`))
    }))

  it("a key in a text the scrubber cleans", () => {
    assert.strictEqual(ProviderError.scrub(`the key ${key} leaked`, 500, []), `the key ${hidden} leaked`)
  })
})
