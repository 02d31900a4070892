/**
 * The simulator's chart comparing configurations over one scenario. Pure.
 *
 * One panel per configuration, on a shared time axis: a band coloured by the
 * circuit's state, and under it one stacked bar per interval of what happened
 * to the requests made in it (succeeded, failed, 429/400, rejected), with the
 * callers' mean latency as a line. Fault windows are shaded across every panel.
 * Drawn with the pieces the drill's chart uses too (`../report/svg.ts`).
 *
 * @internal
 */
import { formatMs } from "../report/format.js"
import * as Svg from "../report/svg.js"
import type { Report } from "./report.js"

const outcomes = [
  ["success", "#8fd19e", "succeeded"],
  ["failed", "#e57373", "failed"],
  ["ignored", "#b39ddb", "429 / 400"],
  ["rejected", "#9e9e9e", "rejected"]
] as const

const LATENCY = "#1f4e9c"

/** @internal */
export const toSvg = (report: Report): string => {
  const width = 960
  const left = 110
  const right = 20
  const plotW = width - left - right
  const bandH = 14
  const barsH = 56
  const panelH = bandH + barsH + 34
  const durationMs = report.scenario.durationS * 1000
  const x: Svg.Scale = (ms) => left + (plotW * ms) / durationMs
  const n = report.configs[0]?.intervals.success.length ?? 0
  const intervalMs = report.scenario.intervalMs
  let peak = 1
  let latencyPeak = 1
  for (const c of report.configs) {
    for (let i = 0; i < n; i++) {
      peak = Math.max(peak, c.intervals.success[i]! + c.intervals.failed[i]! + c.intervals.ignored[i]! + c.intervals.rejected[i]!)
    }
    for (const v of c.intervals.latencyMeanMs) latencyPeak = Math.max(latencyPeak, v)
  }
  const out: Array<string> = [
    `<text x="${left}" y="18" font-size="14" font-weight="bold">${Svg.escape(report.scenario.name)} — ${report.scenario.durationS} s, seed ${report.scenario.seed}</text>`
  ]
  const key = Svg.legend([
    ...(["Closed", "Open", "HalfOpen"] as const).map((s) => ({ label: s, color: Svg.stateColor[s] })),
    ...outcomes.map(([, color, label]) => ({ label, color })),
    { label: "fault window", color: "#000", kind: "window" as const },
    { label: "caller latency (mean)", color: LATENCY, kind: "line" as const }
  ], left, 28, width - right)
  out.push(...key.svg)
  const top = key.bottom + 12
  const bw = plotW / Math.max(1, n)
  report.configs.forEach((c, p) => {
    const y0 = top + p * panelH
    out.push(`<g id="config-${Svg.escape(c.config)}">`)
    out.push(`<text x="${left - 8}" y="${y0 + 11}" text-anchor="end" font-weight="bold">${Svg.escape(c.config)}</text>`)
    out.push(`<text x="${left - 8}" y="${y0 + bandH + 14}" text-anchor="end" fill="#555">state</text>`)
    out.push(...Svg.stateBand(c.states.map((s) => ({ ...s, by: undefined })), x, y0, bandH, (s) => `${s.state} ${s.fromMs / 1000}–${s.toMs / 1000} s`))
    const by = y0 + bandH + 4
    out.push(`<text x="${left - 8}" y="${by + barsH}" text-anchor="end" fill="#555">requests / ${Svg.n1(intervalMs / 1000)} s</text>`)
    out.push(...Svg.stackedBars(
      outcomes.map(([k, color]) => ({ color, values: c.intervals[k] })),
      n,
      (i) => left + i * bw,
      bw - 0.5,
      by + barsH,
      barsH,
      peak
    ))
    out.push(`<line x1="${left}" y1="${by + barsH}" x2="${left + plotW}" y2="${by + barsH}" stroke="#333"/>`)
    const points = c.intervals.latencyMeanMs.map((v, i) => `${Svg.n1(left + (i + 0.5) * bw)},${Svg.n1(by + barsH - (barsH * v) / latencyPeak)}`)
    out.push(
      `<polyline points="${points.join(" ")}" fill="none" stroke="${LATENCY}" stroke-width="1.5"><title>caller latency, mean per interval (top of the panel = ${
        Svg.escape(formatMs(latencyPeak))
      })</title></polyline>`
    )
    for (const w of report.scenario.windows) {
      out.push(
        `<rect x="${Svg.n1(x(w.startS * 1000))}" y="${y0 - 2}" width="${Svg.n1(Math.max(1, x(w.endS * 1000) - x(w.startS * 1000)))}" height="${
          bandH + barsH + 8
        }" fill="#000" fill-opacity="0.08" stroke="#999" stroke-dasharray="2,2"><title>${Svg.escape(w.label)}: ${w.startS}–${w.endS} s, ${
          Math.round(w.errorRate * 100)
        }% errors</title></rect>`
      )
    }
    out.push(
      `<text x="${left}" y="${by + barsH + 14}" fill="#333">opens ${c.opens} (false ${c.falseOpens}) · reached in faults ${c.reachedDuringFaults} · rejected ${c.rejected} · caller errors ${c.callerErrors} · caller p50/p99 in faults ${
        Svg.escape(formatMs(c.faultLatencyP50Ms))
      } / ${Svg.escape(formatMs(c.faultLatencyP99Ms))}, overall ${Svg.escape(formatMs(c.latencyP50Ms))} / ${Svg.escape(formatMs(c.latencyP99Ms))}</text>`
    )
    out.push(`</g>`)
  })
  const axisY = top + panelH * report.configs.length + 4
  out.push(...Svg.timeAxis(durationMs, x, axisY))
  return Svg.document(width, axisY + 28, out)
}
