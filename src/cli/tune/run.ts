/**
 * `effect-breaker tune`: reads the scenarios, runs the search (in worker
 * threads when they can start, else in this thread), renders the frontier and
 * the pick, and writes the pick as a settings file.
 *
 * @internal
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { BreakerRegistry } from "../../index.js"
import { readText, writeAllAtomic } from "../report/files.js"
import * as Pure from "../sim/pureEngine.js"
import { formatMs, table as formatTable } from "../report/format.js"
import * as Scenario from "../sim/Scenario.js"
import { resolveScenario } from "../sim/scenarios.js"
import { SimInputError, type SimIoError } from "../sim/SimError.js"
import { workers } from "./pool.js"
import * as Search from "./search.js"
import * as Space from "./space.js"

/** @internal */
export interface Args {
  readonly scenarios: ReadonlyArray<string>
  readonly seed: number
  readonly budget: number
  readonly constraints: Search.Constraints
  readonly fallback: boolean
  readonly durationS: number | undefined
  /** Where to write the settings file; undefined: print it. */
  readonly out: string | undefined
  /** The breaker name in the settings file. */
  readonly name: string
  readonly workers: number | undefined
  readonly rows: number
}

/** @internal */
export interface Output {
  readonly result: Search.Result
  readonly text: string
  /** The settings file (JSON), or undefined when nothing met the constraints. */
  readonly settingsFile: string | undefined
}

const num = (n: number): string => (Number.isFinite(n) ? String(n) : "∞")
const ms = (n: number): string => (Number.isFinite(n) ? formatMs(n) : "never")

/** The settings file for a pick: the registry loads it as is (`BreakerRegistry.fromFile`). @internal */
export const settingsFile = (name: string, pick: Search.Candidate): string =>
  `${JSON.stringify({ breakers: { [name]: pick.settings } }, null, 2)}\n`

/** Name first, figures right-aligned, description last. */
const table = (rows: ReadonlyArray<ReadonlyArray<string>>): string =>
  formatTable(rows, { left: [0, rows[0]!.length - 1], rule: "dashes" })

const figureCells = (c: Search.Candidate): Array<string> => [
  num(c.figures.reached),
  ms(c.figures.recoverMs),
  num(c.figures.falseOpens),
  ms(c.figures.p99Ms),
  num(c.figures.errors),
  num(c.figures.missed)
]

/** The constraints as the flags that set them. @internal */
export const describeConstraints = (c: Search.Constraints): string =>
  [
    c.maxFalseOpens === undefined ? [] : [`--max-false-opens ${c.maxFalseOpens}`],
    c.maxRecoverMs === undefined ? [] : [`--max-recover ${c.maxRecoverMs / 1000}s`],
    c.maxReached === undefined ? [] : [`--max-reached ${c.maxReached}`],
    c.maxP99Ms === undefined ? [] : [`--max-p99 ${c.maxP99Ms}ms`],
    c.maxErrors === undefined ? [] : [`--max-errors ${c.maxErrors}`],
    c.maxDetectMs === undefined ? [] : [`--max-detect ${c.maxDetectMs / 1000}s`],
    [`--max-missed ${c.maxMissed ?? 0}`]
  ].flat().join(" ")

/** The report: the rate, the frontier and the pick. Pure. @internal */
export const render = (args: Args, scenarioNames: ReadonlyArray<string>, hours: number, r: Search.Result, workersUsed: number): string => {
  const header = [
    `tune: ${scenarioNames.join(", ")} (${hours} simulated h per candidate), seed ${args.seed}, budget ${args.budget}${
      args.fallback ? ", callers fall back" : ""
    }`,
    `evaluated ${r.evaluated.length} candidates: ${Math.round(r.simulatedHours)} simulated hours in ${
      (r.wallMs / 1000).toFixed(1)
    } s = ${r.rate.toFixed(1)} simulated hours per wall second (${workersUsed} ${
      workersUsed === 1 ? "thread" : "worker threads"
    }; ${r.cpuRate.toFixed(1)} per CPU second)`,
    ""
  ]
  const frontier = [...r.frontier].sort((a, b) => a.figures.reached - b.figures.reached || a.figures.recoverMs - b.figures.recoverMs)
  const shown = frontier.slice(0, args.rows)
  const rows = [
    ["candidate", "reached in outages", "recover mean", "false opens", "p99 in faults", "caller errors", "missed", "settings"],
    ...shown.map((c) => [`${c.name}${c === r.pick ? " *" : ""}`, ...figureCells(c), Space.describe(c.settings)])
  ]
  const lines = [
    ...header,
    `Pareto frontier: ${frontier.length} of ${r.evaluated.length} candidates (lower is better in every column${
      frontier.length > shown.length ? `; first ${shown.length} by requests into outages` : ""
    }):`,
    table(rows),
    "reached in outages: requests that reached the provider while it failed ≥50% of calls; recover mean: fault end → Closed;",
    "p99 in faults: callers' latency (answers, errors, fallbacks, retries) for requests made during faults, worst scenario.",
    ""
  ]
  const constraints = describeConstraints(args.constraints)
  if (r.pick === undefined) {
    lines.push(`no candidate meets ${constraints}: loosen a constraint or raise --budget`)
  } else {
    const p = r.pick
    lines.push(
      `pick: ${p.name} (meets ${constraints})`,
      `  requests into outages ${num(p.figures.reached)}, recover mean ${ms(p.figures.recoverMs)}, false opens ${
        num(p.figures.falseOpens)
      } of ${p.figures.opens} openings, p99 in faults ${ms(p.figures.p99Ms)}, caller errors ${num(p.figures.errors)}, slowest detection ${
        ms(p.figures.detectMaxMs)
      }`,
      `  ${Space.describe(p.settings)}`
    )
  }
  return lines.join("\n") + "\n"
}

