/**
 * The policy's rate-limit gate over the platform HttpClient (where success
 * headers are visible), under the TestClock: the policy is made under it, the
 * fake provider answers over real sockets, and no timeout must fire (the
 * policy's timeout is off), so simulated time only moves when the test says so.
 */
import type { HttpClientResponse } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, TestClock } from "effect"
import { RateLimitGate } from "effect-breaker"
import { fromHttpClientError } from "effect-breaker/http"
import { Policy } from "effect-breaker/llm"
import { Behavior, FakeProvider } from "effect-breaker/testing"
import { post, settle } from "./policy-support.js"

const KEY = "sk-test-gate0123456789abcdef"

const policyOf = (retry: Policy.RetryOptions | false) =>
  Policy.make({
    provider: "openai",
    model: "gpt-4o",
    toProviderError: fromHttpClientError,
    successHeaders: (response) => (response as HttpClientResponse.HttpClientResponse).headers,
    timeout: Duration.infinity,
    retry
  })

describe("Policy rate-limit gate (HttpClient, TestClock)", () => {
  it.scoped("a success whose headers say no requests remain closes the gate until the reset", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.make({
        flavor: "openai",
        behavior: Behavior.respond({
          status: 200,
          headers: { "content-type": "application/json", "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "20s" },
          body: "{}"
        })
      })
      const policy = yield* policyOf(false)
      const first = yield* post(fake.url, KEY).pipe(policy)
      expect(first.status).toBe(200)
      const held = yield* Effect.flip(post(fake.url, KEY).pipe(policy))
      expect(held).toBeInstanceOf(RateLimitGate.GateClosedError)
      if (held._tag === "GateClosedError") expect(Duration.toMillis(held.retryAfter)).toBe(20_000)
      expect(yield* fake.requests).toBe(1)
      yield* TestClock.adjust("19 seconds")
      expect((yield* Effect.flip(post(fake.url, KEY).pipe(policy)))._tag).toBe("GateClosedError")
      expect(yield* fake.requests).toBe(1)
      yield* fake.setBehavior(Behavior.ok())
      yield* TestClock.adjust("1 second")
      expect((yield* post(fake.url, KEY).pipe(policy)).status).toBe(200)
      expect(yield* fake.requests).toBe(2)
      // a success with requests remaining leaves the gate open
      expect((yield* post(fake.url, KEY).pipe(policy)).status).toBe(200)
      expect(yield* fake.requests).toBe(3)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scoped("429 with Retry-After 7 s: held for exactly 7 s of simulated time, not counted by the breaker", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.make({ flavor: "openai", behavior: Behavior.rateLimited({ retryAfter: "7 seconds" }) })
      const policy = yield* policyOf(false)
      const first = yield* Effect.flip(post(fake.url, KEY).pipe(policy))
      expect(first).toMatchObject({ _tag: "RateLimited", status: 429, provider: "openai" })
      const held = yield* Effect.flip(post(fake.url, KEY).pipe(policy))
      expect(held._tag).toBe("GateClosedError")
      yield* TestClock.adjust("6999 millis")
      expect((yield* Effect.flip(post(fake.url, KEY).pipe(policy)))._tag).toBe("GateClosedError")
      yield* fake.setBehavior(Behavior.ok())
      yield* TestClock.adjust("1 millis")
      expect((yield* post(fake.url, KEY).pipe(policy)).status).toBe(200)
      expect(yield* fake.requests).toBe(2)
      expect((yield* policy.breaker.stats).failures).toBe(0)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scoped("with retries: the 429 is retried after its 7 s hint (the gate opens just in time), one more request", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.make({
        flavor: "openai",
        behavior: Behavior.timeline([
          { behavior: Behavior.rateLimited({ retryAfter: "7 seconds" }), requests: 1 },
          { behavior: Behavior.ok() }
        ])
      })
      const policy = yield* policyOf({ times: 3, base: "100 millis", jitter: 0 })
      const started = yield* TestClock.currentTimeMillis
      const response = yield* settle(yield* Effect.fork(post(fake.url, KEY).pipe(policy)))
      expect(response.status).toBe(200)
      expect((yield* TestClock.currentTimeMillis) - started).toBe(7_000)
      expect(yield* fake.requests).toBe(2)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scoped("gate: false lets a rate-limited key be called again at once", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.make({ flavor: "openai", behavior: Behavior.rateLimited({ retryAfter: "60 seconds" }) })
      const policy = yield* Policy.make({
        provider: "openai",
        toProviderError: fromHttpClientError,
        timeout: Duration.infinity,
        retry: false,
        gate: false
      })
      expect(policy.gate).toBeUndefined()
      for (let i = 0; i < 2; i++) expect((yield* Effect.flip(post(fake.url, KEY).pipe(policy)))._tag).toBe("RateLimited")
      expect(yield* fake.requests).toBe(2)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))
})
