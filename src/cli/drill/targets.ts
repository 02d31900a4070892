/**
 * The targets a team sets for a provider outage, and whether a drill run met
 * each: callers answered within 200 ms at the 99th percentile while the
 * provider is down, recovery noticed within 60 s, false opens under 1% of
 * openings, and no caller errors when a fallback exists.
 *
 * @since 0.2.0
 */
import type { RunReport } from "./report.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface TargetResult {
  readonly target: string
  /** What the run measured, as text. */
  readonly measured: string
  readonly met: boolean
}

const ms = (n: number | null): string => (n === null ? "—" : n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(1)} s`)

/**
 * The targets for one run (the one with the breaker: the figures the targets are about).
 *
 * @since 0.2.0
 * @category constructors
 */
export const targetsOf = (run: RunReport): ReadonlyArray<TargetResult> => {
  const primary = run.breakers[0]
  const openings = primary?.openings ?? 0
  const falseOpenings = primary?.falseOpenings ?? 0
  const closedAfter = run.recovery.breakerClosedAfterMs
  return [
    {
      target: "caller p99 during the outage < 200 ms",
      measured: ms(run.outage.p99Ms),
      met: run.outage.p99Ms !== null && run.outage.p99Ms < 200
    },
    {
      target: "recovery (provider back → breaker closed) < 60 s",
      measured: ms(closedAfter),
      met: closedAfter !== null && closedAfter < 60_000
    },
    {
      target: "false opens < 1% of openings",
      measured: `${falseOpenings} of ${openings}`,
      met: openings === 0 ? falseOpenings === 0 : falseOpenings / openings < 0.01
    },
    {
      target: "caller errors 0 (with a fallback)",
      measured: String(run.requests.failed),
      met: run.requests.failed === 0
    }
  ]
}

/**
 * The targets as the lines that end the drill's text report.
 *
 * @since 0.2.0
 * @category constructors
 */
export const renderTargets = (runs: ReadonlyArray<RunReport>): string => {
  const run = runs.find((r) => r.variant === "breaker")
  if (run === undefined) return ""
  const results = targetsOf(run)
  const width = Math.max(...results.map((r) => r.target.length))
  const met = results.filter((r) => r.met).length
  return [
    `Targets (${run.label}): ${met} of ${results.length} met`,
    ...results.map((r) => `  ${r.met ? "met    " : "NOT MET"}  ${r.target.padEnd(width)}  ${r.measured}`)
  ].join("\n")
}
