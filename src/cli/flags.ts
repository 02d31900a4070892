/**
 * Typed `@effect/cli` options shared by the commands: numbers in a range,
 * durations (`200ms`, `1.5s`, `2m`), choices and paths. A bad value fails
 * parsing with a message naming the flag and the value, in the words of the
 * library's own `InvalidOptionError` (`Invalid option "--rps": got "abc",
 * expected a number from 0.1 to 1000`).
 *
 * Numbers, choices and paths are built on `@effect/cli`'s own primitives
 * (`Options.float`, `integer`, `choice`, `file`, `directory`), so `--help` says
 * what each takes ("An integer.", "One of the following: hang, 503", "A
 * file."); a value the primitive refuses is reported by `@effect/cli` without
 * the flag's name (`'abc' is not a float`), so {@link namingFlags} rewrites
 * those few messages into ours. Durations and other text are parsed from
 * `Options.text` (its help line reads "A user-defined piece of text.": there
 * is no other primitive for them).
 *
 * @internal
 */
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import type * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { InvalidOptionError } from "../index.js"

/** The error a bad flag value gives, as data. @internal */
export const invalid = (flag: string, value: string | undefined, expected: string): InvalidOptionError =>
  new InvalidOptionError({ option: flag, value: value === undefined ? "nothing" : JSON.stringify(value), expected })

/** The same error as `@effect/cli` reports it (printed before the usage, exit code 2). @internal */
export const toValidationError = (e: InvalidOptionError): ValidationError.ValidationError =>
  ValidationError.invalidValue(HelpDoc.p(e.message))

/** An option whose text is checked by `parse` (a `Left` names the flag and the value). @internal */
export const parsed = <A>(
  name: string,
  pseudo: string,
  parse: (flag: string, value: string) => Either.Either<A, InvalidOptionError>
): Options.Options<A> =>
  Options.text(name).pipe(
    Options.withPseudoName(pseudo),
    Options.mapEffect((value) =>
      Either.match(parse(`--${name}`, value), {
        onLeft: (e) => Effect.fail(toValidationError(e)),
        onRight: Effect.succeed
      })
    )
  )

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m)$/

/**
 * Parses a duration flag value into milliseconds: `200ms`, `1.5s`, `2m`.
 *
 * @internal
 */
export const parseDuration = (
  flag: string,
  value: string | undefined,
  min = 1,
  max = 3_600_000
): Either.Either<number, InvalidOptionError> => {
  const m = value === undefined ? null : DURATION.exec(value.trim())
  const expected = `a duration from ${min}ms to ${max / 60_000}m, like 6s or 200ms`
  if (m === null) return Either.left(invalid(flag, value, expected))
  const ms = Number(m[1]) * (m[2] === "ms" ? 1 : m[2] === "s" ? 1_000 : 60_000)
  return ms >= min && ms <= max ? Either.right(Math.round(ms)) : Either.left(invalid(flag, value, expected))
}

/** What a primitive refuses before our check runs, by flag: to name the flag in `@effect/cli`'s message. */
type Kind = "float" | "integer" | "choice" | "file" | "directory"
const typed: Array<{ readonly flag: string; readonly kind: Kind; readonly expected: string }> = []

/** Checks a value the primitive parsed (`show`: the value as the error shows it). */
const checked = <A>(
  option: Options.Options<A>,
  flag: string,
  kind: Kind,
  expected: string,
  ok: (a: A) => boolean,
  show: (a: A) => string
): Options.Options<A> => {
  typed.push({ flag, kind, expected })
  return Options.mapEffect(option, (a) => ok(a) ? Effect.succeed(a) : Effect.fail(toValidationError(invalid(flag, show(a), expected))))
}

/** `--name N`: a number (`Options.float`) for which `ok` holds, else an error saying `expected`. @internal */
export const float = (name: string, expected: string, ok: (n: number) => boolean, pseudo = "number"): Options.Options<number> =>
  checked(Options.float(name).pipe(Options.withPseudoName(pseudo)), `--${name}`, "float", expected, ok, String)

/** `--name N`: a number in `[min, max]`. @internal */
export const number = (name: string, min: number, max: number): Options.Options<number> =>
  float(name, `a number from ${min} to ${max}`, (n) => Number.isFinite(n) && n >= min && n <= max)

/** `--name N`: an integer in `[min, max]` (`Options.integer`); `expected` says what it takes. @internal */
export const integer = (
  name: string,
  min: number,
  max: number,
  expected = `an integer from ${min} to ${max}`
): Options.Options<number> =>
  checked(Options.integer(name), `--${name}`, "integer", expected, (n) => n >= min && n <= max, String)

