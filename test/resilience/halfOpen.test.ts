/**
 * Issue 9 finding 9: what a half-open rejection says, and what retry and
 * failover do with it (semantics in src/internal/rejection.ts).
 */
import { AiError } from "@effect/ai"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Deferred, Duration, Effect, Fiber, TestClock } from "effect"
import { CircuitBreaker, CircuitOpenError, TripPolicy } from "effect-breaker"
import { Policy } from "effect-breaker/llm"
import { counted, Fallback, Retry, Unavailable } from "./lib.js"

/** A breaker (one failure opens it for 10 s, one probe permit, the default 60 s probe timeout) whose probe is in flight. */
const probing = (name = "svc") =>
  Effect.gen(function*() {
    const breaker = yield* CircuitBreaker.make({
      name,
      policy: TripPolicy.consecutiveFailures(1),
      openDuration: "10 seconds",
      halfOpen: { permits: 1 }
    })
    yield* Effect.flip(breaker(Effect.fail(new Unavailable({}))))
    yield* TestClock.adjust("10 seconds")
    const release = yield* Deferred.make<void, Unavailable>()
    const probe = yield* Effect.fork(breaker(Deferred.await(release)))
    yield* Effect.yieldNow()
    assert.strictEqual((yield* breaker.stats).probesInFlight, 1)
    return { breaker, release, probe }
  })

const rejection = (self: Effect.Effect<unknown, unknown>) =>
  Effect.map(Effect.flip(self), (e) => {
    assert.instanceOf(e, CircuitOpenError)
    return e as CircuitOpenError
  })

