import { assert, describe, it } from "@effect/vitest"
import { Cause, Chunk, Clock, Duration, Effect, Exit, Fiber, Option, Queue, Supervisor, TestClock } from "effect"
import { CircuitBreaker, CircuitOpenError, InvalidOptionError, TripPolicy } from "effect-breaker"
import { counted, Fallback, hintOf, RateLimitGate, Resilience, Unavailable } from "./lib.js"

/**
 * Steady traffic (one request a second for 90 s) against a dependency that is
 * down for the first minute. Returns how many calls reached it while it was
 * down, and how often the breaker opened.
 */
const outage = (withBreaker: boolean) =>
  Effect.gen(function*() {
    const downUntil = (yield* Clock.currentTimeMillis) + 60_000
    let reachedWhileDown = 0
    const dependency = Effect.flatMap(Clock.currentTimeMillis, (now) => {
      if (now < downUntil) {
        reachedWhileDown++
        return Effect.fail(new Unavailable({}))
      }
      return Effect.succeed("ok")
    })
    const breaker = yield* CircuitBreaker.make({
      name: "outage",
      policy: TripPolicy.consecutiveFailures(5),
      openDuration: "10 seconds",
      halfOpen: { permits: 1 }
    })
    const transitions = yield* breaker.subscribe
    const retry = { times: 3, base: "500 millis", jitter: 0 } as const
    const policy = withBreaker
      ? yield* Resilience.make({ breaker, timeout: "5 seconds", retry })
      : yield* Resilience.make({ breaker: yield* CircuitBreaker.make({ name: "off" }), timeout: "5 seconds", retry })
    if (!withBreaker) yield* policy.breaker.disable
    const fibers: Array<Fiber.RuntimeFiber<string, unknown>> = []
    for (let i = 0; i < 90; i++) {
      fibers.push(yield* Effect.fork(policy(dependency)))
      yield* TestClock.adjust("1 second")
    }
    yield* TestClock.adjust("1 minute")
    const exits = yield* Effect.forEach(fibers, Fiber.await)
    const openings = Chunk.filter(yield* Queue.takeAll(transitions), (t) => t.to === "Open").length
    return { reachedWhileDown, openings, exits, stats: yield* breaker.stats }
  })

