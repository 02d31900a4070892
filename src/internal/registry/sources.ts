/**
 * The sources of a registry's settings: Effect `Config` (environment variables
 * by the naming scheme in `fields.ts`), a parsed settings file, and typed
 * settings from code. Each is decoded with the one settings Schema; a bad value
 * fails naming the variable or the path, and the value.
 *
 * @internal
 */
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as CircuitBreaker from "../../CircuitBreaker.js"
import { decode, decodeProblem, formatPath, type Problem, show } from "../settings/decode.js"
import * as S from "../settings/schema.js"
import { RegistryConfigError } from "./errors.js"
import {
  breakerVariable,
  defaultsVariable,
  envKey,
  type Field,
  fieldOf,
  type FieldSpec,
  fieldSpecs,
  jsonPath,
  namesVariable,
  numberOrText
} from "./fields.js"

/** Where a setting came from, so an error can name it. @internal */
export type Origin =
  | { readonly _tag: "Path"; readonly path: ReadonlyArray<PropertyKey> }
  | { readonly _tag: "Variable"; readonly name: string }

/** The settings of one layer (defaults, or one breaker), decoded, and where each field came from. @internal */
export interface Layer {
  readonly settings: CircuitBreaker.Settings
  readonly origin: (field: Field) => Origin | undefined
}

/** @internal */
export interface RawBreaker {
  readonly name: string
  /** Where the name came from (`BREAKERS`, `breakers["openai"]`). */
  readonly setting: string
  readonly layer: Layer
}

/** @internal */
export interface RawConfig {
  readonly defaults: Layer
  readonly breakers: ReadonlyArray<RawBreaker>
}

/** Whether `settings` gives `field` (a top-level name, or `halfOpen.<name>`). */
const has = (settings: CircuitBreaker.Settings, field: Field): boolean => {
  const [head, sub] = field.split(".")
  const value: unknown = (settings as Readonly<Record<string, unknown>>)[head!]
  if (sub === undefined) return value !== undefined
  return typeof value === "object" && value !== null && (value as Readonly<Record<string, unknown>>)[sub] !== undefined
}

const pathLayer = (settings: CircuitBreaker.Settings, base: ReadonlyArray<PropertyKey>): Layer => ({
  settings,
  origin: (field) => (has(settings, field) ? { _tag: "Path", path: [...base, ...field.split(".")] } : undefined)
})

const fromProblem = (base: ReadonlyArray<PropertyKey>) => (p: Problem): RegistryConfigError =>
  new RegistryConfigError({ setting: jsonPath([...base, ...p.path]), value: p.value, expected: p.expected })

/** `breakers["a"]` + `halfOpen.permits` → `breakers["a"].halfOpen.permits`. @internal */
export const joinPath = (base: ReadonlyArray<PropertyKey>, option: string): string => {
  const head = jsonPath(base)
  if (option === "" || option === "options") return head
  if (head === "(root)") return option
  return option.startsWith("[") ? head + option : `${head}.${option}`
}

const checkName = (name: string, setting: string): RegistryConfigError | undefined =>
  Either.isLeft(decode(S.name, name))
    ? new RegistryConfigError({ setting, value: show(name), expected: "a breaker name of 1 to 200 characters, not only whitespace" })
    : undefined

// ---------------------------------------------------------------------------
// Code and files
// ---------------------------------------------------------------------------

