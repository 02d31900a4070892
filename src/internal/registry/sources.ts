/**
 * The sources of raw settings: Effect `Config` (environment variables by the
 * naming scheme in `fields.ts`), a JSON value, and typed options from code.
 *
 * @internal
 */
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import type { Settings } from "./presets.js"
import { show } from "../validate.js"
import { RegistryConfigError } from "./errors.js"
import {
  breakerVariable,
  defaultsVariable,
  envKey,
  type FieldSpec,
  fieldSpecs,
  isField,
  jsonPath,
  namesVariable
} from "./fields.js"
import type { RawBreaker, RawConfig, RawFields } from "./resolve.js"

const readVariable = (variable: string): Effect.Effect<string | undefined, RegistryConfigError> =>
  Config.option(Config.string(variable)).pipe(
    Effect.map((o) => (o._tag === "Some" ? o.value : undefined)),
    Effect.mapError((e) =>
      new RegistryConfigError({ setting: variable, value: "(unreadable)", expected: `a readable value (${e.message})` })
    )
  )

const readFields = (variable: (spec: FieldSpec) => string): Effect.Effect<RawFields, RegistryConfigError> =>
  Effect.map(
    Effect.forEach(fieldSpecs, (spec) => {
      const name = variable(spec)
      return Effect.map(readVariable(name), (raw) => [spec.field, raw === undefined ? undefined : { raw, setting: name }])
    }),
    (entries) => Object.fromEntries(entries.filter(([, v]) => v !== undefined)) as RawFields
  )

/**
 * Reads `BREAKERS` (comma-separated names), `BREAKERS_<FIELD>` for all breakers
 * and `BREAKER_<KEY>_<FIELD>` for each, from the current `ConfigProvider`.
 *
 * @internal
 */
export const fromConfig: Effect.Effect<RawConfig, RegistryConfigError> = Effect.gen(function*() {
  const list = (yield* readVariable(namesVariable)) ?? ""
  const names = list.split(",").map((n) => n.trim()).filter((n) => n.length > 0)
  const keys = new Map<string, string>()
  for (const name of names) {
    const key = envKey(name)
    if (key.length === 0) {
      return yield* new RegistryConfigError({
        setting: namesVariable,
        value: show(name),
        expected: "a breaker name with at least one ASCII letter or digit"
      })
    }
    const other = keys.get(key)
    if (other !== undefined && other !== name) {
      return yield* new RegistryConfigError({
        setting: namesVariable,
        value: `${show(other)} and ${show(name)}`,
        expected: `names whose variable keys differ (both map to BREAKER_${key}_*)`
      })
    }
    keys.set(key, name)
  }
  const defaults = yield* readFields(defaultsVariable)
  const breakers = yield* Effect.forEach(names, (name) =>
    Effect.map(
      readFields((spec) => breakerVariable(envKey(name), spec)),
      (fields): RawBreaker => ({ name, setting: namesVariable, fields })
    ))
  return { defaults, breakers }
})

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const jsonFields = (where: string | undefined, value: unknown): RawFields => {
  const path = where === undefined ? "defaults" : `breakers[${JSON.stringify(where)}]`
  if (value === undefined) return {}
  if (!isRecord(value)) {
    throw new RegistryConfigError({ setting: path, value: show(value), expected: "an object of settings" })
  }
  const fields: Record<string, { raw: unknown; setting: string }> = {}
  for (const [k, raw] of Object.entries(value)) {
    if (!isField(k)) {
      throw new RegistryConfigError({
        setting: jsonPath(where, k),
        value: show(raw),
        expected: `a known setting (${fieldSpecs.map((s) => s.field).join(", ")})`
      })
    }
    if (raw !== undefined) fields[k] = { raw, setting: jsonPath(where, k) }
  }
  return fields as RawFields
}

/**
 * Reads `{ "defaults": { ...settings }, "breakers": { "<name>": { ...settings } } }`.
 * Unknown keys are errors (a typo would otherwise be ignored silently).
 *
 * @internal
 */
export const fromJson = (json: unknown): Effect.Effect<RawConfig, RegistryConfigError> =>
  Effect.try({
    try: () => {
      if (!isRecord(json)) {
        throw new RegistryConfigError({
          setting: "(root)",
          value: show(json),
          expected: "an object with \"breakers\" and optional \"defaults\""
        })
      }
      for (const k of Object.keys(json)) {
        if (k !== "breakers" && k !== "defaults") {
          throw new RegistryConfigError({ setting: k, value: show(json[k]), expected: "only \"breakers\" and \"defaults\"" })
        }
      }
      const breakers = json.breakers ?? {}
      if (!isRecord(breakers)) {
        throw new RegistryConfigError({ setting: "breakers", value: show(breakers), expected: "an object keyed by breaker name" })
      }
      return {
        defaults: jsonFields(undefined, json.defaults),
        breakers: Object.entries(breakers).map(([name, value]): RawBreaker => ({
          name,
          setting: `breakers[${JSON.stringify(name)}]`,
          fields: jsonFields(name, value)
        }))
      }
    },
    catch: (e) =>
      e instanceof RegistryConfigError
        ? e
        : new RegistryConfigError({ setting: "(root)", value: "(unreadable)", expected: "a JSON object" })
  })

/**
 * Typed settings from code read the same way as JSON (so errors name
 * `breakers["openai"].failureRate`).
 *
 * @internal
 */
export const fromSettings = (options: {
  readonly defaults?: Settings | undefined
  readonly breakers: Readonly<Record<string, Settings>>
}): Effect.Effect<RawConfig, RegistryConfigError> =>
  fromJson(options.defaults === undefined ? { breakers: options.breakers } : options)
