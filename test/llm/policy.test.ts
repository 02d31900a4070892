/**
 * The LLM policy against the fake provider on real loopback sockets, through
 * the real `@effect/ai-openai` / `@effect/ai-anthropic` clients: each taxonomy
 * case is counted (or not) by the breaker and retried (or not), as the server's
 * request count proves.
 */
import { LanguageModel } from "@effect/ai"
import { AnthropicClient, AnthropicLanguageModel } from "@effect/ai-anthropic"
import { OpenAiClient, OpenAiLanguageModel } from "@effect/ai-openai"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, Redacted } from "effect"
import { CircuitOpenError, Fallback, RateLimitGate, Resilience } from "effect-breaker"
import { fromAiError } from "effect-breaker/ai"
import { Policy } from "effect-breaker/llm"
import { Behavior, FakeProvider } from "effect-breaker/testing"

const KEY = "sk-test-policy0123456789abcdef"
type Flavor = "openai" | "anthropic"
const MODEL: Record<Flavor, string> = { openai: "gpt-4o-mini", anthropic: "claude-3-5-haiku-latest" }

const modelLayer = (flavor: Flavor, url: string) =>
  flavor === "openai"
    ? OpenAiLanguageModel.layer({ model: MODEL.openai }).pipe(
      Layer.provide(OpenAiClient.layer({ apiKey: Redacted.make(KEY), apiUrl: url })),
      Layer.provide(NodeHttpClient.layerUndici)
    )
    : AnthropicLanguageModel.layer({ model: MODEL.anthropic }).pipe(
      Layer.provide(AnthropicClient.layer({ apiKey: Redacted.make(KEY), apiUrl: url })),
      Layer.provide(NodeHttpClient.layerUndici)
    )

/** generateText through the real client of `flavor`, pointed at `url`. */
const ask = (flavor: Flavor, url: string, prompt = "hi") =>
  LanguageModel.generateText({ prompt }).pipe(
    Effect.map((r) => r.text),
    Effect.provide(modelLayer(flavor, url))
  )

const policyFor = (flavor: Flavor, extra?: Partial<Policy.Options<any>>) =>
  Policy.make({
    provider: flavor,
    model: MODEL[flavor],
    toProviderError: fromAiError,
    breaker: { policy: { _tag: "ConsecutiveFailures", threshold: 10 }, openDuration: "30 seconds" },
    timeout: "5 seconds",
    retry: { times: 2, base: "5 millis", jitter: 0, maxWait: "5 seconds" },
    ...extra
  })

