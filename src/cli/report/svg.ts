/**
 * The pieces of the commands' SVG charts (hand-written, no dependency): a
 * timeline per run or per configuration, with the circuit's state as a band,
 * outcomes as stacked bars per interval, shaded windows, a line, a time axis
 * and a legend. The drill's and the simulator's charts are both made of these.
 *
 * @internal
 */
import type { CircuitBreaker } from "../../index.js"
import type { StateSpan } from "./timeline.js"

/** Escapes text for SVG content and attributes. @internal */
export const escape = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

/** A coordinate with one decimal. @internal */
export const n1 = (n: number): string => (Math.round(n * 10) / 10).toString()

/** One colour per state, the same in every chart. @internal */
export const stateColor: Readonly<Record<CircuitBreaker.State, string>> = {
  Closed: "#2e9d57",
  Open: "#d64541",
  HalfOpen: "#f0a202",
  ForcedOpen: "#7a1f1f",
  Disabled: "#9e9e9e",
  MetricsOnly: "#6c8ebf"
}

/** A horizontal scale from milliseconds to x. @internal */
export type Scale = (ms: number) => number

/** The state band: a rectangle per span, with a tooltip. @internal */
export const stateBand = <T>(
  spans: ReadonlyArray<StateSpan<T>>,
  x: Scale,
  y: number,
  height: number,
  title: (span: StateSpan<T>) => string
): Array<string> =>
  spans.map((s) =>
    `<rect x="${n1(x(s.fromMs))}" y="${n1(y)}" width="${n1(Math.max(0.5, x(s.toMs) - x(s.fromMs)))}" height="${height}" fill="${
      stateColor[s.state]
    }"><title>${escape(title(s))}</title></rect>`
  )

/** One series of stacked bars: its colour, its value per interval, and how to title a bar. @internal */
export interface BarSeries {
  readonly color: string
  readonly values: ReadonlyArray<number>
  readonly title?: ((value: number, interval: number) => string) | undefined
}

/**
 * Stacked bars, one stack per interval: interval `i` spans `[x0(i), x0(i) + width]`,
 * bars rise from `baseY` by `height × value / peak`.
 *
 * @internal
 */
export const stackedBars = (
  series: ReadonlyArray<BarSeries>,
  count: number,
  x0: (i: number) => number,
  width: number,
  baseY: number,
  height: number,
  peak: number
): Array<string> => {
  const out: Array<string> = []
  for (let i = 0; i < count; i++) {
    let top = baseY
    for (const s of series) {
      const v = s.values[i] ?? 0
      if (v === 0) continue
      const h = (height * v) / Math.max(1, peak)
      top -= h
      const title = s.title === undefined ? "" : `<title>${escape(s.title(v, i))}</title>`
      out.push(`<rect x="${n1(x0(i))}" y="${n1(top)}" width="${n1(Math.max(0.5, width))}" height="${n1(h)}" fill="${s.color}">${title}</rect>`)
    }
  }
  return out
}

/** A step of the time axis between ticks: a round number of seconds or minutes giving about ten ticks. @internal */
export const niceStepS = (durationS: number): number => {
  const raw = durationS / 10
  for (const s of [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600, 43200, 86400]) {
    if (s >= raw) return s
  }
  return 86400 * Math.ceil(raw / 86400)
}

/** Ticks and labels (`5 s`, `2 min`) under a timeline. @internal */
export const timeAxis = (durationMs: number, x: Scale, y: number): Array<string> => {
  const out: Array<string> = []
  const stepS = niceStepS(durationMs / 1000)
  for (let s = 0; s * 1000 <= durationMs + 1e-6; s += stepS) {
    const tx = n1(x(s * 1000))
    const label = s >= 60 && s % 60 === 0 ? `${s / 60} min` : `${Math.round(s * 10) / 10} s`
    out.push(`<line x1="${tx}" y1="${y}" x2="${tx}" y2="${y + 4}" stroke="#333"/>`)
    out.push(`<text x="${tx}" y="${y + 16}" text-anchor="middle">${label}</text>`)
  }
  return out
}

/** A legend entry: a filled box, a line (solid or dashed), or a shaded window. @internal */
export interface LegendItem {
  readonly label: string
  readonly color: string
  readonly kind?: "box" | "line" | "dashed" | "window" | undefined
}

/** The legend, wrapping onto more rows at `maxX`; returns its elements and the y under it. @internal */
export const legend = (
  items: ReadonlyArray<LegendItem>,
  x: number,
  y: number,
  maxX: number
): { readonly svg: Array<string>; readonly bottom: number } => {
  const out: Array<string> = []
  let lx = x
  for (const item of items) {
    const w = 26 + item.label.length * 6.2
    if (lx + w > maxX && lx > x) {
      lx = x
      y += 18
    }
    const mark = item.kind === "line" || item.kind === "dashed"
      ? `<line x1="${lx}" y1="${y + 5}" x2="${lx + 14}" y2="${y + 5}" stroke="${item.color}" stroke-width="1.5"${
        item.kind === "dashed" ? ` stroke-dasharray="4,2"` : ""
      }/>`
      : item.kind === "window"
      ? `<rect x="${lx}" y="${y}" width="10" height="10" fill="${item.color}" fill-opacity="0.08" stroke="#999" stroke-dasharray="2,2"/>`
      : `<rect x="${lx}" y="${y}" width="10" height="10" fill="${item.color}"/>`
    out.push(`${mark}<text x="${lx + 18}" y="${y + 9}">${escape(item.label)}</text>`)
    lx += w
  }
  return { svg: out, bottom: y + 18 }
}

/** A standalone SVG document of `width` × `height` on white. @internal */
export const document = (width: number, height: number, body: ReadonlyArray<string>): string =>
  [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${n1(height)}" viewBox="0 0 ${width} ${
      n1(height)
    }" font-family="system-ui, sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    ...body,
    `</svg>`,
    ""
  ].join("\n")
