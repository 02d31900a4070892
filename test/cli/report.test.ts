import { describe, expect, it } from "@effect/vitest"
import { formatMs, percent, table } from "../../src/cli/report/format.js"
import * as Svg from "../../src/cli/report/svg.js"
import { describeReason, stateSpans } from "../../src/cli/report/timeline.js"

describe("the commands' shared report pieces", () => {
  it("stateSpans: starts Closed, drops empty spans, cuts at the end, keeps the transition behind each span", () => {
    const open = { atMs: 100, from: "Closed", to: "Open", reason: "x" } as const
    const half = { atMs: 100, from: "Open", to: "HalfOpen", reason: "y" } as const
    const late = { atMs: 900, from: "HalfOpen", to: "Closed", reason: "z" } as const
    expect(stateSpans([open, half, late], 500)).toEqual([
      { state: "Closed", fromMs: 0, toMs: 100, by: undefined },
      { state: "HalfOpen", fromMs: 100, toMs: 500, by: half }
    ])
    expect(stateSpans([], 10)).toEqual([{ state: "Closed", fromMs: 0, toMs: 10, by: undefined }])
  })

  it("describeReason names the figures", () => {
    expect(describeReason({ _tag: "ConsecutiveFailures", failures: 5 } as any)).toBe("5 consecutive failures")
    expect(describeReason({ _tag: "FailureRate", rate: 0.6, calls: 20 } as any)).toBe("FailureRate 60% of 20")
  })

  it("formatMs and percent", () => {
    expect([3.24, 628.4, 1234, 65_000, null].map(formatMs)).toEqual(["3.2 ms", "628 ms", "1.2 s", "1m05s", "—"])
    expect([0.2346, null].map(percent)).toEqual(["23.5%", "—"])
  })

  it("table: header rule, first column left, others right; box rules", () => {
    expect(table([["name", "n"], ["a", "10"], ["bbb", "2"]])).toBe("name   n\n----  --\na     10\nbbb    2")
    expect(table([["", "x"], ["row", "1"]], { gap: 3, rule: "box" })).toBe("───────\n      x\n───────\nrow   1\n───────")
  })

  it("svg: one state colour per state, bars stacked from the base, legend wraps, a closed document", () => {
    const band = Svg.stateBand(stateSpans([{ atMs: 50, to: "Open" as const }], 100), (ms) => ms, 0, 10, (s) => s.state)
    expect(band).toHaveLength(2)
    expect(band[1]).toContain(`fill="${Svg.stateColor.Open}"`)
    const bars = Svg.stackedBars([{ color: "#a", values: [2] }, { color: "#b", values: [1] }], 1, () => 0, 5, 100, 30, 3)
    expect(bars).toEqual([
      `<rect x="0" y="80" width="5" height="20" fill="#a"></rect>`,
      `<rect x="0" y="70" width="5" height="10" fill="#b"></rect>`
    ])
    const key = Svg.legend(Array.from({ length: 10 }, (_, i) => ({ label: `item ${i}`, color: "#000" })), 0, 0, 300)
    expect(key.bottom).toBeGreaterThan(18)
    const doc = Svg.document(100, 50, ["<g></g>"])
    expect(doc.startsWith("<svg ")).toBe(true)
    expect(doc.trimEnd().endsWith("</svg>")).toBe(true)
  })
})