const decodeLayer = (
  schema: typeof S.SettingsInput | typeof S.Settings,
  value: unknown,
  base: ReadonlyArray<PropertyKey>
): Either.Either<Layer, RegistryConfigError> =>
  value === undefined
    ? Either.right(pathLayer({}, base))
    : Either.map(
      Either.mapLeft(decodeProblem(schema as typeof S.SettingsInput, value, "error"), fromProblem(base)),
      (settings) => pathLayer(settings as CircuitBreaker.Settings, base)
    )

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const fromLayers = (
  schema: typeof S.SettingsInput | typeof S.Settings,
  defaults: unknown,
  breakers: unknown
): Either.Either<RawConfig, RegistryConfigError> => {
  if (breakers !== undefined && !isRecord(breakers)) {
    return Either.left(
      new RegistryConfigError({ setting: "breakers", value: show(breakers), expected: "an object of settings keyed by breaker name" })
    )
  }
  return Either.flatMap(decodeLayer(schema, defaults, ["defaults"]), (d) => {
    const out: Array<RawBreaker> = []
    for (const [name, value] of Object.entries(breakers ?? {})) {
      const setting = jsonPath(["breakers", name])
      const bad = checkName(name, setting)
      if (bad !== undefined) return Either.left(bad)
      const layer = decodeLayer(schema, value, ["breakers", name])
      if (Either.isLeft(layer)) return Either.left(layer.left)
      out.push({ name, setting, layer: layer.right })
    }
    return Either.right({ defaults: d, breakers: out })
  })
}

/**
 * Reads a settings file's content:
 * `{ "defaults": { ...settings }, "breakers": { "<name>": { ...settings } } }`.
 * Unknown keys are errors (a typo would otherwise be ignored silently).
 *
 * @internal
 */
export const fromJson = (json: unknown): Either.Either<RawConfig, RegistryConfigError> =>
  Either.flatMap(
    Either.mapLeft(decodeProblem(S.SettingsFile, json, "error"), (p) =>
      new RegistryConfigError({
        setting: jsonPath(p.path),
        value: p.value,
        expected: p.path.length === 0 ? "an object with \"breakers\" and optional \"defaults\"" : p.expected
      })),
    (file) => fromLayers(S.Settings, file.defaults, file.breakers)
  )

/**
 * Typed settings from code, decoded with the code flavour of the Schema
 * (durations may be any `DurationInput`, `openDuration` a `Schedule`); errors
 * are named like JSON (`breakers["openai"].halfOpen.permits`). Only `defaults`
 * and `breakers` are read: the other options (`classify`) are not settings.
 *
 * @internal
 */
export const fromSettings = (options: {
  readonly defaults?: CircuitBreaker.Settings | undefined
  readonly breakers: Readonly<Record<string, CircuitBreaker.Settings>>
}): Either.Either<RawConfig, RegistryConfigError> => {
  if (!isRecord(options)) {
    return Either.left(new RegistryConfigError({ setting: "options", value: show(options), expected: "an object { defaults?, breakers }" }))
  }
  try {
    return fromLayers(S.SettingsInput, options.defaults, options.breakers)
  } catch {
    // a getter or Proxy threw while the settings were read: a bad value, not a defect
    return Either.left(
      new RegistryConfigError({
        setting: "breakers",
        value: "(a value that throws when read)",
        expected: "settings that can be read (reading them threw: a throwing getter or Proxy)"
      })
    )
  }
}

// ---------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------

const readVariable = (variable: string): Effect.Effect<string | undefined, RegistryConfigError> =>
  Config.option(Config.string(variable)).pipe(
    Effect.map((o) => (o._tag === "Some" ? o.value : undefined)),
    Effect.mapError((e) =>
      new RegistryConfigError({ setting: variable, value: "(unreadable)", expected: `a readable value (${e.message})` })
    )
  )

/** A variable's text as a value for the Schema. */
const valueOf = (spec: FieldSpec, variable: string, raw: string): Either.Either<unknown, RegistryConfigError> => {
  const text = raw.trim()
  if (spec.read === "number") return Either.right(numberOrText(text))
  if (spec.read === "text" || (spec.read === "jsonOrText" && !text.startsWith("{"))) return Either.right(text)
  try {
    return Either.right(JSON.parse(text) as unknown)
  } catch {
    return Either.left(
      new RegistryConfigError({
        setting: variable,
        value: show(raw),
        expected: spec.field === "policy"
          ? "a TripPolicy as JSON, such as {\"_tag\":\"ConsecutiveFailures\",\"threshold\":5}"
          : "a duration such as \"30 seconds\", or a backoff as JSON such as {\"_tag\":\"Exponential\",\"base\":\"30 seconds\"}"
      })
    )
  }
}