for (const flavor of ["openai", "anthropic"] as const) {
  describe(`Policy through @effect/ai (${flavor})`, () => {
    it.scopedLive("ok: the answer passes, one request, recorded as a success", () =>
      Effect.gen(function*() {
        const fake = yield* FakeProvider.make({ flavor, behavior: Behavior.ok("fine thanks") })
        const policy = yield* policyFor(flavor)
        expect(yield* ask(flavor, fake.url).pipe(policy)).toBe("fine thanks")
        expect(yield* fake.requests).toBe(1)
        const stats = yield* policy.breaker.stats
        expect(stats).toMatchObject({ breaker: `${flavor}/${MODEL[flavor]}`, calls: 1, failures: 0 })
      }))

    const counted: ReadonlyArray<readonly [string, Behavior.Behavior, string]> = [
      ["503", Behavior.unavailable, "ServerError"],
      ["500", Behavior.serverError(500), "ServerError"],
      ["overloaded (529 / 503 overloaded)", Behavior.overloaded, "Overloaded"]
    ]
    for (const [label, behavior, tag] of counted) {
      it.scopedLive(`${label}: counted by the breaker and retried (1 + 2 requests), typed ${tag}`, () =>
        Effect.gen(function*() {
          const fake = yield* FakeProvider.make({ flavor, behavior })
          const policy = yield* policyFor(flavor)
          const error = yield* Effect.flip(ask(flavor, fake.url).pipe(policy))
          expect(error._tag).toBe(tag)
          expect(yield* fake.requests).toBe(3)
          const stats = yield* policy.breaker.stats
          expect(stats.failures).toBe(3)
          expect(stats.consecutiveFailures).toBe(3)
        }))
    }

    it.scopedLive("503 twice then ok: retried to a success, the breaker's run of failures resets", () =>
      Effect.gen(function*() {
        const fake = yield* FakeProvider.make({
          flavor,
          behavior: Behavior.timeline([{ behavior: Behavior.unavailable, requests: 2 }, { behavior: Behavior.ok("back") }])
        })
        const policy = yield* policyFor(flavor)
        expect(yield* ask(flavor, fake.url).pipe(policy)).toBe("back")
        expect(yield* fake.requests).toBe(3)
        expect((yield* policy.breaker.stats).consecutiveFailures).toBe(0)
      }))

    const notRetried: ReadonlyArray<readonly [string, Behavior.Behavior, string]> = [
      ["400 invalid request", Behavior.invalidRequest("context_length"), "InvalidRequest"],
      ["401 unauthorized", Behavior.unauthorized, "Unauthorized"],
      ["quota exhausted", Behavior.quotaExhausted, "QuotaExhausted"]
    ]
    for (const [label, behavior, tag] of notRetried) {
      it.scopedLive(`${label}: never retried (one request), not counted, typed ${tag}`, () =>
        Effect.gen(function*() {
          const fake = yield* FakeProvider.make({ flavor, behavior })
          const policy = yield* policyFor(flavor)
          const error = yield* Effect.flip(ask(flavor, fake.url).pipe(policy))
          expect(error._tag).toBe(tag)
          expect(yield* fake.requests).toBe(1)
          const stats = yield* policy.breaker.stats
          expect(stats.failures).toBe(0)
          expect(stats.state).toBe("Closed")
        }))
    }

    it.scopedLive("429 with a short Retry-After: retried no sooner than the hint, not counted", () =>
      Effect.gen(function*() {
        const fake = yield* FakeProvider.make({
          flavor,
          behavior: Behavior.timeline([
            { behavior: Behavior.rateLimited({ retryAfter: "1 second" }), requests: 1 },
            { behavior: Behavior.ok("after the wait") }
          ])
        })
        const policy = yield* policyFor(flavor)
        const started = Date.now()
        expect(yield* ask(flavor, fake.url).pipe(policy)).toBe("after the wait")
        expect(Date.now() - started).toBeGreaterThanOrEqual(990)
        expect(yield* fake.requests).toBe(2)
        expect((yield* policy.breaker.stats).failures).toBe(0)
      }))

    it.scopedLive("429 with Retry-After beyond maxWait: fails at once with RateLimited; the gate keeps the next call off the wire", () =>
      Effect.gen(function*() {
        const fake = yield* FakeProvider.make({ flavor, behavior: Behavior.rateLimited({ retryAfter: "30 seconds" }) })
        const policy = yield* policyFor(flavor)
        const started = Date.now()
        const first = yield* Effect.flip(ask(flavor, fake.url).pipe(policy))
        expect(Date.now() - started).toBeLessThan(2_000)
        expect(first).toMatchObject({ _tag: "RateLimited", status: 429, provider: flavor })
        const second = yield* Effect.flip(ask(flavor, fake.url).pipe(policy))
        expect(second).toBeInstanceOf(RateLimitGate.GateClosedError)
        if (second._tag === "GateClosedError") {
          expect(second.key).toBe(`${flavor}/${MODEL[flavor]}`)
          expect(Duration.toMillis(second.retryAfter)).toBeGreaterThan(25_000)
        }
        expect(yield* fake.requests).toBe(1)
        const stats = yield* policy.breaker.stats
        expect(stats.failures).toBe(0)
        expect(stats.calls).toBe(0) // an ignored call is not counted at all
      }))

    it.scopedLive("a hang: the per-call timeout (overriding the policy's) fails with ProviderTimeout, counted", () =>
      Effect.gen(function*() {
        const fake = yield* FakeProvider.make({ flavor, behavior: Behavior.hang })
        const policy = yield* policyFor(flavor, { retry: false })
        const error = yield* Effect.flip(ask(flavor, fake.url).pipe(Resilience.protect(policy, { timeout: "150 millis" })))
        expect(error).toMatchObject({ _tag: "ProviderTimeout", provider: flavor })
        if (error._tag === "ProviderTimeout") expect(Duration.toMillis(error.timeout!)).toBe(150)
        expect((yield* policy.breaker.stats).failures).toBe(1)
      }))
  })
}