describe("Resilience", () => {
  it.scoped("outage bound: calls reaching a down dependency ≤ trip threshold + probes per opening; ≫ without the breaker", () =>
    Effect.gen(function*() {
      const on = yield* outage(true)
      const off = yield* outage(false)
      const permits = 1
      assert.isAtLeast(on.openings, 5, "it kept reopening during the minute (10 s openings)")
      assert.isAtMost(on.reachedWhileDown, 5 + permits * on.openings)
      // without the breaker every request is multiplied by its 4 attempts (the last few requests' retries land after 60 s)
      assert.isAtLeast(off.reachedWhileDown, 56 * 4)
      console.log(`outage minute: ${on.reachedWhileDown} calls reached the dependency with the breaker (${on.openings} openings), ${off.reachedWhileDown} without`)
      assert.isAbove(off.reachedWhileDown, 10 * on.reachedWhileDown)
      // and it recovered: the last requests were served
      assert.strictEqual(on.stats.state, "Closed")
      assert.isTrue(on.exits.slice(-20).every(Exit.isSuccess))
      assert.isTrue(on.exits.slice(0, 20).every(Exit.isFailure))
    }))

  it.effect("a 7 s hint through the policy: the gate closes the key, every call waits until 7 s, none sooner", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({ name: "llm", policy: TripPolicy.consecutiveFailures(5) })
      const gate = yield* RateLimitGate.make({
        name: "llm",
        resetAfter: (exit) => {
          const e = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
          return Option.isSome(e) && e.value instanceof Unavailable ? e.value.retryAfter : undefined
        }
      })
      const dep = yield* counted((n) => n === 1 ? Effect.fail(new Unavailable({ retryAfter: Duration.seconds(7) })) : Effect.succeed(n))
      const policy = yield* Resilience.make({
        breaker,
        gate: { gate, key: "gpt-4o" },
        retry: { base: "100 millis", jitter: 0, retryAfter: hintOf, maxWait: "30 seconds" }
      })
      const first = yield* Effect.fork(policy(dep.call))
      yield* TestClock.adjust("1 second")
      const second = yield* Effect.fork(policy(dep.call)) // the gate is closed: fails fast, then waits 6 s
      yield* TestClock.adjust("5900 millis")
      assert.strictEqual(yield* dep.runs, 1, "nothing sent before 7 s")
      yield* TestClock.adjust("100 millis")
      assert.deepStrictEqual([yield* Fiber.join(first), yield* Fiber.join(second)].sort(), [2, 3])
      assert.strictEqual(yield* dep.runs, 3)
    }))

  it.effect("a hang is a timeout inside the breaker: counted as a failure, and retrying stops once it opens", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({ name: "hang", policy: TripPolicy.consecutiveFailures(2) })
      const dep = yield* counted(() => Effect.never)
      const policy = yield* Resilience.make({ breaker, timeout: "2 seconds", retry: { times: 5, base: "100 millis", jitter: 0 } })
      const fiber = yield* Effect.fork(policy(dep.call))
      yield* TestClock.adjust("4100 millis") // timeouts at 2 s and 4.1 s
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.isTrue(Cause.isTimeoutException(error))
      assert.strictEqual(yield* dep.runs, 2)
      assert.strictEqual((yield* breaker.stats).state, "Open")
    }))

  it.effect("per-call overrides: timeout and fallback; the fallback catches CircuitOpenError outermost", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({ name: "calls" })
      const policy = yield* Resilience.make({ breaker, timeout: "1 minute", retry: false })
      const fiber = yield* Effect.fork(Resilience.protect(Effect.never, policy, { timeout: "500 millis" }))
      yield* TestClock.adjust("500 millis")
      assert.isTrue(Cause.isTimeoutException(yield* Effect.flip(Fiber.join(fiber))))
      yield* breaker.forceOpen
      const served = yield* Effect.succeed("live").pipe(
        Resilience.serve(policy, { fallback: [Fallback.value("canned", "static")] })
      )
      assert.deepStrictEqual(served, { value: "canned", servedBy: { _tag: "Fallback", name: "static" } })
      const error = yield* Effect.flip(policy(Effect.succeed("live")))
      assert.instanceOf(error, CircuitOpenError)
      const bad = yield* Effect.flip(Resilience.protect(Effect.succeed(1), policy, { timeout: "-1 seconds" }))
      assert.instanceOf(bad, InvalidOptionError)
      assert.strictEqual((bad as InvalidOptionError).option, "call.timeout")
    }))

  it.effect("interrupting a caller mid-retry (in a backoff, or in a hung attempt) leaves no fiber and records nothing", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({ name: "interrupt", policy: TripPolicy.consecutiveFailures(10) })
      const dep = yield* counted((n) => n === 1 ? Effect.fail(new Unavailable({})) : Effect.never)
      const policy = yield* Resilience.make({ breaker, timeout: "10 seconds", retry: { base: "1 second", jitter: 0 } })
      const supervisor = yield* Supervisor.track
      const fiber = yield* Effect.fork(Effect.supervised(policy(dep.call), supervisor))
      yield* TestClock.adjust("1500 millis") // attempt 1 failed at 0; attempt 2 started at 1 s and hangs
      assert.strictEqual(yield* dep.runs, 2)
      assert.isAbove((yield* supervisor.value).length, 0, "the timeout race is running")
      yield* Fiber.interrupt(fiber)
      assert.isTrue(Exit.isInterrupted(yield* Fiber.await(fiber)))
      assert.strictEqual((yield* supervisor.value).length, 0, "no fiber left behind")
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* dep.runs, 2)
      const stats = yield* breaker.stats
      assert.strictEqual(stats.consecutiveFailures, 1, "only the real failure; the interrupted attempt is not one")
    }))

  it.effect("bad options fail with InvalidOptionError", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.make({ name: "opts" })
      const e1 = yield* Effect.flip(Resilience.make({ breaker: {} as any }))
      assert.strictEqual(e1.option, "breaker")
      const e2 = yield* Effect.flip(Resilience.make({ breaker, retry: { times: -1 } }))
      assert.strictEqual(e2.option, "retry.times")
      const e3 = yield* Effect.flip(Resilience.make({ breaker, timeout: 0 }))
      assert.strictEqual(e3.option, "timeout")
    }))
})