describe("half-open rejections (issue 9 finding 9)", () => {
  it.effect("carry no wait (zero), not the time until the probe's permit expires", () =>
    Effect.gen(function*() {
      const { breaker } = yield* probing()
      const e = yield* rejection(breaker(Effect.succeed(1)))
      assert.strictEqual(e.state, "HalfOpen")
      assert.strictEqual(Duration.toMillis(e.retryAfter), 0, "was 60 s: the probe timeout")
      assert.notInclude(e.message, " for ", "the message names no wait")
      assert.strictEqual((yield* breaker.stats).retryAfterMs, 0)
    }))

  it.effect("Open rejections still carry the rest of the open time", () =>
    Effect.gen(function*() {
      const { breaker, release, probe } = yield* probing()
      yield* Deferred.fail(release, new Unavailable({}))
      yield* Effect.flip(Fiber.join(probe))
      const e = yield* rejection(breaker(Effect.succeed(1)))
      assert.strictEqual(e.state, "Open")
      assert.strictEqual(Duration.toMillis(e.retryAfter), 10_000)
    }))

  it.effect("Retry tries again after its own backoff and gets through once the probe closes the circuit", () =>
    Effect.gen(function*() {
      const { breaker, release, probe } = yield* probing()
      const retry = yield* Retry.make({ times: 3, base: "100 millis", jitter: 0 })
      const call = yield* Effect.fork(Effect.succeed("ok").pipe(breaker, retry))
      yield* Effect.yieldNow()
      assert.isNull(call.unsafePoll(), "not failed at once: waiting its backoff")
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(probe)
      assert.strictEqual((yield* breaker.stats).state, "Closed")
      yield* TestClock.adjust("100 millis")
      assert.strictEqual(yield* Fiber.join(call), "ok")
    }))

  it.effect("Retry gives up after its attempts (backoff 100 + 200 + 400 ms), not after 60 s", () =>
    Effect.gen(function*() {
      const { breaker } = yield* probing()
      const retry = yield* Retry.make({ times: 3, base: "100 millis", jitter: 0 })
      const call = yield* Effect.fork(Effect.flip(Effect.succeed("ok").pipe(breaker, retry)))
      yield* TestClock.adjust("699 millis")
      assert.isNull(call.unsafePoll())
      yield* TestClock.adjust("1 millis")
      const e = yield* Fiber.join(call)
      assert.instanceOf(e, CircuitOpenError)
      assert.strictEqual((e as CircuitOpenError).state, "HalfOpen")
      assert.strictEqual((yield* breaker.stats).rejected, 4, "the first attempt and three retries")
    }))

  it.effect("Retry with `breaker` set still retries a half-open rejection (its stats say 0, not 60 s)", () =>
    Effect.gen(function*() {
      const { breaker, release, probe } = yield* probing()
      const retry = yield* Retry.make({ times: 3, base: "100 millis", jitter: 0, breaker })
      const call = yield* Effect.fork(Effect.succeed("ok").pipe(breaker, retry))
      yield* Effect.yieldNow()
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(probe)
      yield* TestClock.adjust("100 millis")
      assert.strictEqual(yield* Fiber.join(call), "ok")
    }))

  it.effect("Failover goes to the next step at once: the step's retry does not wait on the probe", () =>
    Effect.gen(function*() {
      const { breaker } = yield* probing("primary")
      const secondary = yield* CircuitBreaker.make({ name: "secondary" })
      const primary = yield* counted(() => Effect.succeed("primary"))
      const retry = yield* Retry.make({ times: 5, base: "1 second", jitter: 0 })
      const ask = yield* Fallback.failover([
        { name: "primary", breaker, retry, run: primary.call },
        { name: "secondary", breaker: secondary, run: Effect.succeed("secondary") }
      ])
      const fiber = yield* Effect.fork(ask.serve())
      yield* Effect.yieldNow()
      assert.isNotNull(fiber.unsafePoll(), "answered with no clock movement")
      assert.deepStrictEqual(yield* Fiber.join(fiber), { value: "secondary", servedBy: { _tag: "Fallback", name: "secondary" } })
      assert.strictEqual((yield* breaker.stats).rejected, 1, "one admission check, no retry of the half-open rejection")
      assert.strictEqual(yield* primary.runs, 0)
    }))

  it.effect("when every step rejects, the caller gets the half-open rejection (act on it first), not an Open one", () =>
    Effect.gen(function*() {
      const { breaker } = yield* probing("primary")
      const secondary = yield* CircuitBreaker.make({ name: "secondary", policy: TripPolicy.consecutiveFailures(1), openDuration: "20 seconds" })
      yield* Effect.flip(secondary(Effect.fail(new Unavailable({}))))
      const ask = yield* Fallback.failover([
        { name: "primary", breaker, run: Effect.succeed("primary") },
        { name: "secondary", breaker: secondary, run: Effect.succeed("secondary") }
      ])
      const e = yield* rejection(ask())
      assert.strictEqual(e.breaker, "primary")
      assert.strictEqual(e.state, "HalfOpen")
      // and a retry outside the failover acts on it: once the probe closes the primary, the call is served
    }))

  it.effect("the LLM policy retries a half-open rejection after its backoff; its failover moves on at once", () =>
    Effect.gen(function*() {
      const { breaker, release, probe } = yield* probing("openai")
      const openai = yield* Policy.make({ provider: "openai", breaker, gate: false, retry: { times: 3, base: "100 millis", jitter: 0 } })
      const anthropic = yield* Policy.make({ provider: "anthropic", gate: false, retry: false })
      const failover = yield* Policy.failover([
        { policy: openai, run: () => Effect.succeed("openai") },
        { policy: anthropic, run: () => Effect.succeed("anthropic") }
      ])
      const served = yield* Effect.fork(failover(undefined))
      yield* Effect.repeatN(Effect.yieldNow(), 20) // the policy's timeout runs the call in a child fiber
      assert.isNotNull(served.unsafePoll(), "failover answered with no clock movement")
      assert.strictEqual((yield* Fiber.join(served)).value, "anthropic")
      assert.strictEqual((yield* breaker.stats).rejected, 1, "no retry of the half-open rejection inside the step")
      const alone = yield* Effect.fork(openai(Effect.succeed("openai")))
      yield* Effect.yieldNow()
      assert.isNull(alone.unsafePoll(), "alone, the policy waits its backoff instead of failing")
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(probe)
      yield* TestClock.adjust("100 millis")
      assert.strictEqual(yield* Fiber.join(alone), "openai")
    }))

  /** How the LanguageModel wrappers report a rejection: an AiError whose cause is the CircuitOpenError. */
  const asAiError = (e: unknown) => new AiError.UnknownError({ module: "LanguageModel", method: "generateText", cause: e })

  it.effect("a rejection carried as an AiError's cause: Retry stops at once on Open, waits its backoff on HalfOpen", () =>
    Effect.gen(function*() {
      const { breaker, release, probe } = yield* probing()
      const retry = yield* Retry.make({ times: 3, base: "1 second", jitter: 0 })
      const call = yield* Effect.fork(Effect.succeed("ok").pipe(breaker, Effect.mapError(asAiError), retry))
      yield* Effect.yieldNow()
      assert.isNull(call.unsafePoll(), "half-open: waiting its backoff")
      yield* Deferred.fail(release, new Unavailable({})) // the probe fails: Open for 10 s
      yield* Effect.flip(Fiber.join(probe))
      yield* TestClock.adjust("1 second") // the retry is rejected as Open, inside an AiError
      yield* Effect.yieldNow()
      const exit = call.unsafePoll()
      assert.isNotNull(exit, "stopped at once on the Open rejection, no further backoff")
      if (exit !== null && exit._tag === "Failure") {
        const e = Cause.failureOption(exit.cause)
        assert.strictEqual(e._tag === "Some" && e.value instanceof AiError.UnknownError && (e.value.cause as CircuitOpenError).state, "Open")
      }
    }))

  it.effect("a rejection carried as a cause moves a failover on, even when `while` would stop on the error", () =>
    Effect.gen(function*() {
      const { breaker } = yield* probing("primary")
      const secondary = yield* CircuitBreaker.make({ name: "secondary" })
      const outer = yield* Fallback.failover([
        { name: "primary", breaker: yield* CircuitBreaker.make({ name: "p2" }), run: breaker(Effect.succeed("p")).pipe(Effect.mapError(asAiError)) },
        { name: "secondary", breaker: secondary, run: Effect.succeed("secondary") }
      ], { while: () => false })
      assert.strictEqual((yield* outer()).value, "secondary", "the wrapped half-open rejection is a rejection, not an error to stop on")
      yield* breaker.forceOpen
      assert.strictEqual((yield* outer()).value, "secondary", "so is a wrapped ForcedOpen one")
    }))
})
