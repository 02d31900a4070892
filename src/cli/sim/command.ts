/**
 * `effect-breaker simulate <scenario>`: compare circuit-breaker settings on a
 * simulated scenario, deterministically.
 *
 *   effect-breaker simulate hard-outage --config default,aggressive --out sim-out
 *
 * Exit codes: 0 done, 2 bad input (the message names the file, field and value), 1 I/O failure.
 *
 * @internal
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Flags from "../flags.js"
import { type Args as SimArgs, main } from "./cli.js"
import { presets } from "./configs.js"
import * as Scenarios from "./scenarios.js"

const d = Options.withDescription
const opt = Options.optional

/** The simulator's flags and its one argument. @internal */
export const flags = {
  scenario: Args.text({ name: "scenario" }).pipe(
    Args.withDescription(`a scenario file, or a shipped scenario: ${Scenarios.names().join(", ")}`)
  ),
  config: Flags.parsed("config", "list", (flag, v) => {
    const items = v.split(",").map((s) => s.trim()).filter((s) => s !== "")
    return items.length === 0 ? Either.left(Flags.invalid(flag, v, "a list of presets or files")) : Either.right(items)
  }).pipe(
    d(`comma-separated presets (${Object.keys(presets).join(", ")}) and/or config files: a settings file (.json or .yaml, as BreakerRegistry.fromFile reads it; one config per breaker) or a JSON list of named configs. Default: all presets`),
    opt
  ),
  seed: Flags.integer("seed", Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, "an integer")
    .pipe(d("override the scenario's seed"), opt),
  duration: Flags.float("duration", "a number of seconds > 0", (n) => n > 0 && Number.isFinite(n), "seconds")
    .pipe(d("simulate only the first <duration> seconds"), opt),
  json: Flags.path("json", "file|-").pipe(d("write the JSON report (- for stdout)"), opt),
  svg: Flags.path("svg").pipe(d("write the SVG chart"), opt),
  out: Flags.directory("out").pipe(d("write <dir>/<scenario>.json and <dir>/<scenario>.svg"), opt),
  fallback: Options.boolean("fallback").pipe(d("callers fall back on any error (every config)")),
  quiet: Options.boolean("quiet").pipe(d("do not print the table")),
  engine: Flags.choice("engine", ["fast", "pure", "testclock"]).pipe(
    d("fast (default: the real breaker, fibers on a virtual clock), pure (the breaker's state machine alone, as tune runs it: the same figures ~100× faster) or testclock (reference; slow)"),
    opt
  )
}

/** What the flags parse to. @internal */
export type Parsed = Command.Command.ParseConfig<typeof flags>

/** The simulator's arguments from its flags. @internal */
export const toArgs = (f: Parsed): SimArgs => ({
  scenario: f.scenario,
  configs: Option.getOrElse(f.config, () => Object.keys(presets)),
  seed: Option.getOrUndefined(f.seed),
  durationS: Option.getOrUndefined(f.duration),
  json: Option.getOrUndefined(f.json),
  svg: Option.getOrUndefined(f.svg),
  out: Option.getOrUndefined(f.out),
  fallback: f.fallback,
  quiet: f.quiet,
  engine: Option.getOrElse(f.engine, () => "fast" as const)
})

/** A progress bar on stderr, when it is a terminal. */
const progressBar = (): ((config: string, fraction: number) => void) | undefined => {
  if (process.stderr.isTTY !== true) return undefined
  let lastDraw = 0
  return (config, fraction) => {
    const now = Date.now()
    if (fraction < 1 && now - lastDraw < 100) return
    lastDraw = now
    const width = 30
    const done = Math.round(fraction * width)
    process.stderr.write(
      `\r${config.padEnd(14).slice(0, 14)} [${"#".repeat(done)}${".".repeat(width - done)}] ${(fraction * 100).toFixed(0).padStart(3)}%`
    )
    if (fraction >= 1) process.stderr.write("\r\x1b[K")
  }
}

/** `effect-breaker simulate`. @internal */
export const command = Command.make("simulate", flags, (f) =>
  Effect.gen(function*() {
    const started = performance.now()
    const printed = yield* main(toArgs(f), progressBar())
    process.stdout.write(printed)
    if (process.stderr.isTTY === true) process.stderr.write(`done in ${((performance.now() - started) / 1000).toFixed(2)} s\n`)
  })).pipe(
    Command.withDescription("Replays a scenario against one or more breaker configurations, deterministically, and compares them.")
  )
