/**
 * User callbacks whose result is not trusted (issue 9 finding 2's class):
 * besides the classifier (test/conformance/more.ts), an observer hook, a
 * stream's `itemError` and an HTTP key function that throw or return garbage
 * never become a defect replacing the caller's own value or error.
 */
import { HttpClient, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Schedule, Stream, TestClock } from "effect"
import { CircuitBreaker, Fallback, RateLimitGate, Resilience, Retry, TripPolicy } from "effect-breaker"
import { Policy } from "effect-breaker/llm"
import { HttpBreakers } from "effect-breaker/http"

class Boom {
  readonly _tag = "Boom"
}

const throwing = () => {
  throw new Error("observer bug")
}

describe("observer hooks that throw", () => {
  it.effect("the caller keeps its value, its error and its CircuitOpenError; the breaker still decides", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({
        name: "observed",
        policy: TripPolicy.consecutiveFailures(1),
        openDuration: "1 second"
      }).pipe(Effect.provide(CircuitBreaker.layerObserver({ onCall: throwing, onTransition: throwing, onRejected: throwing })))
      assert.strictEqual(yield* breaker(Effect.succeed(1)), 1)
      assert.deepStrictEqual(yield* Effect.flip(breaker(Effect.fail(new Boom()))), new Boom())
      assert.strictEqual((yield* breaker.stats).state, "Open")
      assert.strictEqual((yield* Effect.flip(breaker(Effect.succeed(2))))._tag, "CircuitOpenError")
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* breaker(Effect.succeed(3)), 3, "the probe's transitions reach the throwing hook too")
      assert.strictEqual((yield* breaker.stats).state, "Closed")
      yield* breaker.forceOpen
      assert.strictEqual((yield* breaker.stats).state, "ForcedOpen")
    }))
})

describe("observer hooks that are async and reject", () => {
  it.live("are no unhandled rejection (which ends a Node process by default)", () =>
    Effect.gen(function*() {
      const rejections: Array<unknown> = []
      const listener = (reason: unknown) => rejections.push(reason)
      // vitest's own listener would report it as well; this one counts only the rejections of this test
      process.on("unhandledRejection", listener)
      yield* Effect.addFinalizer(() => Effect.sync(() => process.off("unhandledRejection", listener)))
      const rejecting = async () => {
        throw new Error("async observer bug")
      }
      const breaker = yield* CircuitBreaker.make({
        name: "async-observed",
        policy: TripPolicy.consecutiveFailures(1),
        openDuration: "1 second"
      }).pipe(Effect.provide(CircuitBreaker.layerObserver({ onCall: rejecting, onTransition: rejecting, onRejected: rejecting })))
      assert.strictEqual(yield* breaker(Effect.succeed(1)), 1)
      yield* Effect.flip(breaker(Effect.fail(new Boom())))
      assert.strictEqual((yield* Effect.flip(breaker(Effect.succeed(2))))._tag, "CircuitOpenError")
      // unhandled rejections are reported after the microtask queue drains
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)))
      assert.deepStrictEqual(rejections, [])
    }).pipe(Effect.scoped))
})

