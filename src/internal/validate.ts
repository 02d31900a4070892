/**
 * Option checks shared by the breaker and every combinator, on the settings
 * Schema's mechanism (`settings/decode.ts`): each check decodes with a Schema and
 * returns the value or throws an `Invalid` carrying an `InvalidOptionError` that
 * names the option by its path and shows the bad value; `validated` and
 * `validatedEither` turn that into a typed failure, so bad input is never a
 * defect. The throw never escapes those two.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { InvalidOptionError } from "./errors.js"
import { decodeProblem, formatPath, show as showValue } from "./settings/decode.js"
import * as S from "./settings/schema.js"

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
    // reading an option threw (a getter, a Proxy): a bad value, not a defect
    return Either.left(
      new InvalidOptionError({
        option: "options",
        value: "(a value that throws when read)",
        expected: "options that can be read (reading them threw: a throwing getter or Proxy)"
      })
    )
  }
}

/** Runs `f` (which may call the checks below) and fails with the first bad option. @internal */
export const validated = <A>(f: () => A): Effect.Effect<A, InvalidOptionError> =>
  Effect.suspend(() => validatedEither(f))

const memo = new Map<string, Schema.Schema<any, any>>()
const cached = <A>(key: string, make: () => Schema.Schema<A, any>): Schema.Schema<A, any> => {
  let schema = memo.get(key)
  if (schema === undefined) memo.set(key, schema = make())
  return schema
}

/**
 * Decodes `value` with `schema`, reporting a problem at `path` (plus the path
 * inside the value). Every check below goes through here: the settings Schema's
 * mechanism is the one used for every option in the library.
 *
 * @internal
 */
export const schema = <A, I>(path: string, s: Schema.Schema<A, I>, value: unknown): A => {
  const result = decodeProblem(s, value)
  if (Either.isLeft(result)) {
    throw new Invalid(
      new InvalidOptionError({
        option: formatPath(result.left.path, path),
        value: result.left.value,
        expected: result.left.expected
      })
    )
  }
  return result.right
}

const anObject = S.expecting(
  Schema.declare((u): u is object => typeof u === "object" && u !== null && !Array.isArray(u)),
  "an object"
)

/** @internal */
export const object = (path: string, value: unknown): void => {
  schema(path, anObject, value)
}

/** @internal */
export const integer = (path: string, value: unknown, min: number, max: number, fallback: number): number =>
  value === undefined ? fallback : schema(path, cached(`int ${min} ${max}`, () => S.int(min, max)), value)

/** A number in `[min, max]` (inclusive). @internal */
export const number = (path: string, value: unknown, min: number, max: number, fallback: number): number =>
  value === undefined ? fallback : schema(path, cached(`number ${min} ${max}`, () => S.between(min, max)), value)

const millisSchema = (allowZero: boolean, allowInfinite: boolean): Schema.Schema<number, any> =>
  cached(`millis ${allowZero} ${allowInfinite}`, () =>
    S.expecting(
      Schema.declare((u): u is unknown => {
        const ms = S.toMillis(u)
        return ms !== undefined && (allowInfinite || Number.isFinite(ms)) && (allowZero ? ms >= 0 : ms > 0)
      }),
      `a${allowInfinite ? "" : " finite"} duration${allowZero ? "" : " greater than zero"} such as 500, "2 seconds" or Duration.seconds(2)`
    ).pipe(Schema.transform(Schema.Number, { strict: false, decode: (u) => S.toMillis(u)!, encode: (n) => n }))
  )

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
): number =>
  value === undefined
    ? fallback
    : schema(path, millisSchema(flags.allowZero ?? false, flags.allowInfinite ?? false), value)

/** @internal */
export const func = <F>(path: string, value: unknown, expected: string): F | undefined =>
  value === undefined ? undefined : schema(path, cached(`func ${expected}`, () => S.func<F>(expected)), value)

const nameSchema = S.expecting(
  Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200)),
  "a non-empty string of at most 200 characters"
)

/** @internal */
export const nonEmptyString = (path: string, value: unknown, fallback?: string): string =>
  value === undefined && fallback !== undefined ? fallback : schema(path, nameSchema, value)