describe("Policy failover across the real providers", () => {
  it.scopedLive("OpenAI down: its circuit opens, later calls skip it (it receives none) and Anthropic serves", () =>
    Effect.gen(function*() {
      const openaiFake = yield* FakeProvider.make({ flavor: "openai", behavior: Behavior.unavailable })
      const anthropicFake = yield* FakeProvider.make({ flavor: "anthropic", behavior: Behavior.ok("claude here") })
      const openai = yield* policyFor("openai", {
        breaker: { preset: "aggressive", policy: { _tag: "ConsecutiveFailures", threshold: 2 } },
        retry: false
      })
      const anthropic = yield* policyFor("anthropic")
      const failover = yield* Policy.failover([
        { policy: openai, run: (prompt: string) => ask("openai", openaiFake.url, prompt) },
        { policy: anthropic, run: (prompt: string) => ask("anthropic", anthropicFake.url, prompt) }
      ])
      for (let i = 0; i < 2; i++) {
        const served = yield* failover("q")
        expect(served).toEqual({ value: "claude here", servedBy: { _tag: "Fallback", name: "anthropic/claude-3-5-haiku-latest" } })
      }
      expect(yield* openaiFake.requests).toBe(2)
      expect((yield* openai.breaker.stats).state).toBe("Open")
      // open: skipped without a request, and the span says who served
      const [served, attributes] = yield* Effect.gen(function*() {
        const served = yield* failover("q")
        const span = yield* Effect.currentSpan
        return [served, Object.fromEntries(span.attributes)] as const
      }).pipe(Effect.withSpan("ask"))
      expect(served.servedBy).toEqual({ _tag: "Fallback", name: "anthropic/claude-3-5-haiku-latest" })
      expect(attributes).toMatchObject({
        "fallback.served_by": "anthropic/claude-3-5-haiku-latest",
        "fallback.kind": "provider",
        "gen_ai.provider.name": "anthropic",
        "gen_ai.request.model": "claude-3-5-haiku-latest"
      })
      expect(yield* openaiFake.requests).toBe(2)
      expect(yield* anthropicFake.requests).toBe(3)
    }))

  it.scopedLive("every circuit open: CircuitOpenError of the one reopening soonest; the last-good cache answers with its age", () =>
    Effect.gen(function*() {
      const openaiFake = yield* FakeProvider.make({ flavor: "openai", behavior: Behavior.ok("first answer") })
      const anthropicFake = yield* FakeProvider.make({ flavor: "anthropic", behavior: Behavior.unavailable })
      const openai = yield* policyFor("openai", {
        breaker: { policy: { _tag: "ConsecutiveFailures", threshold: 1 }, openDuration: "60 seconds" },
        retry: false
      })
      const anthropic = yield* policyFor("anthropic", {
        breaker: { policy: { _tag: "ConsecutiveFailures", threshold: 1 }, openDuration: "10 seconds" },
        retry: false
      })
      const failover = yield* Policy.failover([
        { policy: openai, run: (prompt: string) => ask("openai", openaiFake.url, prompt) },
        { policy: anthropic, run: (prompt: string) => ask("anthropic", anthropicFake.url, prompt) }
      ])
      const cache = yield* Fallback.makeCache<string>({ maxAge: "10 minutes" })
      const first = yield* failover.serve("q1", { fallback: [Fallback.cached(cache, "q1")] })
      expect(first).toEqual({ value: "first answer", servedBy: { _tag: "Primary" } })
      // both go down: one request each opens both circuits
      yield* openaiFake.setBehavior(Behavior.unavailable)
      const down = yield* Effect.flip(failover("q1"))
      expect(down._tag).toBe("ServerError")
      const allOpen = yield* Effect.flip(failover("q1"))
      expect(allOpen).toBeInstanceOf(CircuitOpenError)
      if (allOpen._tag === "CircuitOpenError") {
        expect(allOpen.breaker).toBe("anthropic/claude-3-5-haiku-latest")
        expect(Duration.toMillis(allOpen.retryAfter)).toBeLessThanOrEqual(10_000)
      }
      const cached = yield* failover.serve("q1", { fallback: [Fallback.cached(cache, "q1"), Fallback.value("static")] })
      expect(cached.value).toBe("first answer")
      expect(cached.servedBy._tag).toBe("Cache")
      if (cached.servedBy._tag === "Cache") expect(Duration.toMillis(cached.servedBy.age)).toBeGreaterThanOrEqual(0)
      const miss = yield* failover.serve("q2", { fallback: [Fallback.cached(cache, "q2"), Fallback.value("static")] })
      expect(miss).toEqual({ value: "static", servedBy: { _tag: "Fallback", name: "value" } })
      expect(yield* openaiFake.requests).toBe(2)
      expect(yield* anthropicFake.requests).toBe(1)
    }))

  it.scopedLive("an invalid request does not fail over (it would fail everywhere)", () =>
    Effect.gen(function*() {
      const openaiFake = yield* FakeProvider.make({ flavor: "openai", behavior: Behavior.invalidRequest("invalid") })
      const anthropicFake = yield* FakeProvider.make({ flavor: "anthropic" })
      const failover = yield* Policy.failover([
        { policy: yield* policyFor("openai"), run: (p: string) => ask("openai", openaiFake.url, p) },
        { policy: yield* policyFor("anthropic"), run: (p: string) => ask("anthropic", anthropicFake.url, p) }
      ])
      const error = yield* Effect.flip(failover("q"))
      expect(error._tag).toBe("InvalidRequest")
      expect(yield* anthropicFake.requests).toBe(0)
    }))
})

