/**
 * The simulator's program: reads the inputs, checks all of them before running
 * anything, runs every configuration, renders the results and writes the
 * output files. Its flags are in `command.ts`.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as path from "node:path"
import { presets } from "./configs.js"
import * as Engine from "./engine.js"
import * as Pure from "./pureEngine.js"
import { readText, writeAllAtomic } from "../report/files.js"
import { summarize } from "./metrics.js"
import * as Report from "./report.js"
import * as Scenario from "./Scenario.js"
import { resolveScenario } from "./scenarios.js"
import * as SimConfig from "./SimConfig.js"
import { SimInputError, type SimIoError } from "./SimError.js"
import { toSvg } from "./svg.js"
import * as TestClockEngine from "./testClockEngine.js"

/** @internal */
export interface Args {
  /** A scenario file, or the name of a shipped scenario (`hard-outage`). */
  readonly scenario: string
  /** Preset names and config-file paths. */
  readonly configs: ReadonlyArray<string>
  readonly seed: number | undefined
  readonly durationS: number | undefined
  readonly json: string | undefined
  readonly svg: string | undefined
  readonly out: string | undefined
  readonly fallback: boolean
  readonly quiet: boolean
  readonly engine: "fast" | "pure" | "testclock"
}

const argError = (message: string): SimInputError => new SimInputError({ source: "arguments", issues: [{ path: "", message }] })

/** Resolves `--config` items to configurations: preset names, or JSON files. @internal */
export const loadConfigs = (items: ReadonlyArray<string>): Effect.Effect<Array<SimConfig.SimConfig>, SimInputError | SimIoError> =>
  Effect.map(
    Effect.forEach(items, (item) => {
      const preset = presets[item]
      if (preset !== undefined) return Effect.succeed([preset])
      if (!/\.(json|ya?ml)$/i.test(item)) {
        return Effect.fail(argError(`--config: unknown preset ${JSON.stringify(item)} (presets: ${Object.keys(presets).join(", ")}; files end in .json, .yaml or .yml)`))
      }
      return SimConfig.readFile(item)
    }),
    (lists) => lists.flat()
  ).pipe(
    Effect.flatMap((configs) => {
      const seen = new Set<string>()
      for (const c of configs) {
        if (seen.has(c.name)) return Effect.fail(argError(`--config: two configurations are named ${JSON.stringify(c.name)}`))
        seen.add(c.name)
      }
      return Effect.succeed(configs)
    })
  )

/** What a run produced, rendered. @internal */
export interface Output {
  readonly report: Report.Report
  readonly table: string
  readonly json: string
  readonly svg: string
  /** Files to write: written only after everything else succeeded. */
  readonly files: ReadonlyArray<readonly [string, string]>
}

/**
 * Reads and checks every input, then runs every configuration and renders the
 * results. Writes nothing: see {@link main}.
 *
 * @internal
 */
export const simulate = (
  args: Args,
  onProgress?: (config: string, fraction: number) => void
): Effect.Effect<Output, SimInputError | SimIoError> =>
  Effect.gen(function*() {
    const file = yield* resolveScenario(args.scenario)
    const text = yield* readText(file)
    let scenario = yield* Scenario.parse(file, text)
    if (args.durationS !== undefined) scenario = Scenario.truncate(scenario, args.durationS)
    const configs = (yield* loadConfigs(args.configs)).map((c) => (args.fallback ? { ...c, fallback: true } : c))
    const seed = args.seed ?? scenario.seed
    const reports = []
    const prepared = args.engine === "pure" ? Pure.prepare(scenario, seed) : undefined
    for (const config of configs) {
      const trace = yield* (prepared !== undefined
        ? Pure.run(prepared, config)
        : args.engine === "fast"
        ? Engine.run(scenario, config, { seed, onProgress: onProgress && ((f) => onProgress(config.name, f)) })
        : TestClockEngine.run(scenario, config, { seed })).pipe(
          Effect.mapError((e) => argError(`config ${JSON.stringify(config.name)}: ${e.message}`))
        )
      reports.push(summarize(scenario, config, trace))
    }
    const report = Report.make(scenario, seed, reports)
    const json = Report.toJson(report)
    const svg = toSvg(report)
    const files: Array<readonly [string, string]> = []
    if (args.out !== undefined) {
      files.push([path.join(args.out, `${scenario.name}.json`), json], [path.join(args.out, `${scenario.name}.svg`), svg])
    }
    if (args.json !== undefined && args.json !== "-") files.push([args.json, json])
    if (args.svg !== undefined) files.push([args.svg, svg])
    return { report, table: Report.toTable(report), json, svg, files }
  })

/**
 * The whole run: simulate, write the files atomically, and return what to
 * print on stdout.
 *
 * @internal
 */
export const main = (
  args: Args,
  onProgress?: (config: string, fraction: number) => void
): Effect.Effect<string, SimInputError | SimIoError> =>
  Effect.gen(function*() {
    const output = yield* simulate(args, onProgress)
    yield* writeAllAtomic(output.files)
    return (args.quiet ? "" : output.table) + (args.json === "-" ? output.json : "")
  })
