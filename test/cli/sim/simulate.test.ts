import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option } from "effect"
import { parse } from "../parse.js"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { type Args, main as mainArgs, simulate } from "../../../src/cli/sim/cli.js"
import { flags, toArgs } from "../../../src/cli/sim/command.js"
import { presets } from "../../../src/cli/sim/configs.js"
import * as Engine from "../../../src/cli/sim/engine.js"
import { summarize } from "../../../src/cli/sim/metrics.js"
import * as Report from "../../../src/cli/sim/report.js"
import * as Scenario from "../../../src/cli/sim/Scenario.js"
import type { SimConfig } from "../../../src/cli/sim/SimConfig.js"
import * as TestClockEngine from "../../../src/cli/sim/testClockEngine.js"

const scenarioFile = (name: string) => path.join(import.meta.dirname, "../../../scenarios", `${name}.json`)
const shipped = ["hard-outage", "flapping", "brownout", "rate-limit-storm", "partial-failure", "healthy"] as const

const parseArgs = async (argv: ReadonlyArray<string>): Promise<Args> => {
  const parsed = await parse(flags, argv)
  if (Either.isLeft(parsed)) throw new Error(parsed.left)
  return toArgs(parsed.right)
}

/** A shipped scenario's first 40 minutes (unless `rest` sets `--duration`), with more flags. */
const args = (scenario: string, ...rest: Array<string>) =>
  Effect.promise(() => parseArgs([scenarioFile(scenario), ...(rest.includes("--duration") ? [] : ["--duration", "2400"]), ...rest]))

/** `effect-breaker simulate <argv>`, parsed as the command line does, then run (without printing). */
const main = (argv: ReadonlyArray<string>) => Effect.flatMap(Effect.promise(() => parseArgs(argv)), (a) => mainArgs(a))

/** The smallest consecutive-failures threshold of a preset (every preset has one). */
const consecutiveThreshold = (c: SimConfig): number => {
  const walk = (p: any): number =>
    p._tag === "ConsecutiveFailures" ? p.threshold : p._tag === "Any" ? Math.min(...p.policies.map(walk)) : Infinity
  return walk(c.policy)
}

// CPU-bound simulations on the TestClock (nothing here waits on or judges the wall clock): 7–12 s each at load 10 on the
// 2-core CI machine, where the default 30 s timeout left little room.
describe("shipped scenarios (first 40 minutes)", { timeout: 60_000 }, () => {
  for (const name of shipped) {
    it.effect(`${name}: runs every preset; a fully-down provider sees the trip threshold (+ in-flight, + resets) then one probe set per opening`, () =>
      Effect.gen(function*() {
        const out = yield* simulate(yield* args(name))
        expect(out.report.configs.map((c) => c.config)).toEqual(["default", "aggressive", "lenient"])
        for (const c of out.report.configs) {
          const preset = presets[c.config]!
          expect(c.requests).toBeGreaterThan(1000)
          expect(c.succeeded + c.failed + c.ignored + c.rejected).toBe(c.requests)
          expect(c.callerErrors).toBe(c.failed + c.ignored + c.rejected)
          for (const w of c.windows) {
            if (w.errorRate < 1) continue
            const permits = preset.halfOpen?.permits ?? 1
            if (w.openings === 0) {
              // The circuit stayed open through the whole window (opened by an earlier fault): nothing reached
              // the provider, since a probe would have failed and reopened it.
              expect(w.reached).toBe(0)
              continue
            }
            // Once open, only half-open probes reach the provider: at most `permits` per opening.
            expect(w.reachedAfterOpen).toBeLessThanOrEqual(w.openings * permits)
            // Before: the trip threshold, plus calls already in flight when it tripped, plus a fresh
            // threshold for every success of an earlier call that landed in the window and reset the count.
            const threshold = consecutiveThreshold(preset)
            expect(w.reached - w.reachedAfterOpen).toBeLessThanOrEqual(threshold * (1 + w.lateSuccesses) + w.peakInFlight)
            // An opening inside the window took at least one call that reached the provider: the one that
            // tripped it, or a failed probe (a flap can begin while the circuit is still open from the last).
            expect(w.reached).toBeGreaterThanOrEqual(1)
          }
        }
        expect(out.table).toContain(`scenario ${name}`)
        expect(out.svg.startsWith("<svg")).toBe(true)
        expect(out.svg).toContain(`id="config-default"`)
      }))
  }

  it.effect("hard outage: every preset detects it within seconds, stops most traffic, and recovers", () =>
    Effect.gen(function*() {
      const out = yield* simulate(yield* args("hard-outage"))
      for (const c of out.report.configs) {
        expect(c.falseOpens).toBe(0)
        expect(c.detected).toBe(1)
        expect(c.detectMaxMs!).toBeLessThan(5_000)
        expect(c.neverRecovered).toBe(0)
        // 10 minutes of traffic at ~20 rps went to a dead provider: the breaker kept almost all of it away.
        expect(c.rejected).toBeGreaterThan(9_000)
        expect(c.reachedDuringFaults).toBeLessThan(c.rejected / 20)
      }
    }))

  it.effect("healthy control: the default preset never opens", () =>
    Effect.gen(function*() {
      const out = yield* simulate({ ...(yield* args("healthy")), durationS: undefined })
      const d = out.report.configs.find((c) => c.config === "default")!
      expect(d.opens).toBe(0)
      expect(d.falseOpens).toBe(0)
      expect(d.rejected).toBe(0)
    }))

  it.effect("429 storm: the breaker is not tripped when 429 is Ignored, and is when it counts as a failure", () =>
    Effect.gen(function*() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sim-"))
      const strict = path.join(dir, "strict.json")
      fs.writeFileSync(strict, JSON.stringify({ ...presets.default, name: "429-is-failure", rateLimited: "failure" }))
      const out = yield* simulate(yield* args("rate-limit-storm", "--config", `default,${strict}`))
      const [ignoring, failing] = out.report.configs
      expect(ignoring!.opens).toBe(0)
      expect(ignoring!.ignored).toBeGreaterThan(5_000)
      expect(failing!.opens).toBeGreaterThan(0)
      expect(failing!.rejected).toBeGreaterThan(0)
    }))

  it.effect("with a fallback, callers see no errors", () =>
    Effect.gen(function*() {
      const out = yield* simulate(yield* args("hard-outage", "--fallback"))
      for (const c of out.report.configs) {
        expect(c.callerErrors).toBe(0)
        expect(c.fallbacks).toBe(c.failed + c.ignored + c.rejected)
      }
    }))
})

