import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Fiber, Stream, TestClock } from "effect"
import { CircuitBreaker, Outcome, TripPolicy } from "../src/index.js"

/** A call that answers `tokens` output tokens after `ms`, reporting its usage. */
const answer = (ms: number, tokens: number) => Effect.as(Effect.sleep(ms), { tokens })

const byUsage = Outcome.classifier<{ tokens: number }, unknown>({ onSuccess: (a) => Outcome.successWith({ outputTokens: a.tokens }) })

const options = <const>{
  perOutputToken: "50 millis",
  timeToFirstToken: "500 millis",
  threshold: 0.5,
  minimumCalls: 4,
  window: TripPolicy.lastCalls(10)
}
const policy = TripPolicy.slowCallRate(options)

const run = <A, E>(breaker: CircuitBreaker.CircuitBreaker, call: Effect.Effect<A, E>, ms: number) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(Effect.either(breaker(call)))
    yield* TestClock.adjust(ms)
    return yield* Fiber.join(fiber)
  })

describe("slow calls judged relative to work", () => {
  it.effect("a long answer may take long; short answers that take as long are slow and open the circuit", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({ name: "llm", policy, classify: byUsage })
      // 1000 tokens in 30 s: within 0.5 s + 1000 × 50 ms.
      for (let i = 0; i < 3; i++) yield* run(breaker, answer(30_000, 1000), 30_000)
      expect((yield* breaker.stats).state).toBe("Closed")
      expect((yield* breaker.stats).slowCalls).toBe(0)
      // 10 tokens in 5 s: the allowance is 1 s.
      for (let i = 0; i < 4; i++) yield* run(breaker, answer(5_000, 10), 5_000)
      const stats = yield* breaker.stats
      expect(stats.state).toBe("Open")
    }))

  it.effect("a call without a work measure is judged by `duration`, and never without it", () =>
    Effect.gen(function*() {
      const plain = yield* CircuitBreaker.make({ name: "plain", policy })
      for (let i = 0; i < 6; i++) yield* run(plain, Effect.sleep(60_000), 60_000)
      expect((yield* plain.stats).state).toBe("Closed")
      const withDuration = yield* CircuitBreaker.make({
        name: "with-duration",
        policy: TripPolicy.slowCallRate({ ...options, duration: "10 seconds" })
      })
      for (let i = 0; i < 4; i++) yield* run(withDuration, Effect.sleep(20_000), 20_000)
      expect((yield* withDuration.stats).state).toBe("Open")
    }))

  it.effect("a stream is judged by its time to first element, measured by the protection", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({ name: "stream", policy })
      const stream = (firstMs: number) =>
        Stream.fromEffect(Effect.as(Effect.sleep(firstMs), "first")).pipe(
          Stream.concat(Stream.make("second")),
          CircuitBreaker.protectStream(breaker),
          Stream.runCollect
        )
      // Fast first elements: fine, however long the stream.
      const drive = (program: Effect.Effect<unknown, unknown>, ms: number) =>
        Effect.gen(function*() {
          const fiber = yield* Effect.fork(Effect.either(program))
          yield* TestClock.adjust(ms)
          return yield* Fiber.join(fiber)
        })
      for (let i = 0; i < 4; i++) yield* drive(Effect.zipRight(stream(200), Effect.sleep(20_000)), 20_200)
      expect((yield* breaker.stats).state).toBe("Closed")
      expect((yield* breaker.stats).calls).toBe(4)
      for (let i = 0; i < 4; i++) yield* drive(stream(2_000), 2_000)
      expect((yield* breaker.stats).state).toBe("Open")
    }))

  it("the machine takes the same measures", () => {
    const m = Either.getOrThrow(CircuitBreaker.machine({ name: "m", policy }))
    let now = 0
    for (let i = 0; i < 4; i++) {
      const token = m.admit(now)
      now += 5_000
      m.record(token, now, Outcome.successWith({ outputTokens: 1000 }), 5_000)
    }
    expect(m.state).toBe("Closed")
    for (let i = 0; i < 6; i++) {
      const token = m.admit(now)
      now += 5_000
      m.record(token, now, Outcome.successWith({ outputTokens: 10 }), 5_000)
    }
    expect(m.state).toBe("Open")
    expect(m.admit(now)).toBe(-1)
  })

  it("a slow-call policy needs at least one threshold", () => {
    const checked = TripPolicy.validate({ _tag: "SlowCallRate", threshold: 0.5, minimumCalls: 5, window: TripPolicy.lastCalls(10) })
    expect(Either.isLeft(checked)).toBe(true)
  })
})
