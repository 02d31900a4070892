/**
 * Rendering a comparison: a text table for the terminal and a JSON document
 * (stable key order, integer millis) for machines. Pure.
 *
 * @internal
 */
import { formatMs, share, table } from "../report/format.js"
import type { ConfigReport } from "./metrics.js"
import type { Scenario } from "./Scenario.js"

/** The whole result of comparing configurations over one scenario. @internal */
export interface Report {
  readonly scenario: {
    readonly name: string
    readonly description: string
    readonly durationS: number
    readonly seed: number
    readonly callTimeoutMs: number
    readonly intervalMs: number
    readonly windows: ReadonlyArray<{ readonly label: string; readonly startS: number; readonly endS: number; readonly errorRate: number }>
  }
  readonly configs: ReadonlyArray<ConfigReport>
}

/** @internal */
export const make = (scenario: Scenario, seed: number, configs: ReadonlyArray<ConfigReport>): Report => ({
  scenario: {
    name: scenario.name,
    description: scenario.description,
    durationS: scenario.durationMs / 1000,
    seed,
    callTimeoutMs: scenario.callTimeoutMs,
    intervalMs: Math.round(scenario.intervalMs),
    windows: scenario.windows.map((w) => ({
      label: w.label,
      startS: w.startMs / 1000,
      endS: w.endMs / 1000,
      errorRate: w.behavior.errorRate
    }))
  },
  configs
})

/** @internal */
export const toJson = (report: Report): string => `${JSON.stringify(report, null, 2)}\n`

const pct = share

const columns: ReadonlyArray<readonly [string, (c: ConfigReport) => string]> = [
  ["config", (c) => c.config],
  ["opens", (c) => String(c.opens)],
  ["false opens", (c) => String(c.falseOpens)],
  ["detected", (c) => `${c.detected}/${c.detected + c.missed}`],
  ["detect mean/max", (c) => `${formatMs(c.detectMeanMs)} / ${formatMs(c.detectMaxMs)}`],
  ["reached in faults", (c) => String(c.reachedDuringFaults)],
  ["recover mean/max", (c) =>
    `${formatMs(c.recoverMeanMs)} / ${formatMs(c.recoverMaxMs)}${c.neverRecovered > 0 ? ` (${c.neverRecovered} never)` : ""}`],
  ["rejected", (c) => String(c.rejected)],
  ["p50/p99 in faults", (c) => `${formatMs(c.faultLatencyP50Ms)} / ${formatMs(c.faultLatencyP99Ms)}`],
  ["p50/p99 overall", (c) => `${formatMs(c.latencyP50Ms)} / ${formatMs(c.latencyP99Ms)}`],
  ["caller errors", (c) => String(c.callerErrors)],
  ["success", (c) => pct(c.succeeded, c.requests)],
  ["not closed", (c) => `${(c.notClosedFraction * 100).toFixed(1)}%`]
]

/** A fixed-width table, one row per configuration, with a header naming the scenario. @internal */
export const toTable = (report: Report): string => {
  const s = report.scenario
  const requests = report.configs[0]?.requests ?? 0
  const faults = s.windows.length === 0
    ? "none"
    : s.windows.length <= 3
    ? s.windows.map((w) => `${w.label} ${w.startS}–${w.endS} s (${Math.round(w.errorRate * 100)}% errors)`).join("; ")
    : `${s.windows.length} windows, ${s.windows[0]!.startS}–${s.windows[s.windows.length - 1]!.endS} s`
  const header = [
    `scenario ${s.name}: ${s.durationS} s simulated, seed ${s.seed}, ${requests} requests`,
    ...(s.description === "" ? [] : [s.description]),
    `faults: ${faults}`,
    ""
  ]
  const rows = [columns.map(([h]) => h), ...report.configs.map((c) => columns.map(([, f]) => f(c)))]
  return [...header, table(rows, { rule: "dashes" })].join("\n") + "\n"
}
