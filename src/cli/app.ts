/**
 * The `effect-breaker` command line: one root command and its subcommands,
 * built on `@effect/cli` (`--help` on every command, typed flags whose errors
 * name the flag and the value, `--completions bash|zsh|fish|sh`, `--version`).
 *
 * To add a subcommand (e.g. `tune`): write `src/cli/<name>/command.ts`
 * exporting `command`, and add it to `subcommands` below.
 *
 * Exit codes: 0 done, 1 failed, 2 bad flag, argument or input file.
 *
 * @internal
 */
import { scrubShapes } from "../internal/secrets.js"
import * as Command from "@effect/cli/Command"
import * as ValidationError from "@effect/cli/ValidationError"
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import type * as Terminal from "@effect/platform/Terminal"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Drill from "./drill/command.js"
import * as Flags from "./flags.js"
import { manifest } from "./peers.js"
import * as Simulate from "./sim/command.js"
import * as Tune from "./tune/command.js"

/** Every subcommand, in the order `--help` lists them. @internal */
export const subcommands = [Simulate.command, Tune.command, Drill.command] as const

/** @internal */
export const root = Command.make("effect-breaker").pipe(
  Command.withDescription("Circuit breakers for Effect: simulate settings on scenarios, tune them, drill an outage against fake providers."),
  Command.withSubcommands(subcommands)
)

/** Errors that are the user's input (exit code 2) rather than a failure of the run (exit code 1). */
const USAGE_ERRORS: ReadonlySet<string> = new Set([
  "InvalidOptionError",
  "SimInputError",
  "RegistryConfigError"
])

const messageOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error && typeof error.message === "string"
    ? error.message
    : String(error)

/**
 * How a command's end becomes the process's: a failure is printed on stderr
 * (exit code 2 for the user's input, 1 otherwise); a defect (a bug) is printed
 * too, as `runMain` runs with `disableErrorReporting` and would otherwise end the
 * process with exit code 1 and no word on stderr (a CI failure nobody can
 * diagnose), credentials in URLs (`redis://:pw@host`) masked. Interruption
 * (Ctrl-C) is left to `runMain`.
 *
 * @internal
 */
export const reportErrors = <R>(self: Effect.Effect<void, unknown, R>): Effect.Effect<void, never, R> =>
  self.pipe(
    Effect.catchAll((error: unknown) => {
      if (ValidationError.isValidationError(error)) return Effect.sync(() => void (process.exitCode = 2))
      const tag = typeof error === "object" && error !== null && "_tag" in error ? String(error._tag) : ""
      return Effect.zipRight(
        Console.error(`effect-breaker: ${masked(messageOf(error))}`),
        Effect.sync(() => void (process.exitCode = USAGE_ERRORS.has(tag) ? 2 : 1))
      )
    }),
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause) ? Effect.failCause(cause) : Effect.zipRight(
        Console.error(`effect-breaker: unexpected error (a bug, please report it):\n${masked(Cause.pretty(cause))}`),
        Effect.sync(() => void (process.exitCode = 1))
      )
    )
  )

/**
 * Runs the command line on `argv` (as `process.argv`: node and the script
 * first). Never fails: an error is printed on stderr and sets `process.exitCode`
 * ({@link reportErrors}). Parse errors are printed by `@effect/cli` itself.
 *
 * @internal
 */
export const run = (
  argv: ReadonlyArray<string>
): Effect.Effect<void, never, CommandExecutor.CommandExecutor | FileSystem.FileSystem | Path.Path | Terminal.Terminal> =>
  reportErrors(
    Command.run(root, { name: "effect-breaker", version: manifest.version ?? "unknown" })(argv).pipe(Flags.namingFlags(argv))
  )

/** `scheme://user:password@host` → `scheme://<redacted>@host` (the library's spelling of a hidden value). */
const maskUrls = (text: string): string => text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^@\s/]*@/gi, "$1<redacted>@")

/** What the CLI prints of an error: URL credentials masked, credential query values and key shapes scrubbed. */
const masked = (text: string): string => scrubShapes(maskUrls(text))
