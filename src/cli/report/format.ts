/**
 * Text formatting shared by the commands' reports: durations, shares and
 * aligned tables.
 *
 * @internal
 */

/** `3.24` → `3.2 ms`, `628.4` → `628 ms`, `1234` → `1.2 s`, `65000` → `1m05s`; `null` → `—`. @internal */
export const formatMs = (ms: number | null): string => {
  if (ms === null) return "—"
  if (ms < 10) return `${ms.toFixed(1)} ms`
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const s = Math.round(ms / 1000)
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`
}

/** `0.2345` → `23.5%`; `null` → `—`. @internal */
export const percent = (fraction: number | null): string => fraction === null ? "—" : `${(fraction * 100).toFixed(1)}%`

/** `n` of `of` as a percentage; `—` when `of` is 0. @internal */
export const share = (n: number, of: number): string => of === 0 ? "—" : percent(n / of)

/**
 * Rows as a fixed-width table: the first row is the header, columns in `left`
 * (default: the first) are left-aligned and the others right-aligned. `rule`:
 * `"dashes"` (a line of dashes under the header) or `"box"` (a `─` line above
 * and under the header and at the bottom).
 *
 * @internal
 */
export const table = (
  rows: ReadonlyArray<ReadonlyArray<string>>,
  options: { readonly gap?: number; readonly left?: ReadonlyArray<number>; readonly rule?: "dashes" | "box" } = {}
): string => {
  const gap = " ".repeat(options.gap ?? 2)
  const left = options.left ?? [0]
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)))
  const line = (r: ReadonlyArray<string>) =>
    widths.map((w, i) => (left.includes(i) ? (r[i] ?? "").padEnd(w) : (r[i] ?? "").padStart(w))).join(gap).trimEnd()
  const [head, ...body] = rows
  if (options.rule === "box") {
    const rule = "─".repeat(widths.reduce((a, b) => a + b, 0) + gap.length * (widths.length - 1))
    return [rule, line(head!), rule, ...body.map(line), rule].join("\n")
  }
  return [line(head!), widths.map((w) => "-".repeat(w)).join(gap), ...body.map(line)].join("\n")
}
