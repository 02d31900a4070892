/**
 * The simulator's command line: argument parsing (pure) and the program that
 * reads the inputs, checks all of them before running anything, runs every
 * configuration, renders the results and writes the output files.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as path from "node:path"
import { presets } from "./configs.js"
import * as Engine from "./engine.js"
import { readText, writeAllAtomic } from "./files.js"
import { summarize } from "./metrics.js"
import * as Report from "./report.js"
import * as Scenario from "./Scenario.js"
import * as SimConfig from "./SimConfig.js"
import { SimInputError, type SimIoError } from "./SimError.js"
import { toSvg } from "./svg.js"
import * as TestClockEngine from "./testClockEngine.js"

/** @internal */
export interface Args {
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
  readonly engine: "fast" | "testclock"
  readonly help: boolean
}

/** @internal */
export const usage = `Usage: simulate <scenario.json> [options]

Replays a scenario against one or more breaker configurations, deterministically,
and compares them.

Options:
  --config <list>    comma-separated presets (${Object.keys(presets).join(", ")}) and/or
                     config files (.json: one config or an array). Default: all presets
  --seed <n>         override the scenario's seed
  --duration <s>     simulate only the first <s> seconds
  --json <file|->    write the JSON report (- for stdout)
  --svg <file>       write the SVG chart
  --out <dir>        write <dir>/<scenario>.json and <dir>/<scenario>.svg
  --fallback         callers fall back on any error (every config)
  --quiet            do not print the table
  --engine <e>       fast (default) or testclock (reference; slow)
  --help             show this
`

const argError = (message: string): SimInputError => new SimInputError({ source: "arguments", issues: [{ path: "", message }] })

/** @internal */
export const parseArgs = (argv: ReadonlyArray<string>): Either.Either<Args, SimInputError> => {
  const positional: Array<string> = []
  let configs: Array<string> = Object.keys(presets)
  let seed: number | undefined
  let durationS: number | undefined
  let json: string | undefined
  let svg: string | undefined
  let out: string | undefined
  let fallback = false
  let quiet = false
  let help = false
  let engine: Args["engine"] = "fast"
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined]
    const value = (): string | undefined => inline ?? argv[++i]
    switch (flag) {
      case "--config": {
        const v = value()
        if (v === undefined || v.trim() === "") return Either.left(argError(`--config: expected a list of presets or files, got nothing`))
        configs = v.split(",").map((s) => s.trim()).filter((s) => s !== "")
        break
      }
      case "--seed": {
        const v = value()
        const n = Number(v)
        if (v === undefined || !Number.isInteger(n)) return Either.left(argError(`--seed: expected an integer, got ${JSON.stringify(v ?? null)}`))
        seed = n
        break
      }
      case "--duration": {
        const v = value()
        const n = Number(v)
        if (v === undefined || !(n > 0)) return Either.left(argError(`--duration: expected a number of seconds > 0, got ${JSON.stringify(v ?? null)}`))
        durationS = n
        break
      }
      case "--json":
      case "--svg":
      case "--out": {
        const v = value()
        if (v === undefined || v === "") return Either.left(argError(`${flag}: expected a path, got nothing`))
        if (flag === "--json") json = v
        else if (flag === "--svg") svg = v
        else out = v
        break
      }
      case "--engine": {
        const v = value()
        if (v !== "fast" && v !== "testclock") return Either.left(argError(`--engine: expected "fast" or "testclock", got ${JSON.stringify(v ?? null)}`))
        engine = v
        break
      }
      case "--fallback":
        fallback = true
        break
      case "--quiet":
        quiet = true
        break
      case "--help":
      case "-h":
        help = true
        break
      default:
        if (arg.startsWith("-") && arg !== "-") return Either.left(argError(`unknown option ${JSON.stringify(arg)}`))
        positional.push(arg)
    }
  }
  if (help) return Either.right({ scenario: "", configs, seed, durationS, json, svg, out, fallback, quiet, engine, help })
  if (positional.length !== 1) {
    return Either.left(argError(`expected exactly one scenario file, got ${positional.length === 0 ? "none" : positional.map((p) => JSON.stringify(p)).join(", ")}`))
  }
  return Either.right({ scenario: positional[0]!, configs, seed, durationS, json, svg, out, fallback, quiet, engine, help })
}

/** Resolves `--config` items to configurations: preset names, or JSON files. @internal */
export const loadConfigs = (items: ReadonlyArray<string>): Effect.Effect<Array<SimConfig.SimConfig>, SimInputError | SimIoError> =>
  Effect.map(
    Effect.forEach(items, (item) => {
      const preset = presets[item]
      if (preset !== undefined) return Effect.succeed([preset])
      if (!item.endsWith(".json")) {
        return Effect.fail(argError(`--config: unknown preset ${JSON.stringify(item)} (presets: ${Object.keys(presets).join(", ")}; files end in .json)`))
      }
      return Effect.flatMap(readText(item), (text) => SimConfig.parseFile(item, text))
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
    const text = yield* readText(args.scenario)
    let scenario = yield* Scenario.parse(args.scenario, text)
    if (args.durationS !== undefined) scenario = Scenario.truncate(scenario, args.durationS)
    const configs = (yield* loadConfigs(args.configs)).map((c) => (args.fallback ? { ...c, fallback: true } : c))
    const seed = args.seed ?? scenario.seed
    const reports = []
    for (const config of configs) {
      const trace = yield* (args.engine === "fast"
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
 * The whole command: parse, simulate, write the files atomically, and return
 * what to print on stdout.
 *
 * @internal
 */
export const main = (
  argv: ReadonlyArray<string>,
  onProgress?: (config: string, fraction: number) => void
): Effect.Effect<string, SimInputError | SimIoError> =>
  Effect.gen(function*() {
    const args = yield* parseArgs(argv)
    if (args.help) return usage
    const output = yield* simulate(args, onProgress)
    yield* writeAllAtomic(output.files)
    return (args.quiet ? "" : output.table) + (args.json === "-" ? output.json : "")
  })
