import { describe, expect, it } from "@effect/vitest"
import type { RunReport } from "../../../src/cli/drill/report.js"
import { renderTargets, targetsOf } from "../../../src/cli/drill/targets.js"

const run = (over: {
  p99Ms: number | null
  closedAfterMs: number | null
  openings: number
  falseOpenings: number
  failed: number
}): RunReport =>
  ({
    variant: "breaker",
    label: "with breaker",
    outage: { p99Ms: over.p99Ms },
    recovery: { breakerClosedAfterMs: over.closedAfterMs, primaryAnsweringAfterMs: null },
    breakers: [{ name: "openai", openings: over.openings, falseOpenings: over.falseOpenings, rejected: 0, probes: 0, transitions: [] }],
    requests: { failed: over.failed }
  }) as unknown as RunReport

describe("drill targets", () => {
  it("a run that meets every target says so", () => {
    const results = targetsOf(run({ p99Ms: 40, closedAfterMs: 2_500, openings: 3, falseOpenings: 0, failed: 0 }))
    expect(results.map((r) => r.met)).toEqual([true, true, true, true])
    const text = renderTargets([run({ p99Ms: 40, closedAfterMs: 2_500, openings: 3, falseOpenings: 0, failed: 0 })])
    expect(text).toContain("Targets (with breaker): 4 of 4 met")
    expect(text).toContain("caller p99 during the outage < 200 ms")
  })

  it("each target fails on its own figure, and a run that never closed did not recover", () => {
    const results = targetsOf(run({ p99Ms: 250, closedAfterMs: null, openings: 10, falseOpenings: 1, failed: 3 }))
    expect(results.map((r) => r.met)).toEqual([false, false, false, false])
    const text = renderTargets([run({ p99Ms: 250, closedAfterMs: null, openings: 10, falseOpenings: 1, failed: 3 })])
    expect(text).toContain("0 of 4 met")
    expect(text.match(/NOT MET/g)?.length).toBe(4)
    expect(text).toContain("1 of 10")
  })

  it("no run with a breaker: no targets", () => {
    expect(renderTargets([])).toBe("")
  })
})
