/** Issue 10 part 1: one policy type, one failover, one result shape, one attribute key, hedging as an option. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import { CircuitBreaker, Fallback, InvalidOptionError, Resilience, TripPolicy } from "effect-breaker"
import { Overloaded, Policy } from "effect-breaker/llm"

const spanAttributes = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.withSpan(
    Effect.flatMap(self, (a) => Effect.map(Effect.currentSpan, (span) => ({ a, attributes: Object.fromEntries(span.attributes) }))),
    "call"
  )

describe("one policy type", () => {
  it.effect("an LLM Policy is a Resilience: Resilience.serve and protect take it, with its GenAI attributes", () =>
    Effect.gen(function*() {
      const openai = yield* Policy.make({ provider: "openai", model: "gpt-4o", retry: false, gate: false })
      assert.isTrue(Resilience.isResilience(openai))
      assert.strictEqual(openai.name, "openai/gpt-4o")
      assert.strictEqual(openai.provider, "openai")
      assert.strictEqual(openai.breaker.name, "openai/gpt-4o")
      const { a, attributes } = yield* spanAttributes(
        Effect.fail(new Overloaded({ status: 529 })).pipe(Resilience.serve(openai, { fallback: [Fallback.value("later", "static")] }))
      )
      assert.deepStrictEqual(a, { value: "later", servedBy: { _tag: "Fallback", name: "static" } })
      assert.strictEqual(attributes["gen_ai.request.model"], "gpt-4o")
      assert.strictEqual(attributes["fallback.served_by"], "Fallback")
      assert.strictEqual(yield* Effect.succeed(1).pipe(Resilience.protect(openai)), 1)
      // a plain Resilience has no attributes and is named after its breaker
      const breaker = yield* CircuitBreaker.make({ name: "search" })
      const plain = yield* Resilience.make({ breaker, retry: false })
      assert.strictEqual(plain.name, "search")
      assert.deepStrictEqual(plain.attributes, {})
    }))

  it.effect("one failover for both: an LLM policy step and a breaker step; one result shape; fallback.served_by", () =>
    Effect.gen(function*() {
      const openai = yield* Policy.make({ provider: "openai", retry: false, gate: false })
      const local = yield* CircuitBreaker.make({ name: "local", policy: TripPolicy.consecutiveFailures(3) })
      const ask = yield* Fallback.failover([
        { policy: openai, run: (_: string) => Effect.fail(new Overloaded({ status: 503 })) },
        { name: "local-model", breaker: local, run: (q: string) => Effect.succeed(`local: ${q}`) }
      ])
      assert.deepStrictEqual(ask.names, ["openai", "local-model"])
      const { a, attributes } = yield* spanAttributes(ask("hi"))
      assert.deepStrictEqual(a, { value: "local: hi", servedBy: { _tag: "Fallback", name: "local-model" } })
      assert.strictEqual(attributes["fallback.served_by"], "local-model")
      assert.strictEqual(attributes["fallback.kind"], "provider")
      assert.isUndefined(attributes["failover.served_by"], "one attribute key")
      const served = yield* ask.serve("again", { fallback: [Fallback.value("static")] })
      assert.deepStrictEqual(served, { value: "local: again", servedBy: { _tag: "Fallback", name: "local-model" } })
      // Policy.failover is the same failover with the taxonomy's default `while`
      const llm = yield* Policy.failover([{ policy: openai, run: (q: string) => Effect.succeed(q) }])
      assert.isTrue(Fallback.isFailover(llm))
    }))

  it.effect("hedging is an option of serve: Resilience.serve(policy, { fallback, hedge })", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({ name: "slow" })
      const policy = yield* Resilience.make({ breaker, timeout: "1 second", retry: false })
      const hedge = yield* Fallback.makeHedge({ delay: "100 millis" })
      const fiber = yield* Effect.fork(
        Effect.never.pipe(Resilience.serve(policy, { fallback: [Fallback.effect("backup", Effect.succeed("fast"))], hedge }))
      )
      yield* TestClock.adjust("100 millis")
      const served = yield* Fiber.join(fiber)
      assert.deepStrictEqual(served, { value: "fast", servedBy: { _tag: "Fallback", name: "backup" }, hedged: true })
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* breaker.stats).failures, 1, "the primary ran on and its timeout was recorded")
      const bad = yield* Effect.flip(Effect.succeed(1).pipe(Fallback.serve({ fallback: [], hedge: {} as never })))
      assert.instanceOf(bad, InvalidOptionError)
      assert.strictEqual((bad as InvalidOptionError).option, "hedge")
    }).pipe(Effect.scoped))
})
