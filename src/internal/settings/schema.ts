/**
 * The one description of a breaker's settings, with `effect/Schema`. The same
 * shape is built twice from one function: for settings files and environment
 * variables (durations are text with a unit, so the shape is plain JSON and a
 * JSON Schema can be generated from it), and for code (durations are any
 * `Duration.DurationInput`, the open duration may also be a `Schedule`, and a
 * classifier may be given). Every leaf carries the `expected` text an
 * `InvalidOptionError` shows.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type * as T from "./types.js"

/** Attaches the text an error shows after "expected". @internal */
export const expecting = <S extends Schema.Schema.Any>(schema: S, expected: string): S =>
  schema.annotations({ message: () => ({ message: expected, override: true }) }) as S

/** An integer in [min, max]. @internal */
export const int = (min: number, max: number): Schema.Schema<number> =>
  expecting(Schema.Int.pipe(Schema.between(min, max)), `an integer from ${min} to ${max}`)

/** A number in (0, 1]. @internal */
export const fraction: Schema.Schema<number> = expecting(
  Schema.Number.pipe(Schema.greaterThan(0), Schema.lessThanOrEqualTo(1)),
  "a number in (0, 1]"
)

/** A number in [min, max]. @internal */
export const between = (min: number, max: number): Schema.Schema<number> =>
  expecting(Schema.Number.pipe(Schema.between(min, max)), `a number from ${min} to ${max}`)

const units = "nanos?|micros?|millis?|seconds?|minutes?|hours?|days?|weeks?"

/** Duration text as Effect reads it: `"30 seconds"`, `"500 millis"`, `"1.5 minutes"`. @internal */
export const durationPattern = new RegExp(`^\\d+(\\.\\d+)?\\s+(${units})$`)

/** Whether `s` is duration text (the pattern has no `g` flag: `test` keeps no state). @internal */
export const isDurationText = (s: string): s is T.DurationText => durationPattern.test(s)

/**
 * A duration in a file or an environment variable: text with a unit. A bare
 * number is refused everywhere outside code (`30` would be 30 ms to Effect and
 * 30 seconds to most readers).
 *
 * @internal
 */
export const durationText = (positive: boolean): Schema.Schema<T.DurationText, string> => {
  const expected = `a duration with a unit such as "30 seconds" or "500 millis"${positive ? ", greater than zero" : ""}`
  // `Schema.pattern` with a refinement: what the pattern admits is the template-literal type `DurationText`
  // (a number, a space, a unit); the annotations are the ones `Schema.pattern` gives (the JSON Schema's `pattern`)
  const source = durationPattern.source
  const text = Schema.String.pipe(Schema.filter(isDurationText, {
    schemaId: Schema.PatternSchemaId,
    [Schema.PatternSchemaId]: { regex: durationPattern },
    description: `a string matching the pattern ${source}`,
    jsonSchema: { pattern: source }
  }))
  return expecting(
    positive ? text.pipe(Schema.filter((s) => Duration.toMillis(Duration.decode(s)) > 0)) : text,
    expected
  ).annotations({
    description: `${expected}. Units: nanos, micros, millis, seconds, minutes, hours, days, weeks.`
  })
}

const isNegative = (u: unknown): boolean =>
  (typeof u === "number" && !(u >= 0)) ||
  (typeof u === "bigint" && u < 0n) ||
  (typeof u === "string" && u.trimStart().startsWith("-")) ||
  (Array.isArray(u) && u.some((n) => typeof n !== "number" || !(n >= 0)))

/** The milliseconds of a duration input, or `undefined` when it is not one (negative, NaN, garbage). @internal */
export const toMillis = (u: unknown): number | undefined => {
  if (isNegative(u)) return undefined
  const decoded = Duration.decodeUnknown(u)
  if (decoded._tag === "None") return undefined
  const ms = Duration.toMillis(decoded.value)
  return Number.isNaN(ms) ? undefined : ms
}

