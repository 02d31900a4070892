/**
 * The drill's SVG timeline: per run, the script's phases, a band per breaker
 * coloured by state, and per interval the callers' answers stacked by who
 * served them, the errors, and the attempts that reached the primary provider.
 * Drawn with the pieces the simulator's chart uses too (`../report/svg.ts`).
 *
 * @since 0.1.0
 */
import * as Svg from "../report/svg.js"
import { stateSpans } from "../report/timeline.js"
import type { DrillReport, RunReport } from "./report.js"

const W = 960
const LEFT = 150
const RIGHT = 20
const PLOT = W - LEFT - RIGHT
const SENT = "#212121"

const PHASE_COLOR: Record<string, string> = { healthy: "#e8f5e9", outage: "#ffebee", recovery: "#e3f2fd" }
const SERIES = [
  { key: "primary", label: "answered by primary", color: "#43a047" },
  { key: "failover", label: "answered by failover", color: "#1e88e5" },
  { key: "cache", label: "answered from cache", color: "#8e24aa" },
  { key: "failed", label: "caller saw an error", color: "#e53935" }
] as const

const runSvg = (run: RunReport, top: number, maxPerInterval: number, maxMs: number, intervalMs: number): { readonly svg: string; readonly height: number } => {
  const x: Svg.Scale = (ms) => LEFT + (Math.max(0, Math.min(ms, maxMs)) / maxMs) * PLOT
  const out: Array<string> = []
  let y = top
  out.push(`<text x="10" y="${y + 14}" font-size="13" font-weight="600">${Svg.escape(run.label)}</text>`)
  out.push(
    `<text x="${LEFT}" y="${y + 14}" fill="#444">outage p50 ${run.outage.p50Ms ?? "—"} ms · p99 ${run.outage.p99Ms ?? "—"} ms · ` +
      `${run.outage.requestsToDownProvider} requests to the down provider · ${run.outage.hedged} hedged · ${run.requests.failed} caller errors</text>`
  )
  y += 24
  out.push(`<text x="10" y="${y + 13}">script</text>`)
  for (const p of run.phases) {
    out.push(`<rect x="${Svg.n1(x(p.startMs))}" y="${y}" width="${Svg.n1(x(p.endMs) - x(p.startMs))}" height="18" fill="${PHASE_COLOR[p.name] ?? "#eee"}"/>`)
    out.push(`<text x="${Svg.n1(x(p.startMs) + 4)}" y="${y + 13}" font-size="10">${Svg.escape(p.name)}</text>`)
  }
  y += 24
  for (const b of run.breakers) {
    out.push(`<text x="10" y="${y + 13}">${Svg.escape(b.name)} breaker</text>`)
    out.push(...Svg.stateBand(stateSpans(b.transitions, run.durationMs), x, y, 18, (s) =>
      s.by === undefined
        ? `${s.state} (initial)`
        : `${s.state} (${s.by.from} → ${s.by.to} at ${(s.by.atMs / 1000).toFixed(2)}s: ${s.by.reason})`))
    y += 24
  }
  const chartH = 90
  out.push(`<text x="10" y="${y + 12}">callers / interval</text>`)
  out.push(`<text x="10" y="${y + 26}" font-size="10">max ${maxPerInterval}</text>`)
  out.push(`<line x1="${LEFT}" y1="${y + chartH}" x2="${W - RIGHT}" y2="${y + chartH}" stroke="#999"/>`)
  const width = Math.max(1, x(intervalMs) - x(0) - 2)
  const x0 = (i: number) => x(run.intervals[i]!.startMs) + 1
  out.push(...Svg.stackedBars(
    SERIES.map((s) => ({
      color: s.color,
      values: run.intervals.map((iv) => iv[s.key]),
      title: (n: number, i: number) => `${(run.intervals[i]!.startMs / 1000).toFixed(1)}s: ${n} ${s.label}`
    })),
    run.intervals.length,
    x0,
    width,
    y + chartH,
    chartH,
    maxPerInterval
  ))
  const primaryName = run.breakers[0]?.name ?? ""
  const sent = run.intervals.map((iv, i) =>
    `${i === 0 ? "M" : "L"}${Svg.n1(x0(i) + width / 2)},${Svg.n1(y + chartH - (chartH * (iv.sent[primaryName] ?? 0)) / Math.max(1, maxPerInterval))}`
  )
  if (sent.length > 0) {
    out.push(
      `<path d="${sent.join(" ")}" fill="none" stroke="${SENT}" stroke-width="1.5" stroke-dasharray="4,2"><title>attempts that reached ${
        Svg.escape(primaryName)
      }</title></path>`
    )
  }
  y += chartH + 4
  out.push(...Svg.timeAxis(maxMs, x, y))
  y += 24
  return { svg: out.join("\n"), height: y - top }
}

/**
 * Renders the report as a standalone SVG document.
 *
 * @since 0.1.0
 * @category getters
 */
export const renderSvg = (report: DrillReport): string => {
  const maxMs = Math.max(1, ...report.runs.map((r) => r.durationMs))
  const maxPerInterval = Math.max(
    1,
    ...report.runs.flatMap((r) => r.intervals.map((i) => Math.max(i.primary + i.failover + i.cache + i.failed, i.sent[report.providers[0] ?? ""] ?? 0)))
  )
  const parts: Array<string> = []
  let y = 10
  const o = report.options
  parts.push(`<text x="10" y="${y + 16}" font-size="16" font-weight="600">effect-breaker outage drill: ${Svg.escape(report.providers[0] ?? "")} ${
    o.mode === "hang" ? "hangs" : "answers 503"
  } for ${o.outageMs / 1000}s at ${o.rps} rps</text>`)
  y += 30
  for (const run of report.runs) {
    const r = runSvg(run, y, maxPerInterval, maxMs, o.intervalMs)
    parts.push(r.svg)
    y += r.height + 10
  }
  const key = Svg.legend([
    ...(["Closed", "Open", "HalfOpen", "Disabled"] as const).map((s) => ({ label: s, color: Svg.stateColor[s] })),
    ...SERIES.map((s) => ({ label: s.label, color: s.color })),
    { label: `attempts reaching ${report.providers[0] ?? ""}`, color: SENT, kind: "dashed" as const }
  ], 10, y, W - 10)
  parts.push(...key.svg)
  return Svg.document(W, key.bottom + 6, parts)
}
