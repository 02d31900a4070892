/**
 * `effect-breaker tune <scenario...>`: search breaker settings against one or
 * more scenarios, print the Pareto frontier, and write the pick (under the
 * constraints given) as a settings file.
 *
 *   effect-breaker tune hard-outage brownout flapping --max-false-opens 0 --max-recover 30s --out tuned.json
 *
 * Exit codes: 0 done, 2 bad input, 1 failure.
 *
 * @internal
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Flags from "../flags.js"
import * as Scenarios from "../sim/scenarios.js"
import { type Args as TuneArgs, main } from "./run.js"
import type { Progress } from "./search.js"

const d = Options.withDescription
const opt = Options.optional

/** @internal */
export const flags = {
  scenarios: Args.text({ name: "scenario" }).pipe(
    Args.atLeast(1),
    Args.withDescription(`scenario files, or shipped scenarios: ${Scenarios.names().join(", ")}`)
  ),
  seed: Flags.integer("seed", -2147483648, 2147483647).pipe(d("the search's seed (default 1): the same seed, the same result"), opt),
  budget: Flags.integer("budget", 1, 100_000).pipe(d("how many candidate settings to evaluate (default 200)"), opt),
  maxFalseOpens: Flags.integer("max-false-opens", 0, 1_000_000).pipe(d("at most this many false openings (over all scenarios)"), opt),
  maxRecover: Flags.duration("max-recover", 0, 3_600_000).pipe(d("mean time from a fault's end to Closed at most this, like 30s"), opt),
  maxReached: Flags.integer("max-reached", 0, 1_000_000_000).pipe(d("at most this many requests reaching the provider during outages (windows failing ≥50%)"), opt),
  maxP99: Flags.duration("max-p99", 0, 3_600_000).pipe(d("callers' p99 latency during faults at most this, like 200ms"), opt),
  maxErrors: Flags.integer("max-errors", 0, 1_000_000_000).pipe(d("at most this many errors seen by callers"), opt),
  maxMissed: Flags.integer("max-missed", 0, 1_000_000).pipe(d("at most this many faults never detected (default 0)"), opt),
  maxDetect: Flags.duration("max-detect", 0, 3_600_000).pipe(d("every fault detected within this, like 60s"), opt),
  fallback: Options.boolean("fallback").pipe(d("callers fall back on any error (then caller errors are 0)")),
  duration: Flags.number("duration", 1, 30 * 86_400).pipe(d("use only the first <duration> seconds of each scenario"), opt),
  out: Flags.path("out").pipe(d("write the pick as a settings file (JSON; the registry loads it as is)"), opt),
  name: Options.text("name").pipe(d("the breaker's name in the settings file (default \"tuned\")"), opt),
  workers: Flags.integer("workers", 1, 64).pipe(d("worker threads (default: one per core; 1 searches in this thread)"), opt),
  rows: Flags.integer("rows", 1, 1000).pipe(d("frontier rows to print (default 12)"), opt)
}

/** @internal */
export type Parsed = Command.Command.ParseConfig<typeof flags>

/** @internal */
export const toArgs = (f: Parsed): TuneArgs => ({
  scenarios: f.scenarios,
  seed: Option.getOrElse(f.seed, () => 1),
  budget: Option.getOrElse(f.budget, () => 200),
  constraints: {
    maxFalseOpens: Option.getOrUndefined(f.maxFalseOpens),
    maxRecoverMs: Option.getOrUndefined(f.maxRecover),
    maxReached: Option.getOrUndefined(f.maxReached),
    maxP99Ms: Option.getOrUndefined(f.maxP99),
    maxErrors: Option.getOrUndefined(f.maxErrors),
    maxMissed: Option.getOrUndefined(f.maxMissed),
    maxDetectMs: Option.getOrUndefined(f.maxDetect)
  },
  fallback: f.fallback,
  durationS: Option.getOrUndefined(f.duration),
  out: Option.getOrUndefined(f.out),
  name: Option.getOrElse(f.name, () => "tuned"),
  workers: Option.getOrUndefined(f.workers),
  rows: Option.getOrElse(f.rows, () => 12)
})

/** Progress on stderr: candidates done and the rate, redrawn on a terminal, a line every 25% otherwise. */
const progress = (): ((p: Progress) => void) => {
  const tty = process.stderr.isTTY === true
  let lastQuarter = 0
  return (p) => {
    const rate = p.simulatedHours / Math.max(1e-9, p.wallMs / 1000)
    const line = `tune: ${p.evaluated}/${p.budget} candidates, ${Math.round(p.simulatedHours)} simulated h, ${rate.toFixed(1)} h/s`
    if (tty) {
      process.stderr.write(`\r${line}\x1b[K`)
      if (p.evaluated >= p.budget) process.stderr.write("\r\x1b[K")
    } else {
      const quarter = Math.floor((4 * p.evaluated) / p.budget)
      if (quarter > lastQuarter) {
        lastQuarter = quarter
        process.stderr.write(`${line}\n`)
      }
    }
  }
}

/** `effect-breaker tune`. @internal */
export const command = Command.make("tune", flags, (f) =>
  Effect.gen(function*() {
    const printed = yield* main(toArgs(f), progress())
    process.stdout.write(printed)
  })).pipe(
    Command.withDescription(
      "Searches breaker settings against scenarios (deterministic for a seed), prints the Pareto frontier and writes the pick under your constraints as a settings file."
    )
  )
