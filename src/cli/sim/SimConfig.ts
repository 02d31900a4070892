/**
 * A breaker configuration as the simulator takes it: a breaker's settings in
 * the one vocabulary (`BreakerRegistry.SettingsSchema`), resolved exactly as a
 * `BreakerRegistry` resolves them, plus how the simulated caller treats rate
 * limiting and whether it has a fallback.
 *
 * A config file is either a settings file (`{ "defaults"?, "breakers": {...} }`,
 * JSON or YAML: read by `BreakerRegistry.resolveFile`, so a file a registry
 * accepts is one the simulator accepts), or a list of named configurations
 * (`[{ "name": "x", "rateLimited": "failure", ...settings }]`) whose settings go
 * through the same resolution.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { BreakerRegistry, type CircuitBreaker, Outcome } from "../../index.js"
import { decodeValue, expecting, literals } from "./decode.js"
import type { ErrorKind } from "./Scenario.js"
import { SimInputError } from "./SimError.js"

/** What the simulator adds to a breaker's settings. */
const SimFields = Schema.Struct({
  name: expecting(Schema.String.pipe(Schema.minLength(1)), "a non-empty string"),
  description: Schema.optional(Schema.String),
  /** How a 429 counts: `ignored` (back-pressure, default) or `failure`. */
  rateLimited: Schema.optional(literals("ignored", "failure")),
  /** Whether callers fall back (then they see no errors). Default false. */
  fallback: Schema.optional(expecting(Schema.Boolean, "true or false"))
})

/**
 * A configuration: settings in the one vocabulary (as resolved from a preset or
 * a file, or as the tuner proposes them; durations as text) plus the
 * simulator's own fields.
 *
 * @internal
 */
export interface SimConfig {
  readonly name: string
  readonly preset?: BreakerRegistry.PresetName | undefined
  /** A TripPolicy as data (`BreakerRegistry.Resolved["policy"]`). */
  readonly policy?: { readonly _tag: string } | undefined
  readonly openDuration?: string | { readonly _tag: "Exponential"; readonly base: string; readonly factor?: number | undefined } | undefined
  readonly maxOpenDuration?: string | undefined
  readonly halfOpen?: {
    readonly permits?: number | undefined
    readonly successesToClose?: number | undefined
    readonly probeTimeout?: string | undefined
  } | undefined
  readonly description?: string | undefined
  readonly rateLimited?: "ignored" | "failure" | undefined
  readonly fallback?: boolean | undefined
}

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

/** The `CircuitBreaker.make` options for a configuration. @internal */
export const toOptions = (c: SimConfig): CircuitBreaker.Options => ({
  name: c.name,
  ...(c.preset === undefined ? {} : { preset: c.preset }),
  policy: c.policy as CircuitBreaker.Options["policy"],
  openDuration: c.openDuration as CircuitBreaker.Options["openDuration"],
  maxOpenDuration: c.maxOpenDuration as CircuitBreaker.Options["maxOpenDuration"],
  halfOpen: c.halfOpen as CircuitBreaker.Options["halfOpen"],
  classify: classifierFor(c.rateLimited ?? "ignored")
})

const issue = (source: string, at: string, e: BreakerRegistry.RegistryConfigError) =>
  new SimInputError({ source, issues: [{ path: at + e.setting, message: `expected ${e.expected}, got ${e.value}` }] })

/** `breakers["x"].policy.threshold` → `policy.threshold`. */
const withinBreaker = (setting: string): string => setting.replace(/^breakers\[("(?:[^"\\]|\\.)*")\]\.?/, "")

/**
 * One named configuration given as a value: the simulator's fields, and the
 * rest resolved as a registry would resolve a breaker's settings. A bad option
 * is reported by its path under `at` (e.g. `[1].policy.threshold`).
 *
 * @internal
 */
export const fromValue = (source: string, value: unknown, at = ""): Either.Either<SimConfig, SimInputError> => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return Either.left(new SimInputError({ source, issues: [{ path: at.replace(/\.$/, ""), message: "expected an object" }] }))
  }
  const { description, fallback, name, rateLimited, ...settings } = value as Record<string, unknown>
  return Either.flatMap(
    Either.mapLeft(
      decodeValue(SimFields, source, { name, description, rateLimited, fallback }),
      (e) => new SimInputError({ source, issues: e.issues.map((i) => ({ ...i, path: at + i.path })) })
    ),
    (sim) =>
      Either.match(BreakerRegistry.resolveJson({ breakers: { [sim.name]: settings } }), {
        onLeft: (e) =>
          Either.left(issue(source, at, new BreakerRegistry.RegistryConfigError({ ...e, setting: withinBreaker(e.setting) }))),
        onRight: (all) => Either.right(withSim(all[0]!, sim))
      })
  )
}

const withSim = (
  r: BreakerRegistry.Resolution,
  sim: { readonly description?: string | undefined; readonly rateLimited?: "ignored" | "failure" | undefined; readonly fallback?: boolean | undefined }
): SimConfig => ({
  ...r.settings,
  name: r.name,
  ...(sim.description === undefined ? {} : { description: sim.description }),
  ...(sim.rateLimited === undefined ? {} : { rateLimited: sim.rateLimited }),
  ...(sim.fallback === undefined ? {} : { fallback: sim.fallback })
})

/** An object that is not one named configuration is a settings file (even `{}`: no breakers). */
const isSettingsFile = (json: unknown): boolean =>
  typeof json === "object" && json !== null && !Array.isArray(json) && !("name" in json)

/**
 * Decodes a parsed config file: a settings file (every breaker becomes a
 * configuration), one named configuration, or an array of them.
 *
 * @internal
 */
export const fromJson = (source: string, json: unknown): Either.Either<ReadonlyArray<SimConfig>, SimInputError> => {
  if (isSettingsFile(json)) {
    return Either.match(BreakerRegistry.resolveJson(json), {
      onLeft: (e) => Either.left(issue(source, "", e)),
      onRight: (all) => Either.right(all.map((r) => withSim(r, {})))
    })
  }
  if (Array.isArray(json)) return Either.all(json.map((c, i) => fromValue(source, c, `[${i}].`)))
  return Either.map(fromValue(source, json), (c) => [c])
}

/** Decodes a config file's JSON text (a byte order mark is skipped, as the registry does). @internal */
export const parseFile = (source: string, text: string): Either.Either<ReadonlyArray<SimConfig>, SimInputError> => {
  let json: unknown
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
  } catch (e) {
    return Either.left(new SimInputError({ source, issues: [{ path: "", message: `not valid JSON (${(e as Error).message})` }] }))
  }
  return fromJson(source, json)
}

/**
 * Reads a config file (JSON, or YAML: `.yaml`, `.yml`) as a registry reads a
 * settings file: a UTF-8 byte order mark is skipped, YAML numbers follow the
 * environment's rule.
 *
 * @internal
 */
export const readFile = (file: string): Effect.Effect<ReadonlyArray<SimConfig>, SimInputError> =>
  Effect.flatMap(
    Effect.mapError(BreakerRegistry.readSettingsFile(file), (e) => issue(file, "", e)),
    (json) => fromJson(file, json)
  )
