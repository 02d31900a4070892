import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { defaults, type DrillOptions } from "../../../src/cli/drill/options.js"
import { writeReports } from "../../../src/cli/drill/output.js"
import { type DrillReport, inFlightAllowance, quantile, renderText, type RunReport } from "../../../src/cli/drill/report.js"
import { runDrill } from "../../../src/cli/drill/run.js"
import { stateColor } from "../../../src/cli/report/svg.js"

const short = (overrides: Partial<DrillOptions>): DrillOptions => ({
  ...defaults,
  rps: 20,
  healthyMs: 600,
  recoveryMs: 1_200,
  openMs: 100,
  retryBaseMs: 25,
  noise: 0,
  prometheus: false,
  jsonPath: Path.join(Os.tmpdir(), `drill-${process.pid}-${Date.now()}.json`),
  svgPath: Path.join(Os.tmpdir(), `drill-${process.pid}-${Date.now()}.svg`),
  ...overrides
})

const lines: Array<string> = []
const hooks = { print: (line: string) => Effect.sync(() => void lines.push(line)), color: false }

const byVariant = (report: DrillReport) => {
  const withBreaker = report.runs.find((r) => r.variant === "breaker")!
  const without = report.runs.find((r) => r.variant === "no-breaker")!
  expect(withBreaker).toBeDefined()
  expect(without).toBeDefined()
  return { withBreaker, without }
}

/** The bound recomputed here from the policy options and the openings the report shows. */
const bound = (options: DrillOptions, run: RunReport) =>
  options.threshold + options.permits * run.breakers[0]!.openings + inFlightAllowance(options)

