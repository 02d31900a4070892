import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { program } from "../../examples/http-per-host.js"

describe("examples/http-per-host", () => {
  it.live("the failing host's circuit opens and its requests stop; the other host keeps serving", () =>
    Effect.gen(function*() {
      const printed: Array<string> = []
      const report = yield* program((line) => Effect.sync(() => void printed.push(line)))
      assert.deepStrictEqual(printed, report.lines)
      // 1 healthy + 3 failing requests reached payments; the 2 after the circuit opened were never sent
      assert.deepStrictEqual(report.received, { payments: 4, search: 3 })
      const states = Object.values(report.states).sort()
      assert.deepStrictEqual(states, ["Closed", "Open"])
      assert.strictEqual(report.lines.filter((l) => l.includes("rejected, not sent (Open")).length, 2)
      assert.strictEqual(report.lines.filter((l) => l.includes("search   → 200")).length, 3)
    }))
})
