/**
 * Interruption storm through the LanguageModel wrappers (real client, fake
 * provider over HTTP): generateText and streamText callers are interrupted at
 * random points (tiny Effect.timeout) while the circuit is half-open with one
 * permit. Afterwards no probe is in flight, the next call is admitted, and no
 * "unhandled" line was logged by anything the library forked (Effect's stream
 * runner logs each failing stream run itself, with or without a breaker).
 */
import { LanguageModel } from "@effect/ai"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Layer, Logger, LogLevel, Stream } from "effect"
import { TripPolicy } from "effect-breaker"
import { LanguageModelBreaker } from "effect-breaker/ai"
import { Behavior, FakeProvider } from "effect-breaker/testing"
import { modelLayer } from "../support/aiClients.js"

describe("LanguageModel wrappers: interrupted half-open callers", () => {
  it.scopedLive("release their probe permit; the circuit is not wedged in HalfOpen", () => {
    const lines: Array<string> = []
    const causes: Array<string> = []
    const logger = Logger.make(({ message, cause }) => {
      const text = Array.isArray(message) ? message.map(String).join(" ") : String(message)
      lines.push(text)
      if (/unhandled/i.test(text)) causes.push(Cause.pretty(cause).split("\n")[0]!.slice(0, 160))
    })
    return Effect.gen(function*() {
      const fake = yield* FakeProvider.make({ flavor: "openai", behavior: Behavior.unavailable })
      const breaker = yield* LanguageModelBreaker.makeBreaker({
        name: "storm",
        policy: TripPolicy.consecutiveFailures(1),
        openDuration: "20 millis",
        halfOpen: { permits: 1, successesToClose: 1000, probeTimeout: "10 minutes" }
      })
      const layer = LanguageModelBreaker.layer({ breaker, provider: "openai" }).pipe(
        Layer.provide(modelLayer("openai", fake.url, "sk-test-0123456789abcdef0123"))
      )
      yield* Effect.flip(Effect.provide(LanguageModel.generateText({ prompt: "hi" }), layer))
      assert.strictEqual((yield* breaker.stats).state, "Open")
      yield* fake.setBehavior(Behavior.perToken("2 millis", "one two three four five six"))
      yield* Effect.sleep("25 millis")
      const calls = [
        LanguageModel.generateText({ prompt: "hi" }),
        Stream.runDrain(LanguageModel.streamText({ prompt: "hi" }))
      ]
      for (let i = 0; i < 30; i++) {
        const fibers = yield* Effect.forEach(
          Array.from({ length: 4 }, (_, j) => calls[(i + j) % 2]!),
          (call) =>
            Effect.fork(Effect.exit(Effect.provide(call, layer).pipe(Effect.timeout(`${Math.floor(Math.random() * 12)} millis`)))),
          { concurrency: "unbounded" }
        )
        for (const f of fibers) yield* Fiber.await(f)
        const s = yield* breaker.stats
        assert.strictEqual(s.probesInFlight, 0, `round ${i}: ${s.state}`)
      }
      // not wedged: a call that is given time goes through (HalfOpen admits it, or Closed)
      const exit = yield* Effect.exit(Effect.provide(LanguageModel.generateText({ prompt: "hi" }), layer))
      assert.isTrue(Exit.isSuccess(exit), String(exit))
      // Effect's own stream runner logs every failing stream run (test/resilience/unhandled.test.ts): the streams
      // rejected while the permit was taken. Nothing else: no line from a fiber the library forked.
      assert.deepStrictEqual(causes.filter((c) => !c.startsWith("UnknownError: CircuitBreaker.streamText")), [])
      assert.isAtMost(causes.length, 60)
    }).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)), Logger.withMinimumLogLevel(LogLevel.All))
  }, 60_000)
})