/** The search itself failed (a worker died, an evaluation threw): exit code 1. @internal */
export class TuneError extends Data.TaggedError("TuneError")<{ readonly reason: string }> {
  override get message(): string {
    return `the search failed: ${this.reason}`
  }
}

const argError = (message: string): SimInputError => new SimInputError({ source: "arguments", issues: [{ path: "", message }] })

/**
 * The whole command but printing: read and check every scenario, search, render.
 *
 * @internal
 */
export const tune = (
  args: Args,
  onProgress?: (p: Search.Progress) => void
): Effect.Effect<Output & { readonly files: ReadonlyArray<readonly [string, string]> }, SimInputError | SimIoError | TuneError> =>
  Effect.gen(function*() {
    if (args.scenarios.length === 0) return yield* Effect.fail(argError("expected at least one scenario"))
    const inputs: Array<{ source: string; text: string; durationS: number | undefined }> = []
    const scenarios: Array<Scenario.Scenario> = []
    for (const s of args.scenarios) {
      const file = yield* resolveScenario(s)
      const text = yield* readText(file)
      let scenario = yield* Scenario.parse(file, text)
      if (args.durationS !== undefined) scenario = Scenario.truncate(scenario, args.durationS)
      inputs.push({ source: file, text, durationS: args.durationS })
      scenarios.push(scenario)
    }
    const hours = scenarios.reduce((acc, s) => acc + s.durationMs / 3_600_000, 0)
    // the presets are settings with every field set (BreakerRegistry.Preset): the tuner's own type
    const starts = BreakerRegistry.presetNames.map((name) => [name, BreakerRegistry.presets[name]] as const)
    const { evaluator, used } = yield* Effect.promise(async () => {
      if (args.workers !== 1) {
        try {
          const n = args.workers ?? undefined
          const e = await workers({ scenarios: inputs, seed: args.seed }, n)
          return { evaluator: e, used: n ?? (await import("node:os")).availableParallelism() }
        } catch {
          // Workers cannot start here (e.g. an unusual loader): search in this thread.
        }
      }
      return { evaluator: Search.inProcess(scenarios.map((s) => Pure.prepare(s, args.seed))), used: 1 }
    })
    // Interrupting the command (Ctrl-C) stops the search between batches and terminates the workers.
    const result = yield* Effect.tryPromise({
      try: (signal) =>
        Search.search({
          hoursPerRun: hours,
          evaluator,
          seed: args.seed,
          budget: args.budget,
          constraints: args.constraints,
          starts,
          fallback: args.fallback,
          onProgress,
          signal
        }).finally(() => evaluator.close()),
      catch: (e) => new TuneError({ reason: e instanceof Error ? e.message : String(e) })
    })
    const names = scenarios.map((s) => s.name)
    const text = render(args, names, hours, result, used)
    const file = result.pick === undefined ? undefined : settingsFile(args.name, result.pick)
    const files: Array<readonly [string, string]> = args.out !== undefined && file !== undefined ? [[args.out, file]] : []
    return { result, text, settingsFile: file, files }
  })

/** Runs `tune`, writes the settings file, returns what to print. @internal */
export const main = (
  args: Args,
  onProgress?: (p: Search.Progress) => void
): Effect.Effect<string, SimInputError | SimIoError | TuneError> =>
  Effect.gen(function*() {
    const out = yield* tune(args, onProgress)
    yield* writeAllAtomic(out.files)
    const tail = out.settingsFile === undefined
      ? ""
      : args.out === undefined
      ? `\nsettings (write them with --out <file>):\n${out.settingsFile}`
      : `\nwrote ${args.out}: BreakerRegistry.fromFile loads it; replay it with effect-breaker simulate <scenario> --config ${args.out}\n`
    return out.text + tail
  })
