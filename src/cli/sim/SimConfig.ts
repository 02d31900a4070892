/**
 * A breaker configuration as the simulator takes it: the `CircuitBreaker.make`
 * options written as JSON (trip policies are already plain data), plus how the
 * simulated caller treats rate limiting and whether it has a fallback.
 *
 * The schema checks the shape; the ranges are checked by the breaker's own
 * option compiler, so the simulator accepts exactly what production accepts.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Effect from "effect/Effect"
import { CircuitBreaker, Outcome, type TripPolicy } from "../../index.js"
import { decodeJson, decodeValue, expecting, literals } from "./decode.js"
import type { ErrorKind } from "./Scenario.js"
import { SimInputError } from "./SimError.js"

const DurationJson = expecting(
  Schema.Union(Schema.Number, Schema.String),
  "a duration: millis, or a string such as \"30 seconds\""
)

const WindowJson = Schema.Union(
  Schema.Struct({ _tag: Schema.Literal("LastCalls"), size: Schema.Number }),
  Schema.Struct({ _tag: Schema.Literal("LastDuration"), duration: DurationJson, buckets: Schema.optional(Schema.Number) })
)

interface PolicyJson {
  readonly _tag: "ConsecutiveFailures" | "FailureRate" | "SlowCallRate" | "Any"
  readonly [k: string]: unknown
}

// The one cast here: a recursive Schema (Any holds policies) cannot infer its own type; the annotation states it.
const PolicyJson: Schema.Schema<PolicyJson, any> = Schema.Union(
  Schema.Struct({ _tag: Schema.Literal("ConsecutiveFailures"), threshold: Schema.Number }),
  Schema.Struct({
    _tag: Schema.Literal("FailureRate"),
    threshold: Schema.Number,
    minimumCalls: Schema.optional(Schema.Number),
    window: Schema.optional(WindowJson)
  }),
  Schema.Struct({
    _tag: Schema.Literal("SlowCallRate"),
    duration: Schema.optional(DurationJson),
    perOutputToken: Schema.optional(DurationJson),
    timeToFirstToken: Schema.optional(DurationJson),
    threshold: Schema.Number,
    minimumCalls: Schema.optional(Schema.Number),
    window: Schema.optional(WindowJson)
  }),
  Schema.Struct({ _tag: Schema.Literal("Any"), policies: Schema.Array(Schema.suspend(() => PolicyJson)) })
) as any

const OpenDurationJson = Schema.Union(
  DurationJson,
  Schema.Struct({ exponential: DurationJson, factor: Schema.optional(Schema.Number), max: DurationJson }),
  /** The settings vocabulary's backoff (capped by `maxOpenDuration`), passed to the breaker as is. */
  Schema.Struct({ _tag: Schema.Literal("Exponential"), base: DurationJson, factor: Schema.optional(Schema.Number) })
)

/** @internal */
export const SimConfigSchema = Schema.Struct({
  name: expecting(Schema.String.pipe(Schema.minLength(1)), "a non-empty string"),
  description: Schema.optional(Schema.String),
  preset: Schema.optional(literals("default", "aggressive", "lenient")),
  policy: Schema.optional(PolicyJson),
  openDuration: Schema.optional(OpenDurationJson),
  maxOpenDuration: Schema.optional(DurationJson),
  halfOpen: Schema.optional(Schema.Struct({
    permits: Schema.optional(Schema.Number),
    successesToClose: Schema.optional(Schema.Number),
    probeTimeout: Schema.optional(DurationJson)
  })),
  /** How a 429 counts: `ignored` (back-pressure, default) or `failure`. */
  rateLimited: Schema.optional(literals("ignored", "failure")),
  /** Whether callers fall back (then they see no errors). Default false. */
  fallback: Schema.optional(expecting(Schema.Boolean, "true or false"))
})

/** A configuration as written. @internal */
export type SimConfig = typeof SimConfigSchema.Type

/** What a failed simulated call fails with. @internal */
export interface ProviderFailure {
  readonly kind: ErrorKind
  readonly retryAfterMs: number
}

/**
 * A good answer's outcome: with the work it did when the scenario models it
 * (output tokens; time to first token for streams), else a plain success.
 *
 * @internal
 */
export const successOutcome = (a: { readonly outputTokens: number; readonly firstTokenMs: number } | undefined): Outcome.Outcome =>
  a === undefined || (!(a.outputTokens > 0) && !(a.firstTokenMs >= 0))
    ? Outcome.success
    : Outcome.successWith({
      outputTokens: a.outputTokens > 0 ? a.outputTokens : undefined,
      firstTokenMs: a.firstTokenMs >= 0 ? a.firstTokenMs : undefined
    })

/** The sim's classifier: the scenario's error kinds mapped to outcomes. @internal */
export const classifierFor = (rateLimited: "ignored" | "failure"): Outcome.Classifier<unknown, ProviderFailure> =>
  Outcome.classifier<unknown, ProviderFailure>({
    onSuccess: (a) => successOutcome(a as { readonly outputTokens: number; readonly firstTokenMs: number }),
    onFailure: (e) => {
      switch (e.kind) {
        case "invalid":
          return Outcome.ignored
        case "rateLimited":
          return rateLimited === "ignored" ? Outcome.ignored : Outcome.failure(e.retryAfterMs > 0 ? e.retryAfterMs : undefined)
        case "overloaded":
          return Outcome.failure(e.retryAfterMs > 0 ? e.retryAfterMs : undefined)
        default:
          return Outcome.failure()
      }
    }
  })

