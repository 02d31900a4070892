/**
 * The drill's SVG timeline, hand-written (no dependency): per run, the script's
 * phases, a band per breaker coloured by state, and per interval the callers'
 * answers stacked by who served them, the errors, and the attempts that reached
 * the primary provider.
 *
 * @since 0.1.0
 */
import type { CircuitBreaker } from "../../index.js"
import type { DrillReport, RunReport } from "./report.js"

const W = 960
const LEFT = 150
const RIGHT = 20
const PLOT = W - LEFT - RIGHT

const STATE_COLOR: Record<CircuitBreaker.State, string> = {
  Closed: "#4caf50",
  Open: "#e53935",
  HalfOpen: "#fb8c00",
  ForcedOpen: "#8e24aa",
  Disabled: "#bdbdbd",
  MetricsOnly: "#90a4ae"
}
const PHASE_COLOR: Record<string, string> = { healthy: "#e8f5e9", outage: "#ffebee", recovery: "#e3f2fd" }
const SERIES = [
  { key: "primary", label: "answered by primary", color: "#43a047" },
  { key: "failover", label: "answered by failover", color: "#1e88e5" },
  { key: "cache", label: "answered from cache", color: "#8e24aa" },
  { key: "failed", label: "caller saw an error", color: "#e53935" }
] as const

const esc = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const f = (n: number): string => n.toFixed(1)

