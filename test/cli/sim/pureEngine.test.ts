import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { presets } from "../../../src/cli/sim/configs.js"
import * as Engine from "../../../src/cli/sim/engine.js"
import { summarize } from "../../../src/cli/sim/metrics.js"
import * as Pure from "../../../src/cli/sim/pureEngine.js"
import * as Scenario from "../../../src/cli/sim/Scenario.js"
import { simulate } from "../../../src/cli/sim/cli.js"

const scenarioFile = (name: string) => path.join(import.meta.dirname, "../../../scenarios", `${name}.json`)
const load = (name: string, seconds: number) =>
  Scenario.truncate(Either.getOrThrow(Scenario.parse(name, fs.readFileSync(scenarioFile(name), "utf8"))), seconds)

/** Retries, fallbacks with a latency, streamed answers of modelled lengths, slow calls and a short outage. */
const busy = Either.getOrThrow(Scenario.parse("busy", JSON.stringify({
  name: "busy",
  durationSeconds: 900,
  traffic: { rps: 15, stream: true },
  caller: { retries: 2, retryDelayMs: 250, fallbackMs: 40 },
  provider: {
    errorRate: 0.02,
    errors: { server: 0.5, timeout: 0.2, overloaded: 0.3 },
    retryAfterSeconds: 3,
    latency: { dist: "tokens", firstTokenMs: 300, perTokenMs: 12 },
    outputTokens: { median: 200, p99: 1500 },
    errorLatency: { dist: "uniform", minMs: 0, maxMs: 200 }
  },
  outages: [
    { label: "down", start: 200, end: 320, errorRate: 1, errors: { server: 1 } },
    { label: "slow", start: 500, end: 700, errorRate: 0.01, slow: { fraction: 0.7, factor: 6 } }
  ]
})))

describe("the pure engine", () => {
  const cases: Array<readonly [string, Scenario.Scenario]> = [
    ["hard-outage", load("hard-outage", 2000)],
    ["flapping", load("flapping", 1500)],
    ["rate-limit-storm", load("rate-limit-storm", 2000)],
    ["busy", busy]
  ]
  for (const [name, scenario] of cases) {
    it.effect(`${name}: gives the fiber engine's trace for every preset, with and without a fallback`, () =>
      Effect.gen(function*() {
        const prepared = Pure.prepare(scenario)
        for (const preset of Object.values(presets)) {
          for (const config of [preset, { ...preset, fallback: true }]) {
            const fast = summarize(scenario, config, Either.getOrThrow(Pure.run(prepared, config)))
            const fibers = summarize(scenario, config, yield* Engine.run(scenario, config))
            expect(fast).toEqual(fibers)
          }
        }
      }), 60_000)
  }

  it("retries, fallbacks and latency are all in the caller's figures", () => {
    const config = { ...presets["default"]!, fallback: true }
    const r = summarize(busy, config, Either.getOrThrow(Pure.run(Pure.prepare(busy), config)))
    expect(r.retries).toBeGreaterThan(0)
    expect(r.callerErrors).toBe(0)
    expect(r.fallbacks).toBeGreaterThan(0)
    expect(r.latencyP50Ms).toBeGreaterThan(300)
    expect(r.faultLatencyP99Ms).not.toBeNull()
    expect(r.succeeded + r.failed + r.ignored + r.rejected).toBe(r.requests)
  })
})

describe("simulate --engine pure", () => {
  it.effect("prints the same report as the fiber engine", () =>
    Effect.gen(function*() {
      const args = {
        scenario: scenarioFile("flapping"),
        configs: ["default", "aggressive", "lenient"],
        seed: undefined,
        durationS: 1500,
        json: undefined,
        svg: undefined,
        out: undefined,
        fallback: false,
        quiet: true,
        engine: "fast" as const
      }
      const fibers = yield* simulate(args)
      const pure = yield* simulate({ ...args, engine: "pure" })
      expect(pure.json).toBe(fibers.json)
      expect(pure.table).toBe(fibers.table)
    }), 60_000)
})
