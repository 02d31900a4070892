/**
 * A hand-written SVG chart comparing configurations over one scenario. Pure.
 *
 * One panel per configuration, on a shared time axis: a band coloured by the
 * circuit's state, and under it one stacked bar per interval of what happened
 * to the requests made in it (succeeded, failed, 429/400, rejected). Fault
 * windows are shaded across every panel.
 *
 * @internal
 */
import type { CircuitBreaker } from "../../index.js"
import { formatMs, type Report } from "./report.js"

const stateColor: Record<CircuitBreaker.State, string> = {
  Closed: "#2e9d57",
  Open: "#d64541",
  HalfOpen: "#f0a202",
  ForcedOpen: "#7a1f1f",
  Disabled: "#9e9e9e",
  MetricsOnly: "#6c8ebf"
}

const outcomeColors = [
  ["success", "#8fd19e", "succeeded"],
  ["failed", "#e57373", "failed"],
  ["ignored", "#b39ddb", "429 / 400"],
  ["rejected", "#9e9e9e", "rejected"]
] as const

const escape = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const f1 = (n: number): string => (Math.round(n * 10) / 10).toString()

/** @internal */
export const toSvg = (report: Report): string => {
  const width = 960
  const left = 110
  const right = 20
  const plotW = width - left - right
  const bandH = 14
  const barsH = 56
  const panelH = bandH + barsH + 34
  const top = 58
  const durationMs = report.scenario.durationS * 1000
  const height = top + panelH * report.configs.length + 40
  const x = (ms: number) => left + (plotW * ms) / durationMs
  const n = report.configs[0]?.intervals.success.length ?? 0
  const intervalMs = report.scenario.intervalMs
  let peak = 1
  for (const c of report.configs) {
    for (let i = 0; i < n; i++) {
      peak = Math.max(peak, c.intervals.success[i]! + c.intervals.failed[i]! + c.intervals.ignored[i]! + c.intervals.rejected[i]!)
    }
  }
  const out: Array<string> = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="18" font-size="14" font-weight="bold">${escape(report.scenario.name)} — ${report.scenario.durationS} s, seed ${report.scenario.seed}</text>`
  )
  // Legend.
  let lx = left
  for (const [state, color] of Object.entries(stateColor).slice(0, 3)) {
    out.push(`<rect x="${lx}" y="28" width="10" height="10" fill="${color}"/><text x="${lx + 14}" y="37">${state}</text>`)
    lx += 80
  }
  for (const [, color, label] of outcomeColors) {
    out.push(`<rect x="${lx}" y="28" width="10" height="10" fill="${color}"/><text x="${lx + 14}" y="37">${label}</text>`)
    lx += 90
  }
  out.push(`<rect x="${lx}" y="28" width="10" height="10" fill="#000" fill-opacity="0.08" stroke="#999"/><text x="${lx + 14}" y="37">fault window</text>`)
  lx += 100
  out.push(`<line x1="${lx}" y1="33" x2="${lx + 12}" y2="33" stroke="#1f4e9c" stroke-width="1.5"/><text x="${lx + 16}" y="37">caller latency (mean)</text>`)
  let latencyPeak = 1
  for (const c of report.configs) for (const v of c.intervals.latencyMeanMs) latencyPeak = Math.max(latencyPeak, v)
  report.configs.forEach((c, p) => {
    const y0 = top + p * panelH
    out.push(`<g id="config-${escape(c.config)}">`)
    out.push(`<text x="${left - 8}" y="${y0 + 11}" text-anchor="end" font-weight="bold">${escape(c.config)}</text>`)
    out.push(`<text x="${left - 8}" y="${y0 + bandH + 14}" text-anchor="end" fill="#555">state</text>`)
    for (const s of c.states) {
      out.push(
        `<rect x="${f1(x(s.fromMs))}" y="${y0}" width="${f1(Math.max(0.5, x(s.toMs) - x(s.fromMs)))}" height="${bandH}" fill="${stateColor[s.state]}"><title>${s.state} ${s.fromMs / 1000}–${s.toMs / 1000} s</title></rect>`
      )
    }
    const by = y0 + bandH + 4
    out.push(`<text x="${left - 8}" y="${by + barsH}" text-anchor="end" fill="#555">requests / ${f1(intervalMs / 1000)} s</text>`)
    const bw = plotW / n
    for (let i = 0; i < n; i++) {
      let stackTop = by + barsH
      for (const [key, color] of outcomeColors) {
        const v = c.intervals[key][i]!
        if (v === 0) continue
        const h = (barsH * v) / peak
        stackTop -= h
        out.push(`<rect x="${f1(left + i * bw)}" y="${f1(stackTop)}" width="${f1(Math.max(0.5, bw - 0.5))}" height="${f1(h)}" fill="${color}"/>`)
      }
    }
    out.push(`<line x1="${left}" y1="${by + barsH}" x2="${left + plotW}" y2="${by + barsH}" stroke="#333"/>`)
    const points = c.intervals.latencyMeanMs.map((v, i) => `${f1(left + (i + 0.5) * bw)},${f1(by + barsH - (barsH * v) / latencyPeak)}`)
    out.push(`<polyline points="${points.join(" ")}" fill="none" stroke="#1f4e9c" stroke-width="1.5"><title>caller latency, mean per interval (top of the panel = ${escape(formatMs(latencyPeak))})</title></polyline>`)
    for (const w of report.scenario.windows) {
      out.push(
        `<rect x="${f1(x(w.startS * 1000))}" y="${y0 - 2}" width="${f1(Math.max(1, x(w.endS * 1000) - x(w.startS * 1000)))}" height="${bandH + barsH + 8}" fill="#000" fill-opacity="0.08" stroke="#999" stroke-dasharray="2,2"><title>${escape(w.label)}: ${w.startS}–${w.endS} s, ${Math.round(w.errorRate * 100)}% errors</title></rect>`
      )
    }
    out.push(
      `<text x="${left}" y="${by + barsH + 14}" fill="#333">opens ${c.opens} (false ${c.falseOpens}) · reached in faults ${c.reachedDuringFaults} · rejected ${c.rejected} · caller errors ${c.callerErrors} · caller p50/p99 in faults ${escape(formatMs(c.faultLatencyP50Ms))} / ${escape(formatMs(c.faultLatencyP99Ms))}, overall ${escape(formatMs(c.latencyP50Ms))} / ${escape(formatMs(c.latencyP99Ms))}</text>`
    )
    out.push(`</g>`)
  })
  // Time axis.
  const axisY = top + panelH * report.configs.length + 4
  const stepS = niceStep(report.scenario.durationS / 10)
  for (let s = 0; s <= report.scenario.durationS + 1e-9; s += stepS) {
    const tx = f1(x(s * 1000))
    out.push(`<line x1="${tx}" y1="${axisY}" x2="${tx}" y2="${axisY + 4}" stroke="#333"/>`)
    out.push(`<text x="${tx}" y="${axisY + 16}" text-anchor="middle">${s >= 60 && s % 60 === 0 ? `${s / 60} min` : `${s} s`}</text>`)
  }
  out.push(`</svg>`)
  return out.join("\n") + "\n"
}

const niceStep = (raw: number): number => {
  for (const s of [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600, 43200, 86400]) {
    if (s >= raw) return s
  }
  return 86400 * Math.ceil(raw / 86400)
}
