/**
 * Option Schemas for the library's entry points (layers, constructors,
 * combinators), built from the same pieces as the settings Schema, and
 * {@link check}, which every entry point runs once, when it is built: a bad
 * argument is a typed `InvalidOptionError` naming the option path and the
 * value, never a defect or a synchronous throw, and nothing is checked per call.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { InvalidOptionError } from "../errors.js"
import { REDACTED } from "../secrets.js"
import { decode } from "./decode.js"
import * as S from "./schema.js"

/**
 * Checks `value` with `schema` (unknown keys ignored: TypeScript checks them),
 * as an Effect, at construction.
 *
 * @internal
 */
export const check = <A, I>(schema: Schema.Schema<A, I>, value: unknown, prefix?: string): Effect.Effect<A, InvalidOptionError> =>
  Effect.suspend(() => decode(schema, value, { prefix }))

/**
 * As {@link check}, for options that hold secrets: the value of a bad option
 * named in `secret` (or inside one: `headers.authorization`), or of the whole
 * options when they are not an object, is not shown, only what was expected. A key passed as a plain string, the very mistake the check
 * catches, must not reach an error message or a log line. With a `prefix`,
 * option paths (and the `secret` names) start with it (`redis.url`).
 *
 * @internal
 */
export const checkSecret = <A, I>(
  schema: Schema.Schema<A, I>,
  value: unknown,
  secret: ReadonlyArray<string>,
  prefix?: string
): Effect.Effect<A, InvalidOptionError> => {
  const names = prefix === undefined ? secret : secret.map((name) => `${prefix}.${name}`)
  return Effect.mapError(check(schema, value, prefix), (e) =>
    // the whole options given as something else (a URL or a key string where the object belongs) is not shown either
    e.option === (prefix ?? "options") ||
      names.some((name) => e.option === name || e.option.startsWith(`${name}.`) || e.option.startsWith(`${name}[`))
      ? new InvalidOptionError({ option: e.option, value: REDACTED, expected: e.expected })
      : e)
}

/** As {@link check}, as an Either (for synchronous constructors). @internal */
export const checkEither = <A, I>(schema: Schema.Schema<A, I>, value: unknown, prefix?: string): Either.Either<A, InvalidOptionError> =>
  decode(schema, value, { prefix })

/** An options object (any object; its fields are checked by the struct it is combined with). @internal */
export const options = <F extends Schema.Struct.Fields>(fields: F) =>
  S.expecting(Schema.Struct(fields), "an options object").annotations({ message: () => "an options object" })

/** A TCP port: an integer from 0 (any free port) to 65535. @internal */
export const port: Schema.Schema<number> = S.expecting(Schema.Int.pipe(Schema.between(0, 65535)), "an integer port from 0 (any free port) to 65535")

/** A `Redacted` string of at least `min` characters (the value is never shown). @internal */
export const redactedString = (min: number): Schema.Schema<Redacted.Redacted<string>> =>
  S.expecting(
    Schema.declare((u): u is Redacted.Redacted<string> => {
      if (!Redacted.isRedacted(u)) return false
      const v = Redacted.value(u)
      return typeof v === "string" && v.trim().length >= min
    }),
    `a Redacted string of at least ${min} characters (Redacted.make(...), Config.redacted(...))`
  )

/** A `Redacted` string, such as an API key (pass its option name to {@link checkSecret}: a bad one is never shown). @internal */
export const redacted: Schema.Schema<Redacted.Redacted<string>> = S.expecting(
  Schema.declare((u): u is Redacted.Redacted<string> => Redacted.isRedacted(u) && typeof Redacted.value(u) === "string"),
  "a Redacted string (Redacted.make(key) or Config.redacted(...))"
)

/**
 * An array of `Redacted` strings: the keys a scrubber removes (LLM `secrets`,
 * OTLP `secrets`). A bad entry is reported at its index (`secrets[1]`); pass the
 * option name to {@link checkSecret} so that neither is shown.
 *
 * @internal
 */
export const secrets: Schema.Schema<ReadonlyArray<Redacted.Redacted<string>>> = S.expecting(
  Schema.Array(redacted),
  "an array of Redacted strings (Redacted.make(key) or Config.redacted(...))"
)

/** A non-empty string of at most 200 characters. @internal */
export const nonEmpty: Schema.Schema<string> = S.expecting(
  Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200)),
  "a non-empty string of at most 200 characters"
)

/** A boolean. @internal */
export const boolean: Schema.Schema<boolean> = S.expecting(Schema.Boolean, "true or false")

/** A value satisfying `guard`, described by `expected`. @internal */
export const guarded = <A>(guard: (u: unknown) => u is A, expected: string): Schema.Schema<A> =>
  S.expecting(Schema.declare(guard), expected)

/** A duration in code: finite, and positive unless `allowZero`. @internal */
export const duration = (positive = true): Schema.Schema<unknown> => S.durationInput(positive) as Schema.Schema<unknown>

/** A function. @internal */
export const func = (expected: string): Schema.Schema<(...args: Array<any>) => any> => S.func(expected)

/** An Effect value. @internal */
export const effect = (expected: string): Schema.Schema<Effect.Effect<unknown, unknown, unknown>> =>
  guarded((u): u is Effect.Effect<unknown, unknown, unknown> => Effect.isEffect(u), expected)

/** An optional field. @internal */
export const optional = Schema.optional
