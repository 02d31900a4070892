/**
 * Option checks shared by the breaker and every combinator. Each check returns
 * the parsed value or throws an `Invalid` carrying an `InvalidOptionError` that
 * names the option by its path and shows the bad value; `validated` and
 * `validatedEither` turn that into a typed failure, so bad input is never a
 * defect. The throw never escapes those two.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { InvalidOptionError } from "./errors.js"
import { show as showValue } from "./settings/decode.js"

/** Renders a bad value for an error message without throwing on anything. @internal */
export const show: (value: unknown) => string = showValue

class Invalid {
  constructor(readonly error: InvalidOptionError) {}
}

/** @internal */
export const invalid = (option: string, value: unknown, expected: string): never => {
  throw new Invalid(new InvalidOptionError({ option, value: show(value), expected }))
}

/** Runs `f` (which may call the checks below): its result, or the first bad option. @internal */
export const validatedEither = <A>(f: () => A): Either.Either<A, InvalidOptionError> => {
  try {
    return Either.right(f())
  } catch (e) {
    if (e instanceof Invalid) return Either.left(e.error)
    throw e
  }
}

/** Runs `f` (which may call the checks below) and fails with the first bad option. @internal */
export const validated = <A>(f: () => A): Effect.Effect<A, InvalidOptionError> =>
  Effect.suspend(() => {
    try {
      return Effect.succeed(f())
    } catch (e) {
      if (e instanceof Invalid) return Effect.fail(e.error)
      return Effect.die(e)
    }
  })

/** @internal */
export const object = (path: string, value: unknown): void => {
  if (typeof value !== "object" || value === null) invalid(path, value, "an object")
}

/** @internal */
export const integer = (path: string, value: unknown, min: number, max: number, fallback: number): number => {
  if (value === undefined) return fallback
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    invalid(path, value, `an integer from ${min} to ${max}`)
  }
  return value as number
}

/** A number in `[min, max]` (inclusive). @internal */
export const number = (path: string, value: unknown, min: number, max: number, fallback: number): number => {
  if (value === undefined) return fallback
  if (typeof value !== "number" || !(value >= min && value <= max)) {
    invalid(path, value, `a number from ${min} to ${max}`)
  }
  return value as number
}

/** A fraction in (0, 1]. @internal */
export const fraction = (path: string, value: unknown): number => {
  if (typeof value !== "number" || !(value > 0 && value <= 1)) {
    invalid(path, value, "a number in (0, 1]")
  }
  return value as number
}

const isNegativeInput = (input: unknown): boolean =>
  (typeof input === "number" && (input < 0 || Number.isNaN(input))) ||
  (typeof input === "bigint" && input < 0n) ||
  (typeof input === "string" && input.trimStart().startsWith("-")) ||
  (Array.isArray(input) && input.some((n) => typeof n !== "number" || n < 0 || Number.isNaN(n)))

/**
 * A duration option in millis. Must not be negative; zero only when `allowZero`;
 * infinite only when `allowInfinite`.
 *
 * @internal
 */
export const millis = (
  path: string,
  value: unknown,
  fallback: number,
  flags: { readonly allowZero?: boolean; readonly allowInfinite?: boolean } = {}
): number => {
  if (value === undefined) return fallback
  const decoded = isNegativeInput(value) ? undefined : Duration.decodeUnknown(value)
  const expected = `a${flags.allowInfinite ? "" : " finite"} duration${
    flags.allowZero ? "" : " greater than zero"
  } such as 500, "2 seconds" or Duration.seconds(2)`
  if (decoded === undefined || decoded._tag === "None") return invalid(path, value, expected)
  const ms = Duration.toMillis(decoded.value)
  if ((!flags.allowInfinite && !Number.isFinite(ms)) || (!flags.allowZero && ms <= 0) || Number.isNaN(ms)) {
    invalid(path, value, expected)
  }
  return ms
}

/** @internal */
export const func = <F>(path: string, value: unknown, expected: string): F | undefined => {
  if (value !== undefined && typeof value !== "function") invalid(path, value, expected)
  return value as F | undefined
}

/** @internal */
export const nonEmptyString = (path: string, value: unknown, fallback?: string): string => {
  if (value === undefined && fallback !== undefined) return fallback
  if (typeof value !== "string" || value.length === 0 || value.length > 200) {
    invalid(path, value, "a non-empty string of at most 200 characters")
  }
  return value as string
}