/** Reads the variables of one layer, decodes them with the file Schema, and names a bad value by its variable. */
const readLayer = (variable: (spec: FieldSpec) => string): Effect.Effect<Layer, RegistryConfigError> =>
  Effect.flatMap(
    Effect.forEach(fieldSpecs, (spec) => Effect.map(readVariable(variable(spec)), (raw) => [spec, raw] as const)),
    (read) => {
      const settings: Record<string, any> = {}
      const raws = new Map<Field, string>()
      for (const [spec, raw] of read) {
        if (raw === undefined) continue
        const value = valueOf(spec, variable(spec), raw)
        if (Either.isLeft(value)) return Either.left(value.left)
        raws.set(spec.field, raw)
        if (spec.field.startsWith("halfOpen.")) (settings.halfOpen ??= {})[spec.field.slice(9)] = value.right
        else settings[spec.field] = value.right
      }
      return Either.match(decodeProblem(S.Settings, settings, "error"), {
        onLeft: (e) => {
          const at = fieldOf(e.path)
          const spec = at === undefined ? undefined : fieldSpecs.find((s) => s.field === at.field)
          const name = spec === undefined ? variable(fieldSpecs[0]!) : variable(spec)
          const whole = at !== undefined && at.rest.length === 0
          return Either.left(
            new RegistryConfigError({
              setting: name,
              value: whole ? show(raws.get(at.field)) : e.value,
              expected: e.expected,
              ...(whole ? {} : { option: formatPath(e.path) })
            })
          )
        },
        onRight: (decoded): Either.Either<Layer, RegistryConfigError> =>
          Either.right({
            settings: decoded as CircuitBreaker.Settings,
            origin: (field) =>
              raws.has(field) ? { _tag: "Variable", name: variable(fieldSpecs.find((s) => s.field === field)!) } : undefined
          })
      })
    }
  )

/**
 * Reads `BREAKERS` (comma-separated names), `BREAKERS_<FIELD>` for all breakers
 * and `BREAKER_<KEY>_<FIELD>` for each, from the current `ConfigProvider`.
 * Two breakers whose variables would coincide (`x` and `x-max`:
 * `BREAKER_X_MAX_OPEN_DURATION`) are an error.
 *
 * @internal
 */
export const fromConfig: Effect.Effect<RawConfig, RegistryConfigError> = Effect.gen(function*() {
  const list = (yield* readVariable(namesVariable)) ?? ""
  const names = list.split(",").map((n) => n.trim()).filter((n) => n.length > 0)
  const seen = new Set<string>()
  const variables = new Map<string, string>()
  for (const name of names) {
    const bad = checkName(name, namesVariable)
    if (bad !== undefined) return yield* bad
    if (seen.has(name)) {
      return yield* new RegistryConfigError({ setting: namesVariable, value: show(name), expected: "each breaker name once" })
    }
    seen.add(name)
    const key = envKey(name)
    if (key.length === 0) {
      return yield* new RegistryConfigError({
        setting: namesVariable,
        value: show(name),
        expected: "a breaker name with at least one ASCII letter or digit"
      })
    }
    for (const spec of fieldSpecs) {
      const variable = breakerVariable(key, spec)
      const other = variables.get(variable)
      if (other !== undefined && other !== name) {
        return yield* new RegistryConfigError({
          setting: namesVariable,
          value: `${show(other)} and ${show(name)}`,
          expected: `names whose variables differ (both would read ${variable})`
        })
      }
      variables.set(variable, name)
    }
  }
  const defaults = yield* readLayer(defaultsVariable)
  const breakers = yield* Effect.forEach(names, (name) =>
    Effect.map(readLayer((spec) => breakerVariable(envKey(name), spec)), (layer): RawBreaker => ({
      name,
      setting: namesVariable,
      layer
    })))
  return { defaults, breakers }
})