describe("predicates and learners that are async and reject", () => {
  it.live("are no unhandled rejection, and answer nothing (as if they threw)", () =>
    Effect.gen(function*() {
      const rejections: Array<unknown> = []
      const listener = (reason: unknown) => rejections.push(reason)
      process.on("unhandledRejection", listener)
      yield* Effect.addFinalizer(() => Effect.sync(() => process.off("unhandledRejection", listener)))
      const rejecting: any = async () => {
        throw new Error("async callback bug")
      }
      // Fallback.serve's when: no fallback
      const served = yield* Effect.flip(Effect.fail("E").pipe(Fallback.serve({ fallback: [Fallback.value("v")], when: rejecting })))
      assert.strictEqual(served, "E")
      // Retry's while and retryAfter: not retried
      let attempts = 0
      const attempt = Effect.suspend(() => (attempts++, Effect.fail("E")))
      yield* Effect.flip(attempt.pipe(Retry.retry({ times: 2, base: "1 millis", while: rejecting })))
      yield* Effect.flip(attempt.pipe(Retry.retry({ times: 2, base: "1 millis", retryAfter: rejecting })))
      assert.strictEqual(attempts, 2)
      // failover's while: the next step does not serve
      const down = yield* CircuitBreaker.make({ name: "async-down" })
      const up = yield* CircuitBreaker.make({ name: "async-up" })
      const ask = yield* Fallback.failover([
        { name: "down", breaker: down, run: (_: string) => Effect.fail("E") },
        { name: "up", breaker: up, run: (_: string) => Effect.succeed("up") }
      ], { while: rejecting })
      assert.strictEqual(yield* Effect.flip(ask.serve("q")), "E")
      // a hedge's when: the fallback does not start on a failure
      const hedge = yield* Fallback.makeHedge({ delay: "1 second", when: rejecting })
      assert.strictEqual(yield* Effect.flip(Effect.fail("E").pipe(Fallback.serve({ fallback: [Fallback.value("v")], hedge }))), "E")
      // a stream's itemError: the item passes
      const breaker = yield* CircuitBreaker.make({ name: "async-items" })
      const stream = yield* CircuitBreaker.makeStream(breaker, { itemError: rejecting })
      assert.deepStrictEqual(Chunk.toArray(yield* Stream.runCollect(stream(Stream.make(1, 2)))), [1, 2])
      // a gate's resetAfter: nothing learned
      const gate = yield* Effect.provide(RateLimitGate.make({ resetAfter: rejecting }), RateLimitGate.layerStoreMemory)
      yield* Effect.flip(Effect.fail("E").pipe(gate.guard("k")))
      assert.strictEqual(yield* Effect.succeed(1).pipe(gate.guard("k")), 1)
      // a breaker's classifier (and the registry's): the call keeps its value, as with any non-Outcome
      const classified = yield* CircuitBreaker.make({ name: "async-classify", classify: rejecting })
      assert.strictEqual(yield* classified(Effect.succeed(1)), 1)
      // an HTTP key function: the host's breaker
      const breakers = yield* HttpBreakers.make({ key: rejecting })
      const client = HttpBreakers.protect(
        HttpClient.make((request) => Effect.succeed(HttpClientResponse.fromWeb(request, new Response("ok")))),
        breakers
      )
      assert.strictEqual((yield* client.execute(HttpClientRequest.get("http://async.test/"))).status, 200)
      // an LLM policy's adapter and success-headers reader: nothing mapped, nothing learned
      const policy = yield* Policy.make({ provider: "openai", retry: false, toProviderError: rejecting, successHeaders: rejecting })
      assert.strictEqual(yield* Effect.succeed("answer").pipe(Resilience.protect(policy)), "answer")
      const mapped = yield* Effect.flip(Effect.fail("E" as never).pipe(Resilience.protect(policy)))
      assert.strictEqual((mapped as { _tag: string })._tag, "ServerError")
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)))
      assert.deepStrictEqual(rejections.map(String), [])
    }).pipe(Effect.scoped))
})

describe("a stream's itemError that throws", () => {
  it.effect("says nothing about the item: every item reaches the consumer and the call is a success", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({ name: "stream-item-error", policy: TripPolicy.consecutiveFailures(1) })
      const guard = yield* CircuitBreaker.makeStream(breaker, {
        itemError: (part: { readonly type: string }) => {
          if (part.type === "odd") throw new Error("itemError bug")
          return undefined
        }
      })
      const out = yield* Stream.make({ type: "text" }, { type: "odd" }, { type: "text" }).pipe(guard, Stream.runCollect)
      assert.deepStrictEqual(Chunk.toArray(out).map((p) => p.type), ["text", "odd", "text"])
      const stats = yield* breaker.stats
      assert.strictEqual(stats.state, "Closed")
      assert.strictEqual(stats.failures, 0)
    }))
})

describe("an HTTP key function that throws or returns garbage", () => {
  const ok = HttpClient.make((request) => Effect.succeed(HttpClientResponse.fromWeb(request, new Response("ok"))))
  for (
    const [title, key] of [
      ["throws", () => {
        throw new Error("key bug")
      }],
      ["returns undefined", () => undefined],
      ["returns a number", () => 42],
      ["returns an empty string", () => ""]
    ] as const
  ) {
    it.effect(`${title}: the request goes through its host's breaker`, () =>
      Effect.gen(function*() {
        const breakers = yield* HttpBreakers.make({ key: key as unknown as HttpBreakers.Options["key"] })
        const client = ok.pipe(HttpBreakers.protect(breakers))
        const response = yield* client.execute(HttpClientRequest.get("http://a.example:8080/v1/x"))
        assert.strictEqual(response.status, 200)
        assert.deepStrictEqual((yield* breakers.breakers).map(([k]) => k), ["a.example:8080"])
      }))
  }
})

describe("an open-duration Schedule that fails at a later step", () => {
  it.effect("keeps its last delay; the caller keeps its own error", () =>
    Effect.gen(function*() {
      let steps = 0
      const breaker = yield* CircuitBreaker.make({
        name: "failing-schedule",
        policy: TripPolicy.consecutiveFailures(1),
        openDuration: Schedule.exponential("1 second").pipe(Schedule.map((d) => {
          if (++steps >= 3) throw new Error("schedule bug")
          return d
        }))
      })
      for (const expected of [1_000, 2_000, 2_000, 2_000]) {
        assert.deepStrictEqual(yield* Effect.flip(breaker(Effect.fail(new Boom()))), new Boom())
        assert.strictEqual((yield* breaker.stats).retryAfterMs, expected)
        yield* TestClock.adjust(expected)
      }
    }))
})