/** A duration in code: any finite `Duration.DurationInput`, not negative (and not zero when `positive`). @internal */
export const durationInput = (positive: boolean): Schema.Schema<Duration.DurationInput> =>
  expecting(
    Schema.declare((u): u is Duration.DurationInput => {
      const ms = toMillis(u)
      return ms !== undefined && Number.isFinite(ms) && (positive ? ms > 0 : ms >= 0)
    }),
    `a finite duration${positive ? " greater than zero" : ""} such as 500, "2 seconds" or Duration.seconds(2)`
  )

/** Any function (a classifier, a key function). @internal */
export const func = <F>(expected: string): Schema.Schema<F> =>
  expecting(Schema.declare((u): u is F => typeof u === "function"), expected)

/** A `Schedule` value. @internal */
export const schedule: Schema.Schema<Schedule.Schedule<unknown, unknown>> = expecting(
  Schema.declare((u): u is Schedule.Schedule<unknown, unknown> => Schedule.isSchedule(u)),
  "a Schedule"
)

/**
 * A breaker name: 1 to 200 characters, not only whitespace or invisible
 * characters (such a name cannot be told apart in a log, a metric or an env key).
 *
 * @internal
 */
export const name: Schema.Schema<string> = expecting(
  Schema.String.pipe(
    Schema.minLength(1),
    Schema.maxLength(200),
    // not only blanks or invisible characters (Default_Ignorable code points, Braille and Hangul fillers)
    Schema.filter((s) => !/^[\s\p{Default_Ignorable_Code_Point}\u2800\u3164\u115F\u1160\uFFA0]*$/u.test(s))
  ),
  "a non-empty string of at most 200 characters, not only whitespace"
)

/** @internal */
export const presetName = expecting(
  Schema.Literal("default", "aggressive", "lenient"),
  "\"default\", \"aggressive\" or \"lenient\""
)

const tagged = <T extends string, F extends Schema.Struct.Fields>(tag: T, fields: F) =>
  Schema.Struct({ _tag: Schema.Literal(tag), ...fields })

/** The schemas of one flavour (files or code), built from its duration schema. @internal */
export const makeSchemas = <D>(duration: (positive: boolean) => Schema.Schema<D, any>, flavour: string) => {
  const Window: Schema.Schema<T.WindowOf<D>, any> = Schema.Union(
    tagged("LastCalls", { size: int(1, 1_000_000) }),
    tagged("LastDuration", { duration: duration(true), buckets: int(1, 1_000) })
  ).annotations({ identifier: `Window${flavour}`, message: () => "a window: LastCalls { size } or LastDuration { duration, buckets }" })

  const rate = {
    threshold: fraction,
    minimumCalls: int(1, 1_000_000),
    window: Window
  }

  type Policy = T.TripPolicyOf<D>
  // A recursive Schema (Any holds policies) cannot infer its own type: the annotation states it, and the union is checked against it.
  const TripPolicy: Schema.Schema<Policy, any> = Schema.Union(
    tagged("ConsecutiveFailures", { threshold: int(1, 1_000_000) }),
    tagged("FailureRate", rate),
    tagged("SlowCallRate", {
      ...rate,
      duration: Schema.optional(duration(true)).annotations({
        description: "A call that took at least this long is slow (when no work-relative threshold applies to it)."
      }),
      perOutputToken: Schema.optional(duration(true)).annotations({
        description: "A call that reports its output tokens is slow past timeToFirstToken + perOutputToken × tokens."
      }),
      timeToFirstToken: Schema.optional(duration(true)).annotations({
        description: "A stream whose first element took at least this long is slow; also the fixed allowance of perOutputToken."
      })
    }).pipe(
      Schema.filter((p) =>
        p.duration !== undefined || p.perOutputToken !== undefined || p.timeToFirstToken !== undefined ||
        { path: ["duration"], message: "a duration, perOutputToken or timeToFirstToken (at least one)" }
      )
    ),
    tagged("Any", {
      policies: Schema.Array(Schema.suspend((): Schema.Schema<Policy, any> => TripPolicy)).pipe(
        Schema.minItems(1, { message: () => "at least one policy" })
      )
    })
  ).annotations({
    identifier: `TripPolicy${flavour}`,
    message: () => "a TripPolicy: ConsecutiveFailures, FailureRate, SlowCallRate or Any"
  })

  const Backoff: Schema.Schema<T.BackoffOf<D>, any> = tagged("Exponential", {
    base: duration(true),
    factor: Schema.optional(between(1, 100))
  }).annotations({
    identifier: `Backoff${flavour}`,
    message: () => "an Exponential backoff { _tag: \"Exponential\", base, factor? }",
    description: "Exponential backoff: the n-th consecutive opening lasts base × factor^(n-1) (factor defaults to 2), " +
      "capped by maxOpenDuration."
  })

  const HalfOpen: Schema.Schema<T.HalfOpenOf<D>, any> = Schema.Struct({
    permits: Schema.optional(int(1, 10_000)),
    successesToClose: Schema.optional(int(1, 1_000_000)),
    probeTimeout: Schema.optional(duration(true))
  }).annotations({ identifier: `HalfOpen${flavour}`, message: () => "an object { permits?, successesToClose?, probeTimeout? }" })

  return { Window, TripPolicy, Backoff, HalfOpen }
}

