/**
 * Typed `@effect/cli` options shared by the commands: numbers in a range,
 * durations (`200ms`, `1.5s`, `2m`), choices and paths. A bad value fails
 * parsing with a message naming the flag and the value, in the words of the
 * library's own `InvalidOptionError` (`Invalid option "--rps": got "abc",
 * expected a number from 0.1 to 1000`).
 *
 * @internal
 */
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
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

/** Parses a number in `[min, max]` (an integer when `integer`). @internal */
export const parseNumber = (
  flag: string,
  value: string | undefined,
  min: number,
  max: number,
  integer: boolean
): Either.Either<number, InvalidOptionError> => {
  const n = value === undefined || value.trim() === "" ? NaN : Number(value)
  const ok = Number.isFinite(n) && n >= min && n <= max && (!integer || Number.isInteger(n))
  return ok ? Either.right(n) : Either.left(invalid(flag, value, `${integer ? "an integer" : "a number"} from ${min} to ${max}`))
}

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

/** `--name N`: a number in a range. @internal */
export const number = (name: string, min: number, max: number): Options.Options<number> =>
  parsed(name, "number", (flag, v) => parseNumber(flag, v, min, max, false))

/** `--name N`: an integer in a range. @internal */
export const integer = (name: string, min: number, max: number): Options.Options<number> =>
  parsed(name, "integer", (flag, v) => parseNumber(flag, v, min, max, true))

/** `--name 200ms`: a duration in milliseconds, in a range. @internal */
export const duration = (name: string, min?: number, max?: number): Options.Options<number> =>
  parsed(name, "duration", (flag, v) => parseDuration(flag, v, min, max))

/** `--name a|b`: one of `choices`. @internal */
export const choice = <const C extends string>(name: string, choices: ReadonlyArray<C>): Options.Options<C> =>
  parsed(name, choices.join("|"), (flag, v) =>
    (choices as ReadonlyArray<string>).includes(v)
      ? Either.right(v as C)
      : Either.left(invalid(flag, v, choices.map((c) => JSON.stringify(c)).join(" or "))))

/** `--name PATH`: a non-empty path that does not look like a flag. @internal */
export const path = (name: string): Options.Options<string> =>
  parsed(name, "path", (flag, v) =>
    v.trim() === "" || v.startsWith("--") ? Either.left(invalid(flag, v, "a file path")) : Either.right(v))