const runSvg = (run: RunReport, top: number, maxPerInterval: number, maxMs: number, intervalMs: number): { readonly svg: string; readonly height: number } => {
  const x = (ms: number) => LEFT + (Math.max(0, Math.min(ms, maxMs)) / maxMs) * PLOT
  const out: Array<string> = []
  let y = top
  out.push(`<text x="10" y="${y + 14}" class="title">${esc(run.label)}</text>`)
  out.push(
    `<text x="${LEFT}" y="${y + 14}" class="note">outage p50 ${run.outage.p50Ms ?? "—"} ms · p99 ${run.outage.p99Ms ?? "—"} ms · ` +
      `${run.outage.requestsToDownProvider} requests to the down provider · ${run.outage.hedged} hedged · ${run.requests.failed} caller errors</text>`
  )
  y += 24
  // phases
  out.push(`<text x="10" y="${y + 13}" class="label">script</text>`)
  for (const p of run.phases) {
    out.push(`<rect x="${f(x(p.startMs))}" y="${y}" width="${f(x(p.endMs) - x(p.startMs))}" height="18" fill="${PHASE_COLOR[p.name] ?? "#eee"}"/>`)
    out.push(`<text x="${f(x(p.startMs) + 4)}" y="${y + 13}" class="small">${esc(p.name)}</text>`)
  }
  y += 24
  // a band per breaker
  for (const b of run.breakers) {
    out.push(`<text x="10" y="${y + 13}" class="label">${esc(b.name)} breaker</text>`)
    let state: CircuitBreaker.State = "Closed"
    let since = 0
    const segments: Array<{ from: number; to: number; state: CircuitBreaker.State; title: string }> = []
    let title = "initial"
    for (const t of b.transitions) {
      segments.push({ from: since, to: t.atMs, state, title })
      state = t.to
      since = t.atMs
      title = `${t.from} → ${t.to} at ${(t.atMs / 1000).toFixed(2)}s: ${t.reason}`
    }
    segments.push({ from: since, to: run.durationMs, state, title })
    for (const s of segments) {
      if (s.to <= s.from) continue
      out.push(
        `<rect x="${f(x(s.from))}" y="${y}" width="${f(Math.max(0.5, x(s.to) - x(s.from)))}" height="18" fill="${
          STATE_COLOR[s.state]
        }"><title>${esc(`${s.state} (${s.title})`)}</title></rect>`
      )
    }
    y += 24
  }
  // stacked outcomes per interval
  const chartH = 90
  out.push(`<text x="10" y="${y + 12}" class="label">callers / interval</text>`)
  out.push(`<text x="10" y="${y + 26}" class="small">max ${maxPerInterval}</text>`)
  out.push(`<line x1="${LEFT}" y1="${y + chartH}" x2="${W - RIGHT}" y2="${y + chartH}" class="axis"/>`)
  const scale = (n: number) => (n / Math.max(1, maxPerInterval)) * chartH
  const primaryName = run.breakers[0]?.name ?? ""
  let sentPath = ""
  for (const iv of run.intervals) {
    const x0 = x(iv.startMs)
    const width = Math.max(1, x(iv.startMs + intervalMs) - x0 - 2)
    let base = y + chartH
    for (const s of SERIES) {
      const n = iv[s.key]
      if (n === 0) continue
      const h = scale(n)
      base -= h
      out.push(`<rect x="${f(x0 + 1)}" y="${f(base)}" width="${f(width)}" height="${f(h)}" fill="${s.color}"><title>${
        esc(`${(iv.startMs / 1000).toFixed(1)}s: ${n} ${s.label}`)
      }</title></rect>`)
    }
    const sent = iv.sent[primaryName] ?? 0
    sentPath += `${sentPath === "" ? "M" : "L"}${f(x0 + 1 + width / 2)},${f(y + chartH - scale(sent))} `
  }
  if (sentPath !== "") out.push(`<path d="${sentPath.trim()}" class="sent"><title>attempts that reached ${esc(primaryName)}</title></path>`)
  y += chartH + 6
  // time axis
  const step = maxMs > 20_000 ? 5_000 : maxMs > 8_000 ? 2_000 : 1_000
  for (let t = 0; t <= maxMs; t += step) {
    out.push(`<line x1="${f(x(t))}" y1="${y - 6}" x2="${f(x(t))}" y2="${y - 2}" class="axis"/>`)
    out.push(`<text x="${f(x(t))}" y="${y + 10}" class="small" text-anchor="middle">${t / 1000}s</text>`)
  }
  y += 22
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
  parts.push(`<text x="10" y="${y + 16}" class="heading">effect-breaker outage drill: ${esc(report.providers[0] ?? "")} ${
    o.mode === "hang" ? "hangs" : "answers 503"
  } for ${o.outageMs / 1000}s at ${o.rps} rps</text>`)
  y += 30
  for (const run of report.runs) {
    const r = runSvg(run, y, maxPerInterval, maxMs, o.intervalMs)
    parts.push(r.svg)
    y += r.height + 10
  }
  // legend
  let lx = 10
  const legend: Array<[string, string]> = [
    ...(["Closed", "Open", "HalfOpen", "Disabled"] as const).map((s): [string, string] => [STATE_COLOR[s], s]),
    ...SERIES.map((s): [string, string] => [s.color, s.label])
  ]
  const sentLabel = `attempts reaching ${report.providers[0] ?? ""}`
  for (const [color, label] of legend) {
    const w = 22 + label.length * 6.2
    if (lx + w > W - 10) {
      lx = 10
      y += 18
    }
    parts.push(`<rect x="${lx}" y="${y}" width="12" height="12" fill="${color}"/><text x="${lx + 16}" y="${y + 10}" class="small">${esc(label)}</text>`)
    lx += w
  }
  if (lx + 26 + sentLabel.length * 6.2 > W - 10) {
    lx = 10
    y += 18
  }
  parts.push(`<path d="M${lx},${y + 6} L${lx + 16},${y + 6}" class="sent"/><text x="${lx + 20}" y="${y + 10}" class="small">${esc(sentLabel)}</text>`)
  y += 24
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" viewBox="0 0 ${W} ${y}" font-family="system-ui, sans-serif">`,
    `<style>.heading{font-size:16px;font-weight:600}.title{font-size:13px;font-weight:600}.label{font-size:12px}.note{font-size:12px;fill:#444}` +
    `.small{font-size:10px;fill:#333}.axis{stroke:#999;stroke-width:1}.sent{fill:none;stroke:#212121;stroke-width:1.5;stroke-dasharray:4 2}</style>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...parts,
    `</svg>`,
    ""
  ].join("\n")
}
