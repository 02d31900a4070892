/**
 * From decoded settings (whatever the source) to each breaker's
 * `CircuitBreaker.Options` and the settings it reports, remembering where every
 * field came from (a variable, a JSON path, the preset) so an error the breaker
 * raises names it. Pure.
 *
 * @internal
 */
import * as Either from "effect/Either"
import type * as CircuitBreaker from "../../CircuitBreaker.js"
import type { Classifier } from "../../Outcome.js"
import type { InvalidOptionError } from "../errors.js"
import { compile, withDefaults } from "../options.js"
import { show } from "../settings/decode.js"
import { type PresetName, presets } from "../settings/presets.js"
import { settingsText } from "../settings/text.js"
import type { Resolved } from "../settings/types.js"
import { RegistryConfigError } from "./errors.js"
import { type Field, fieldSpecs } from "./fields.js"
import { joinPath, type Layer, type Origin, type RawConfig } from "./sources.js"

export type { RawConfig } from "./sources.js"

/** One breaker, ready to make. @internal */
export interface Spec {
  readonly name: string
  readonly resolved: Resolved
  readonly options: CircuitBreaker.Options
  /** Where the breaker's name came from. */
  readonly setting: string
  /** Names the setting behind an option the breaker rejected. */
  readonly errorOf: (error: InvalidOptionError) => RegistryConfigError
}

/** The fields, longest first, so `halfOpen.permits` wins over a shorter match. */
const byLength = [...fieldSpecs].map((s) => s.field).sort((a, b) => b.length - a.length)

const fieldOfOption = (option: string): { readonly field: Field; readonly rest: string } | undefined => {
  for (const field of byLength) {
    if (option === field) return { field, rest: "" }
    if (option.startsWith(`${field}.`) || option.startsWith(`${field}[`)) {
      return { field, rest: option.slice(field.length + (option[field.length] === "." ? 1 : 0)) }
    }
  }
  return undefined
}

const merge = (base: CircuitBreaker.Settings, over: CircuitBreaker.Settings): CircuitBreaker.Settings => ({
  ...base,
  ...Object.fromEntries(Object.entries(over).filter(([k, v]) => v !== undefined && k !== "halfOpen")),
  halfOpen: {
    ...base.halfOpen,
    ...Object.fromEntries(Object.entries(over.halfOpen ?? {}).filter(([, v]) => v !== undefined))
  }
})

const resolveOne = (
  defaults: Layer,
  breaker: { readonly name: string; readonly setting: string; readonly layer: Layer },
  classify: Classifier<any, any> | undefined
): Spec => {
  const preset: PresetName = breaker.layer.settings.preset ?? defaults.settings.preset ?? "default"
  const settings = merge(merge(presets[preset], defaults.settings), breaker.layer.settings)
  const origin = (field: Field): Origin | undefined => breaker.layer.origin(field) ?? defaults.origin(field)
  const options: CircuitBreaker.Options = { ...settings, preset, name: breaker.name, classify }
  const errorOf = (e: InvalidOptionError): RegistryConfigError => {
    if (e.option === "name") {
      return new RegistryConfigError({ setting: breaker.setting, value: e.value, expected: e.expected, option: "name" })
    }
    const at = fieldOfOption(e.option)
    const from = at === undefined ? undefined : origin(at.field)
    if (from === undefined) {
      return new RegistryConfigError({
        setting: at === undefined ? breaker.setting : `preset ${JSON.stringify(preset)}`,
        value: e.value,
        expected: e.expected,
        option: e.option
      })
    }
    if (from._tag === "Variable") {
      return new RegistryConfigError({ setting: from.name, value: e.value, expected: e.expected, option: e.option })
    }
    return new RegistryConfigError({ setting: joinPath(from.path, at!.rest), value: e.value, expected: e.expected })
  }
  const full = withDefaults(options)
  return {
    name: breaker.name,
    options,
    setting: breaker.setting,
    errorOf,
    resolved: (() => {
      const text = settingsText(full) as Resolved
      const halfOpen = { ...text.halfOpen, successesToClose: text.halfOpen.successesToClose ?? text.halfOpen.permits }
      return { ...text, preset, halfOpen }
    })()
  }
}

/**
 * Resolves every breaker: its preset, then the settings for all breakers, then
 * its own (a field given replaces the one below it; `halfOpen` is merged field
 * by field), and checks it as `CircuitBreaker.make` will. Fails on the first bad
 * value, naming its setting.
 *
 * @internal
 */
export const resolve = (
  config: RawConfig,
  classify: Classifier<any, any> | undefined
): Either.Either<ReadonlyArray<Spec>, RegistryConfigError> => {
  const seen = new Set<string>()
  const specs: Array<Spec> = []
  for (const b of config.breakers) {
    if (seen.has(b.name)) {
      return Either.left(new RegistryConfigError({ setting: b.setting, value: show(b.name), expected: "each breaker name once" }))
    }
    seen.add(b.name)
    const spec = resolveOne(config.defaults, b, classify)
    const checked = compile(spec.options)
    if (Either.isLeft(checked)) return Either.left(spec.errorOf(checked.left))
    specs.push(spec)
  }
  return Either.right(specs)
}