const openDuration = (o: SimConfig["openDuration"]): CircuitBreaker.Options["openDuration"] =>
  o === undefined || typeof o !== "object"
    ? (o as Duration.DurationInput | undefined)
    : "_tag" in o
    ? (o as CircuitBreaker.Backoff)
    : Schedule.exponential(o.exponential as Duration.DurationInput, o.factor ?? 2).pipe(
      Schedule.union(Schedule.spaced(o.max as Duration.DurationInput))
    )

/** The `CircuitBreaker.make` options for a configuration. @internal */
export const toOptions = (c: SimConfig): CircuitBreaker.Options => ({
  name: c.name,
  ...(c.preset === undefined ? {} : { preset: c.preset }),
  policy: c.policy as TripPolicy.TripPolicy | undefined,
  openDuration: openDuration(c.openDuration),
  maxOpenDuration: c.maxOpenDuration as Duration.DurationInput | undefined,
  halfOpen: c.halfOpen as CircuitBreaker.Options["halfOpen"],
  classify: classifierFor(c.rateLimited ?? "ignored")
})

/**
 * Checks a decoded configuration with the breaker's own option compiler and
 * reports a bad option by its path under `at` (e.g. `[1].policy.threshold`).
 *
 * @internal
 */
export const check = (c: SimConfig, source: string, at: string): Either.Either<SimConfig, SimInputError> => {
  const o = c.openDuration
  if (typeof o === "object" && o !== undefined && o.factor !== undefined && !(o.factor >= 1 && o.factor <= 100)) {
    return Either.left(new SimInputError({ source, issues: [{ path: `${at}openDuration.factor`, message: `expected a number from 1 to 100, got ${o.factor}` }] }))
  }
  let compiled
  try {
    // The breaker's own checks: making one fails with the option and the value when any is out of range.
    compiled = Effect.runSync(Effect.either(CircuitBreaker.make(toOptions(c))))
  } catch (e) {
    return Either.left(new SimInputError({ source, issues: [{ path: `${at}openDuration`, message: String((e as Error).message) }] }))
  }
  return Either.match(compiled, {
    onLeft: (e) => {
      const path = e.option.startsWith("openDuration") && typeof o === "object" ? `${at}openDuration` : `${at}${e.option}`
      return Either.left(new SimInputError({ source, issues: [{ path, message: `expected ${e.expected}, got ${e.value}` }] }))
    },
    onRight: () => Either.right(c)
  })
}

const FileSchema = Schema.Union(SimConfigSchema, Schema.Array(SimConfigSchema))

/**
 * Decodes a config file holding one configuration or an array of them.
 *
 * @internal
 */
export const parseFile = (source: string, text: string): Either.Either<ReadonlyArray<SimConfig>, SimInputError> =>
  isSettingsFile(text) ? parseSettingsFile(source, text) : Either.flatMap(decodeJson(FileSchema, source, text), (v) => {
    const list: ReadonlyArray<SimConfig> = Array.isArray(v) ? v : [v as SimConfig]
    return Either.all(list.map((c, i) => check(c, source, Array.isArray(v) ? `[${i}].` : "")))
  })

/** Decodes one configuration given as a value (presets go through here too). @internal */
export const fromValue = (source: string, value: unknown): Either.Either<SimConfig, SimInputError> =>
  Either.flatMap(decodeValue(SimConfigSchema, source, value), (c) => check(c, source, ""))

const isSettingsFile = (text: string): boolean => {
  try {
    const v = JSON.parse(text)
    return typeof v === "object" && v !== null && !Array.isArray(v) && ("breakers" in v || "defaults" in v)
  } catch {
    return false
  }
}

/**
 * A settings file (`{ "defaults"?, "breakers": { name: settings } }`, what the
 * registry loads and `tune` writes): one configuration per breaker, its
 * settings over the file's defaults (`halfOpen` merged field by field).
 *
 * @internal
 */
export const parseSettingsFile = (source: string, text: string): Either.Either<ReadonlyArray<SimConfig>, SimInputError> => {
  const v = JSON.parse(text) as { readonly defaults?: Record<string, unknown>; readonly breakers?: Record<string, unknown> }
  const defaults = typeof v.defaults === "object" && v.defaults !== null ? v.defaults : {}
  const breakers = typeof v.breakers === "object" && v.breakers !== null ? Object.entries(v.breakers) : []
  if (breakers.length === 0) {
    return Either.left(new SimInputError({ source, issues: [{ path: "breakers", message: "expected at least one breaker, got none" }] }))
  }
  return Either.all(breakers.map(([name, settings]) => {
    const own = typeof settings === "object" && settings !== null ? settings as Record<string, unknown> : {}
    const halfOpen = defaults["halfOpen"] !== undefined || own["halfOpen"] !== undefined
      ? { halfOpen: { ...(defaults["halfOpen"] as object | undefined), ...(own["halfOpen"] as object | undefined) } }
      : {}
    return Either.mapLeft(
      fromValue(source, { ...defaults, ...own, ...halfOpen, name }),
      (e) => new SimInputError({ source, issues: e.issues.map((i) => ({ ...i, path: `breakers.${name}${i.path === "" ? "" : `.${i.path}`}` })) })
    )
  }))
}
