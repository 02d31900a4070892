import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import { program } from "../../examples/breaker-lifecycle.js"

describe("examples/breaker-lifecycle", () => {
  it.effect("opens, rejects without calling, reopens for longer after a failed probe, closes after two probes", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(program(() => Effect.void))
      yield* TestClock.adjust("200 millis")
      yield* TestClock.adjust("400 millis")
      const report = yield* Fiber.join(fiber)
      assert.deepStrictEqual(report.transitions, [
        "Closed→Open",
        "Open→HalfOpen",
        "HalfOpen→Open",
        "Open→HalfOpen",
        "HalfOpen→Closed"
      ])
      assert.strictEqual(report.dependencyCalls, 8, "the two rejected calls never reached the dependency")
      assert.isTrue(report.lines.some((l) => l.startsWith("call 6: rejected without calling it (Open, retry in 400ms)")))
    }))
})
