/**
 * The tuner end to end: a search over shipped scenarios is deterministic for a
 * seed (in this thread or in worker threads), its pick meets the constraints,
 * and replaying the settings file it writes through `simulate` (the fiber
 * engine, the production breaker) gives exactly the figures it promised.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { BreakerRegistry } from "../../../src/index.js"
import * as Engine from "../../../src/cli/sim/engine.js"
import { summarize } from "../../../src/cli/sim/metrics.js"
import * as Scenario from "../../../src/cli/sim/Scenario.js"
import * as SimConfig from "../../../src/cli/sim/SimConfig.js"
import { type Args, tune } from "../../../src/cli/tune/run.js"
import * as Search from "../../../src/cli/tune/search.js"
import * as Space from "../../../src/cli/tune/space.js"

const scenarioFile = (name: string) => path.join(import.meta.dirname, "../../../scenarios", `${name}.json`)

const args = (over: Partial<Args> = {}): Args => ({
  scenarios: ["hard-outage", "flapping"],
  seed: 7,
  budget: 24,
  constraints: { maxFalseOpens: 0, maxRecoverMs: 30_000 },
  fallback: false,
  durationS: 2000,
  out: undefined,
  name: "tuned",
  workers: 1,
  rows: 12,
  ...over
})

describe("tune", () => {
  it.effect("its pick, replayed from the settings file through simulate's fiber engine, shows the figures it promised", () =>
    Effect.gen(function*() {
      const out = yield* tune(args())
      const pick = out.result.pick
      expect(pick).toBeDefined()
      expect(pick!.feasible).toBe(true)
      expect(pick!.figures.falseOpens).toBe(0)
      expect(pick!.figures.recoverMs).toBeLessThanOrEqual(30_000)
      expect(out.text).toContain("Pareto frontier")
      expect(out.text).toMatch(/simulated hours per wall second/)
      // The settings file, read back the way `simulate --config` reads it.
      const configs = Either.getOrThrow(SimConfig.parseFile("tuned.json", out.settingsFile!))
      expect(configs.map((c) => c.name)).toEqual(["tuned"])
      const reports = []
      for (const name of ["hard-outage", "flapping"]) {
        const scenario = Scenario.truncate(Either.getOrThrow(Scenario.parse(name, fs.readFileSync(scenarioFile(name), "utf8"))), 2000)
        reports.push(summarize(scenario, configs[0]!, yield* Engine.run(scenario, configs[0]!, { seed: 7 })))
      }
      const replayed = {
        reached: reports.reduce((a, r) => a + r.windows.filter((w) => w.fault && w.errorRate >= 0.5).reduce((b, w) => b + w.reached, 0), 0),
        falseOpens: reports.reduce((a, r) => a + r.falseOpens, 0),
        errors: reports.reduce((a, r) => a + r.callerErrors, 0),
        missed: reports.reduce((a, r) => a + r.missed, 0),
        opens: reports.reduce((a, r) => a + r.opens, 0),
        p99Ms: Math.max(...reports.map((r) => r.faultLatencyP99Ms ?? 0))
      }
      expect(replayed).toEqual({
        reached: pick!.figures.reached,
        falseOpens: pick!.figures.falseOpens,
        errors: pick!.figures.errors,
        missed: pick!.figures.missed,
        opens: pick!.figures.opens,
        p99Ms: pick!.figures.p99Ms
      })
      const recovers = reports.flatMap((r) => r.windows.filter((w) => w.fault && w.detectMs !== null).map((w) => w.recoverMs!))
      expect(Math.round(recovers.reduce((a, b) => a + b, 0) / recovers.length)).toBe(pick!.figures.recoverMs)
    }), 120_000)

  it.effect("is deterministic for a seed, in this thread and in worker threads; another seed searches elsewhere", () =>
    Effect.gen(function*() {
      const a = yield* tune(args({ budget: 12 }))
      const b = yield* tune(args({ budget: 12, workers: 2 }))
      const c = yield* tune(args({ budget: 12, seed: 8 }))
      const figures = (r: Search.Result) => r.evaluated.map((x) => [x.name, x.figures])
      expect(figures(b.result)).toEqual(figures(a.result))
      expect(b.settingsFile).toBe(a.settingsFile)
      expect(figures(c.result)).not.toEqual(figures(a.result))
    }), 120_000)

  it.effect("says so when nothing meets the constraints", () =>
    Effect.gen(function*() {
      const out = yield* tune(args({ budget: 6, constraints: { maxReached: 0 } }))
      expect(out.result.pick).toBeUndefined()
      expect(out.settingsFile).toBeUndefined()
      expect(out.text).toContain("no candidate meets --max-reached 0")
    }), 60_000)

  it.effect("the registry loads the settings file as is", () =>
    Effect.gen(function*() {
      const out = yield* tune(args({ budget: 8 }))
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tune-")), "tuned.json")
      fs.writeFileSync(file, out.settingsFile!)
      const registry = yield* BreakerRegistry.fromFile(file)
      const breaker = yield* registry.get("tuned")
      expect((yield* breaker.stats).state).toBe("Closed")
    }), 60_000)

  it("a failing evaluation or an abort stops the search with an error, not a hang", async () => {
    const failing: Search.Evaluator = { evaluate: () => Promise.reject(new Error("worker died")), close: () => Promise.resolve() }
    await expect(Search.search({ hoursPerRun: 1, evaluator: failing, seed: 1, budget: 10, constraints: {} })).rejects.toThrow("worker died")
    const controller = new AbortController()
    controller.abort()
    const never: Search.Evaluator = { evaluate: () => new Promise(() => {}), close: () => Promise.resolve() }
    await expect(
      Search.search({ hoursPerRun: 1, evaluator: never, seed: 1, budget: 10, constraints: {}, signal: controller.signal })
    ).rejects.toThrow("interrupted")
  })

  it("the presets are starting points as they are: BreakerRegistry.Preset is the tuner's settings type", () => {
    // no cast: a preset has every field the tuner's candidates have (a compile error otherwise)
    const starts: ReadonlyArray<Space.SettingsData> = BreakerRegistry.presetNames.map((n) => BreakerRegistry.presets[n])
    expect(starts.map((s) => Space.toSimConfig("x", s).policy)).toEqual(starts.map((s) => s.policy))
    expect(Space.describe(BreakerRegistry.presets.lenient)).toBe(
      "10 in a row, or ≥60% failing of ≥20 in 60 s, or ≥50% slow (3 s + 30 ms/token) of ≥20 in 60 s; " +
        "open 5 s ×1.5 to 20 s; 2 probe(s), 2 to close"
    )
    // any settings of that type are described, not only the tuner's own space (a count window, micros, no factor)
    expect(Space.describe({
      ...BreakerRegistry.presets.default,
      policy: { _tag: "FailureRate", threshold: 0.5, minimumCalls: 10, window: { _tag: "LastCalls", size: 50 } },
      openDuration: { _tag: "Exponential", base: "250000 micros" },
      maxOpenDuration: "2 minutes"
    })).toBe("≥50% failing of ≥10 in the last 50 calls; open 250 ms ×2 to 2 min; 1 probe(s), 1 to close")
  })

  it("the frontier keeps exactly the candidates nobody beats on every objective", () => {
    const c = (name: string, reached: number, recoverMs: number): Search.Candidate => ({
      name,
      genome: undefined,
      settings: undefined as any,
      feasible: true,
      figures: { reached, recoverMs, falseOpens: 0, p99Ms: 0, errors: 0, missed: 0, detectMaxMs: 0, opens: 1 }
    })
    const front = Search.paretoFrontier([c("a", 10, 50), c("b", 20, 20), c("c", 30, 30), c("d", 10, 60)])
    expect(front.map((x) => x.name)).toEqual(["a", "b"])
  })
})