/** `--name 200ms`: a duration in milliseconds, in a range. @internal */
export const duration = (name: string, min?: number, max?: number): Options.Options<number> =>
  parsed(name, "duration", (flag, v) => parseDuration(flag, v, min, max))

/** `--name a|b`: one of `choices` (`Options.choice`). @internal */
export const choice = <const C extends string>(name: string, choices: ReadonlyArray<C>): Options.Options<C> =>
  checked(Options.choice(name, choices), `--${name}`, "choice", choices.map((c) => JSON.stringify(c)).join(" or "), () => true, String)

const pathOk = (v: string) => v.trim() !== "" && !v.startsWith("--")

/** `--name PATH`: a file path (`Options.file`: not an existing directory), non-empty, not a flag. @internal */
export const path = (name: string, pseudo?: string): Options.Options<string> =>
  checked(
    pseudo === undefined ? Options.file(name) : Options.file(name).pipe(Options.withPseudoName(pseudo)),
    `--${name}`,
    "file",
    "a file path (not a directory)",
    pathOk,
    (v) => v
  )

/** `--name DIR`: a directory path (`Options.directory`: not an existing file), non-empty, not a flag. @internal */
export const directory = (name: string): Options.Options<string> =>
  checked(Options.directory(name), `--${name}`, "directory", "a directory path (not a file)", pathOk, (v) => v)

/** The (flag, value) pairs of a command line: `--flag value` and `--flag=value`. */
const pairs = (argv: ReadonlyArray<string>): Array<readonly [string, string]> => {
  const out: Array<readonly [string, string]> = []
  argv.forEach((token, i) => {
    if (!token.startsWith("--")) return
    const eq = token.indexOf("=")
    if (eq > 2) out.push([token.slice(0, eq).toLowerCase(), token.slice(eq + 1)])
    else if (i + 1 < argv.length) out.push([token.toLowerCase(), argv[i + 1]!])
  })
  return out
}

/**
 * `@effect/cli`'s message for a value one of our flags' primitives refused,
 * which names the value but not the flag, rewritten as ours (the flag found
 * on the command line by its kind and value). Any other message is returned
 * as it is.
 *
 * @internal
 */
export const nameTheFlag = (message: string, argv: ReadonlyArray<string>): string => {
  const text = message.trim()
  const given = pairs(argv)
  const rewrite = (kind: Kind, matches: (value: string, expected: string) => boolean, generic: string): string | undefined => {
    for (const [flag, value] of given) {
      const entries = typed.filter((t) => t.flag === flag && t.kind === kind && matches(value, t.expected))
      if (entries.length === 0) continue
      // a flag name two commands type differently: say what both accept
      const expected = entries.every((t) => t.expected === entries[0]!.expected) ? entries[0]!.expected : generic
      return invalid(flag, value, expected).message
    }
    return undefined
  }
  let out: string | undefined
  let m: RegExpExecArray | null
  if ((m = /^'([\s\S]*)' is not a (float|integer)$/.exec(text)) !== null) {
    const value = m[1] ?? ""
    const kind = m[2] === "float" ? "float" : "integer"
    out = rewrite(kind, (v) => v === value, kind === "float" ? "a number" : "an integer")
  } else if ((m = /^Expected one of the following cases: (.*)$/.exec(text)) !== null) {
    const choices = m[1]!.split(", ")
    const expected = choices.map((c) => JSON.stringify(c)).join(" or ")
    out = rewrite("choice", (v, e) => e === expected && !choices.includes(v), expected)
  } else if ((m = /^Expected path '([\s\S]*)' to be a (regular file|directory)$/.exec(text)) !== null) {
    const value = m[1] ?? ""
    const kind = m[2] === "directory" ? "directory" : "file"
    out = rewrite(kind, (v) => v === value, kind === "file" ? "a file path (not a directory)" : "a directory path (not a file)")
  }
  return out === undefined ? message : message.replace(text, out)
}

/**
 * Runs a command line (`Command.run(...)(argv)`) with `@effect/cli`'s messages
 * for a value our flags' primitives refused naming the flag ({@link nameTheFlag}).
 *
 * @internal
 */
export const namingFlags = (argv: ReadonlyArray<string>) => <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(Effect.console, (console) =>
    Effect.withConsole(self, {
      ...console,
      error: (...args: ReadonlyArray<unknown>) =>
        console.error(...args.map((a) => typeof a === "string" ? nameTheFlag(a, argv) : a))
    } as Console.Console))