describe("Policy options", () => {
  it.effect("bad options fail with InvalidOptionError naming the option", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        [{ provider: "" }, "provider"],
        [{ provider: "openai", timeout: "soon" }, "timeout"],
        [{ provider: "openai", gate: "yes" }, "gate"],
        [{ provider: "openai", toProviderError: 42 }, "toProviderError"],
        [{ provider: "openai", breaker: { policy: { _tag: "ConsecutiveFailures", threshold: -1 } } }, "breaker"],
        [{ provider: "openai", retry: { times: -1 } }, "retry.times"]
      ]
      for (const [options, option] of cases) {
        const error = yield* Effect.flip(Policy.make(options as Policy.Options))
        expect(error._tag).toBe("InvalidOptionError")
        expect(error.option).toContain(option)
      }
      // checked with the one option Schema: a bad value is shown, with what was expected
      const retry = yield* Effect.flip(Policy.make({ provider: "openai", retry: true as never }))
      expect([retry.option, retry.value]).toEqual(["retry", "true"])
      expect(retry.expected).toContain("or false for none")
      const timeout = yield* Effect.flip(Policy.make({ provider: "openai", timeout: "-2 seconds" }))
      expect([timeout.option, timeout.value]).toEqual(["timeout", "\"-2 seconds\""])
      expect(timeout.expected).toContain("Duration.infinity for none")
      const breaker = yield* Effect.flip(Policy.make({ provider: "openai", breaker: [] as never }))
      expect([breaker.option, breaker.value]).toEqual(["breaker", "[]"])
      const whileError = yield* Effect.flip(Policy.failover([], { while: 1 as never }))
      expect([whileError.option, whileError.value]).toEqual(["options.while", "1"])
      expect(yield* Effect.either(Policy.make({ provider: "openai", timeout: Duration.infinity }))).toMatchObject({ _tag: "Right" })
      const policy = yield* Policy.make({ provider: "openai" })
      const bad = yield* Effect.flip(Effect.succeed(1).pipe(Resilience.serve(policy, { fallback: [Fallback.value(2)], timeout: -5 })))
      expect(bad._tag).toBe("InvalidOptionError")
    }))
})