describe("outage drill (real fake providers, real @effect/ai clients)", () => {
  it.live("503: the breaker bounds the requests to the down provider, callers see no errors and wait less, it closes after recovery", () =>
    Effect.gen(function*() {
      const options = short({ mode: "503", outageMs: 1_500, timeoutMs: 1_000 })
      const report = yield* runDrill(options, hooks)
      const { withBreaker, without } = byVariant(report)
      // The JSON report carries the targets and whether the run with the breaker met each; the text ends with them.
      expect(report.targets.map((t) => t.target)).toHaveLength(4)
      expect(report.targets.find((t) => t.target.startsWith("caller errors"))?.met).toBe(true)
      expect(renderText(report)).toMatch(/Targets \(with breaker\): \d of 4 met/)

      const down = withBreaker.outage.requestsToDownProvider
      expect(down).toBeGreaterThanOrEqual(options.threshold)
      expect(withBreaker.breakers[0]!.openings).toBeGreaterThanOrEqual(1)
      expect(down).toBeLessThanOrEqual(bound(options, withBreaker))
      expect(withBreaker.bound?.max).toBe(bound(options, withBreaker))
      // without the breaker every caller during the outage tries the primary 1 + retries times
      expect(without.outage.requestsToDownProvider).toBeGreaterThan(3 * down)
      expect(without.outage.requestsToDownProvider).toBeGreaterThanOrEqual(without.outage.callers * 2)

      for (const run of [withBreaker, without]) {
        expect(run.requests.failed).toBe(0)
        expect(run.outage.errors).toBe(0)
        expect(run.outage.callers).toBeGreaterThanOrEqual(20)
        expect(run.requests.unfinished).toBe(0)
      }
      // Latency, in terms a loaded machine cannot break (the drill's own report states the < 200 ms target and whether a
      // run met it; on a 2-core box at load 15 one caller's p99 summed several 100+ ms stalls): with the breaker the
      // median caller does not wait for the primary's three attempts, and no caller waits a whole timeout.
      expect(withBreaker.outage.p50Ms!).toBeLessThan(without.outage.p50Ms!)
      expect(withBreaker.outage.p50Ms!).toBeLessThan(50 + withBreaker.eventLoopDelay.p99Ms)
      expect(withBreaker.outage.p99Ms!).toBeLessThan(options.timeoutMs)
      expect(withBreaker.breakers[0]!.falseOpenings).toBe(0)
      expect(withBreaker.breakers[0]!.rejected).toBeGreaterThan(0)
      expect(without.breakers[0]!.rejected).toBe(0)

      const closed = withBreaker.recovery.breakerClosedAfterMs
      expect(closed).not.toBeNull()
      expect(closed!).toBeLessThanOrEqual(options.openMs + 1000 / options.rps + 300)
      expect(without.recovery.breakerClosedAfterMs).toBeNull()
      expect(withBreaker.breakers[0]!.transitions.at(-1)!.to).toBe("Closed")
      expect(withBreaker.requests.failover).toBeGreaterThan(0)

      // the JSON file has a stable shape and no secret
      const paths = yield* writeReports(report)
      const json = JSON.parse(Fs.readFileSync(paths.json, "utf8"))
      expect(Object.keys(json).sort()).toEqual(["generatedAt", "options", "providers", "runs", "targets", "version", "wallTimeMs"])
      expect(json.version).toBe(1)
      expect(json.providers).toEqual(["openai", "anthropic"])
      expect(Object.keys(json.runs[0]).sort()).toEqual(
        ["bound", "breakers", "durationMs", "eventLoopDelay", "intervals", "label", "mode", "outage", "phases", "recovery", "requests", "variant"]
      )
      expect(Object.keys(json.runs[0].outage).sort()).toEqual(
        ["callers", "errors", "hedged", "maxMs", "p50Ms", "p99Ms", "requestsToDownProvider", "within200ms"]
      )
      expect(Object.keys(json.runs[0].requests.hedged).sort()).toEqual(["cache", "failover", "primary", "total"])
      expect(json.options.hedgeMs).toBe(options.hedgeMs)
      expect(Object.keys(json.runs[0].recovery).sort()).toEqual(["breakerClosedAfterMs", "primaryAnsweringAfterMs"])
      expect(Object.keys(json.runs[0].requests).sort()).toEqual(
        ["answered", "cache", "errors", "failed", "failover", "hedged", "primary", "sent", "unfinished"]
      )
      expect(Object.keys(json.runs[0].intervals[0]).sort()).toEqual(
        ["cache", "failed", "failover", "hedged", "p99Ms", "phase", "primary", "rejected", "sent", "startMs", "states"]
      )
      expect(Object.keys(json.runs[0].breakers[0]).sort()).toEqual(
        ["falseOpenings", "name", "openings", "probes", "rejected", "transitions"]
      )
      expect(json.runs[0].phases.map((p: { name: string }) => p.name)).toEqual(["healthy", "outage", "recovery"])
      const svg = Fs.readFileSync(paths.svg, "utf8")
      expect(svg.startsWith("<svg")).toBe(true)
      expect(svg).toContain("openai breaker")
      expect(svg).toMatch(new RegExp(`fill="${stateColor.Open}"><title>Open \\(Closed → Open`)) // an Open band, titled with its transition
      for (const text of [JSON.stringify(json), svg, renderText(report), lines.join("\n")]) expect(text).not.toContain("sk-drill")
      Fs.rmSync(paths.json)
      Fs.rmSync(paths.svg)

      // the live view printed one plain line per interval, naming each breaker's state
      expect(lines.some((l) => l.startsWith("[with breaker]") && l.includes("openai Open"))).toBe(true)
      expect(lines.some((l) => l.startsWith("[no breaker]") && l.includes("openai Disabled"))).toBe(true)
      expect(lines.join("\n")).not.toContain("\x1b[")
    }), 40_000)

  it.live("hang, hedged: hedging alone bounds latency; the breaker also spares the provider and most callers the hedge delay", () =>
    Effect.gen(function*() {
      const options = short({ mode: "hang", outageMs: 2_000, timeoutMs: 400, recoveryMs: 1_500 })
      const report = yield* runDrill(options, hooks)
      const { withBreaker, without } = byVariant(report)

      const hedgeMs = options.hedgeMs!
      expect(hedgeMs).toBe(100)
      // with the breaker, at least as many callers are answered within 200 ms as with hedging alone, and the tail is no worse
      // (relative to the other variant in the same test, so the machine's load cannot decide it; the absolute < 200 ms
      // target is reported by the drill itself)
      expect(withBreaker.outage.within200ms!).toBeGreaterThanOrEqual(without.outage.within200ms!)
      expect(withBreaker.outage.p99Ms!).toBeLessThan(without.outage.p99Ms! + withBreaker.eventLoopDelay.maxMs)
      // once the circuit is open callers are rejected at once and fail over without waiting for the hedge
      expect(withBreaker.outage.p50Ms!).toBeLessThan(hedgeMs)
      // without the breaker every caller waits the hedge delay (the primary is never skipped), but not for the hanging
      // primary's attempts: those alone take (1 + retries) timeouts, which a working hedge never lets a caller see
      expect(without.outage.p50Ms!).toBeGreaterThanOrEqual(hedgeMs)
      expect(without.outage.p99Ms!).toBeLessThan(options.timeoutMs * (options.retries + 1))
      expect(without.outage.hedged).toBeGreaterThanOrEqual(without.outage.callers - 2)
      expect(withBreaker.outage.hedged).toBeLessThan(without.outage.hedged / 2)
      // callers hedged during the outage were answered by the failover (anthropic), not by the hanging primary
      for (const run of [withBreaker, without]) {
        expect(run.outage.hedged).toBeGreaterThan(0)
        expect(run.requests.hedged.failover).toBeGreaterThanOrEqual(run.outage.hedged)
        expect(run.requests.hedged.total).toBe(run.requests.hedged.primary + run.requests.hedged.failover + run.requests.hedged.cache)
        expect(run.requests.unfinished).toBe(0)
      }

      expect(withBreaker.outage.requestsToDownProvider).toBeLessThanOrEqual(bound(options, withBreaker))
      expect(withBreaker.outage.requestsToDownProvider).toBeLessThan(without.outage.requestsToDownProvider / 2)
      for (const run of [withBreaker, without]) expect(run.requests.failed).toBe(0)

      const closed = withBreaker.recovery.breakerClosedAfterMs
      expect(closed).not.toBeNull()
      // a probe admitted just before the recovery hangs until its timeout; the next one closes the circuit
      expect(closed!).toBeLessThanOrEqual(options.timeoutMs + options.openMs + 1000 / options.rps + 300)
      expect(withBreaker.breakers[0]!.falseOpenings).toBe(0)
    }), 40_000)

  it("quantile: nearest rank", () => {
    expect(quantile([], 0.5)).toBeNull()
    expect(quantile([5, 1, 3], 0.5)).toBe(3)
    expect(quantile(Array.from({ length: 100 }, (_, i) => i + 1), 0.99)).toBe(99)
    expect(quantile([1, 2], 1)).toBe(2)
  })
})