describe("determinism", () => {
  it.effect("the same scenario and seed give byte-identical JSON; another seed changes it", () =>
    Effect.gen(function*() {
      const a = yield* simulate(yield* args("flapping", "--duration", "1200"))
      const b = yield* simulate(yield* args("flapping", "--duration", "1200"))
      const c = yield* simulate(yield* args("flapping", "--duration", "1200", "--seed", "2"))
      expect(a.json).toBe(b.json)
      expect(a.svg).toBe(b.svg)
      expect(c.json).not.toBe(a.json)
      expect(JSON.parse(c.json).scenario.seed).toBe(2)
    }))

  it.live("the fast engine and the TestClock engine give the same report", () =>
    Effect.gen(function*() {
      const text = JSON.stringify({
        name: "small",
        durationSeconds: 90,
        seed: 7,
        callTimeoutMs: 5000,
        traffic: { rps: 3 },
        provider: { errorRate: 0.05, latency: { dist: "lognormal", medianMs: 300, p99Ms: 3000 } },
        outages: [{ start: 20, end: 50, errorRate: 1, errorLatency: { dist: "uniform", minMs: 20, maxMs: 200 } }]
      })
      const scenario = Either.getOrThrow(Scenario.parse("small.json", text))
      const config: SimConfig = { ...presets.aggressive!, openDuration: "4 seconds" }
      const fast = yield* Engine.run(scenario, config)
      const reference = yield* TestClockEngine.run(scenario, config, { tickMs: 1000 })
      const render = (t: typeof fast) => Report.toJson(Report.make(scenario, 7, [summarize(scenario, config, t)]))
      expect(fast.transitions.length).toBeGreaterThan(2)
      expect(render(reference)).toBe(render(fast))
    }), 60_000)
})