/** The file flavour: JSON data, durations as text. @internal */
export const file = makeSchemas(durationText, "")

/** The code flavour: durations as any `DurationInput`. @internal */
export const code = makeSchemas(durationInput, "Input")

const settingsFields = <P, B, H, D>(s: {
  TripPolicy: Schema.Schema<P, any>
  Backoff: Schema.Schema<B, any>
  HalfOpen: Schema.Schema<H, any>
}, duration: (positive: boolean) => Schema.Schema<D, any>) => ({
  preset: Schema.optional(presetName),
  policy: Schema.optional(s.TripPolicy),
  openDuration: Schema.optional(
    expecting(
      Schema.Union(duration(false), s.Backoff),
      "a duration with a unit such as \"30 seconds\", or an Exponential backoff { _tag: \"Exponential\", base, factor? }"
    )
  ),
  maxOpenDuration: Schema.optional(duration(false)),
  halfOpen: Schema.optional(s.HalfOpen)
})

/**
 * A breaker's settings as a file or an environment variable says them.
 *
 * @internal
 */
export const Settings: Schema.Schema<T.Settings, any> = Schema.Struct(settingsFields(file, durationText)).annotations({
  identifier: "Settings",
  description: "A breaker's settings. Every field is optional: a missing one comes from the preset (default \"default\")."
})

/**
 * A registry settings file: settings for every breaker and for each one by name.
 *
 * @internal
 */
export const SettingsFile: Schema.Schema<T.SettingsFile, any> = Schema.Struct({
  $schema: Schema.optional(Schema.String),
  defaults: Schema.optional(Settings),
  breakers: Schema.optional(
    Schema.Record({ key: Schema.String, value: Settings })
  )
}).annotations({
  identifier: "SettingsFile",
  title: "effect-breaker settings",
  description: "Breakers for BreakerRegistry.fromFile and the simulator: `defaults` apply to every breaker, " +
    "`breakers` holds each breaker's own settings by name. Durations are text with a unit (\"30 seconds\")."
})

/**
 * A breaker's settings in code (`BreakerRegistry.make`'s `defaults` and `breakers`).
 *
 * @internal
 */
export const SettingsInput = Schema.Struct({
  ...settingsFields(code, durationInput),
  openDuration: Schema.optional(
    expecting(
      Schema.Union(durationInput(false), code.Backoff, schedule),
      "a finite duration such as 500, \"2 seconds\" or Duration.seconds(2), an Exponential backoff, or a Schedule"
    )
  )
})

/**
 * `CircuitBreaker.make`'s options: the same settings, in code.
 *
 * @internal
 */
export const Options = Schema.Struct({
  name,
  ...SettingsInput.fields,
  classify: Schema.optional(func<(...args: Array<any>) => any>("a function from Exit to Outcome"))
})