describe("malformed input", () => {
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "sim-bad-"))
  const base = JSON.parse(fs.readFileSync(scenarioFile("hard-outage"), "utf8"))

  const failWith = (dir: string, scenario: unknown, extra: Array<string> = []) =>
    Effect.gen(function*() {
      const file = path.join(dir, "scenario.json")
      fs.writeFileSync(file, typeof scenario === "string" ? scenario : JSON.stringify(scenario))
      const out = path.join(dir, "out")
      const error = yield* Effect.flip(main([file, "--out", out, "--json", path.join(dir, "r.json"), ...extra]))
      expect(fs.existsSync(out)).toBe(false)
      expect(fs.existsSync(path.join(dir, "r.json"))).toBe(false)
      expect(fs.readdirSync(dir).sort()).toEqual(fs.readdirSync(dir).filter((f) => !f.includes(".tmp")).sort())
      return error.message
    })

  it.effect("an outage end that is not a number is named with its path and value", () =>
    Effect.gen(function*() {
      const dir = tmp()
      const bad = { ...base, outages: [base.outages[0], { start: 2000, end: "x", errorRate: 1 }] }
      const message = yield* failWith(dir, bad)
      expect(message).toContain("outages[1].end: expected a number ≥ start, got \"x\"")
    }))

  it.effect("an outage ending before it starts, a bad rate and an unknown field are all reported", () =>
    Effect.gen(function*() {
      const dir = tmp()
      const bad = { ...base, traffic: { rps: -3 }, outages: [{ start: 100, end: 50, errorRate: 1.5 }], colour: "red" }
      const message = yield* failWith(dir, bad)
      expect(message).toContain("traffic.rps: expected a request rate from 0.001 to 100000, got -3")
      expect(message).toContain("outages[0].errorRate: expected a fraction from 0 to 1, got 1.5")
      expect(message).toContain("colour: is not a known field")
    }))

  it.effect("an inverted window is named once its fields are right", () =>
    Effect.gen(function*() {
      const message = yield* failWith(tmp(), { ...base, outages: [{ start: 100, end: 50, errorRate: 1 }] })
      expect(message).toContain("outages[0].end: expected a number ≥ start (100), got 50")
    }))

  it.effect("overlapping windows and bad JSON", () =>
    Effect.gen(function*() {
      const overlap = yield* failWith(tmp(), {
        ...base,
        outages: [{ start: 100, end: 200, errorRate: 1 }, { start: 150, end: 300, errorRate: 1 }]
      })
      expect(overlap).toContain("outages[1].start: expected no overlap with outages[0]")
      const json = yield* failWith(tmp(), "{ \"name\": ")
      expect(json).toContain("not valid JSON")
    }))

  it.effect("a config file with a bad option names the option path, using the breaker's own checks", () =>
    Effect.gen(function*() {
      const dir = tmp()
      const cfg = path.join(dir, "cfg.json")
      fs.writeFileSync(cfg, JSON.stringify([presets.default, { name: "bad", policy: { _tag: "FailureRate", threshold: 2 } }]))
      const message = yield* failWith(dir, base, ["--config", cfg])
      expect(message).toContain(`${cfg}: [1].policy.threshold: expected a number in (0, 1], got 2`)
      fs.writeFileSync(cfg, JSON.stringify({ name: "bad", rateLimited: "sometimes" }))
      const message2 = yield* failWith(dir, base, ["--config", cfg])
      expect(message2).toContain("rateLimited: expected one of \"ignored\", \"failure\", got \"sometimes\"")
      const message3 = yield* failWith(dir, base, ["--config", "default,nope"])
      expect(message3).toContain("unknown preset \"nope\"")
    }))

  it("bad arguments are named", async () => {
    const error = async (argv: ReadonlyArray<string>) => Either.getLeft(await parse(flags, argv)).pipe(Option.getOrThrow)
    expect(await error(["a.json", "--seed", "x"])).toContain("Invalid option \"--seed\": got \"x\", expected an integer")
    expect(await error(["a.json", "--duration", "0"])).toContain("Invalid option \"--duration\": got \"0\"")
    expect(await error(["a.json", "--engine", "slow"])).toContain("Invalid option \"--engine\": got \"slow\"")
    expect(await error([])).toContain("<scenario>")
    expect(await error(["a.json", "--colour"])).toContain("--colour")
  })

  it.effect("a shipped scenario by name; an unknown name lists the shipped ones", () =>
    Effect.gen(function*() {
      const printed = yield* main(["hard-outage", "--duration", "300", "--config", "default", "--quiet", "--json", "-"])
      expect(JSON.parse(printed).scenario.name).toBe("hard-outage")
      const error = yield* Effect.flip(main(["hard-outrage"]))
      expect(error.message).toContain("got \"hard-outrage\"")
      expect(error.message).toContain("hard-outage, healthy")
    }))

  it.effect("a good run writes its files, and only those", () =>
    Effect.gen(function*() {
      const dir = tmp()
      const printed = yield* main([scenarioFile("partial-failure"), "--duration", "600", "--out", dir, "--config", "default"])
      expect(printed).toContain("scenario partial-failure")
      expect(fs.readdirSync(dir).sort()).toEqual(["partial-failure.json", "partial-failure.svg"])
      const json = JSON.parse(fs.readFileSync(path.join(dir, "partial-failure.json"), "utf8"))
      expect(json.configs[0].config).toBe("default")
    }))
})
