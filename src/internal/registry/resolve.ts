/**
 * From raw settings (whatever the source) to each breaker's resolved settings and
 * `CircuitBreaker.Options`, remembering which setting (variable, JSON path) every
 * value came from so an error can name it. Pure.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Schedule from "effect/Schedule"
import type { InvalidOptionError } from "../errors.js"
import type { Classifier } from "../../Outcome.js"
import { type PresetName, presets, type Resolved } from "./presets.js"
import * as TripPolicy from "../../TripPolicy.js"
import type { Options } from "../options.js"
import { show } from "../validate.js"
import { RegistryConfigError } from "./errors.js"
import { type Field, fieldSpec, fieldSpecs } from "./fields.js"

/** A value as a source gave it, and the name of the setting it came from. @internal */
export interface RawValue {
  readonly raw: unknown
  readonly setting: string
}

/** @internal */
export type RawFields = { readonly [K in Field]?: RawValue | undefined }

/** @internal */
export interface RawBreaker {
  readonly name: string
  /** Where the name came from (`BREAKERS`, `breakers`). */
  readonly setting: string
  readonly fields: RawFields
}

/** @internal */
export interface RawConfig {
  readonly defaults: RawFields
  readonly breakers: ReadonlyArray<RawBreaker>
}

/** One breaker, ready to make. @internal */
export interface Spec {
  readonly name: string
  readonly resolved: Resolved
  readonly options: Options
  /** The setting behind a breaker option path (`halfOpen.permits` → `BREAKER_X_HALF_OPEN_PERMITS`). */
  readonly settingOf: (optionPath: string) => string | undefined
  /** Where the breaker's name came from. */
  readonly setting: string
}

class Failed {
  constructor(readonly error: RegistryConfigError) {}
}

const fail = (setting: string, value: string, expected: string): never => {
  throw new Failed(new RegistryConfigError({ setting, value, expected }))
}

/** A value and where it came from; `user` is false when it came from the preset. */
interface Sourced {
  readonly value: any
  readonly setting: string
  readonly user: boolean
}

const resolveOne = (defaults: RawFields, breaker: RawBreaker, classify: Classifier<any, any> | undefined): Spec => {
  const { name } = breaker
  if (name.length === 0 || name.length > 200) fail(breaker.setting, show(name), "a breaker name of 1 to 200 characters")
  const read = (field: Field, raw: RawValue): Sourced => {
    const parsed = fieldSpec[field].parse(raw.raw)
    if (Either.isLeft(parsed)) return fail(raw.setting, parsed.left.value, parsed.left.expected)
    return { value: parsed.right, setting: raw.setting, user: true }
  }
  const presetRaw = breaker.fields.preset ?? defaults.preset
  const preset: PresetName = presetRaw === undefined ? "default" : read("preset", presetRaw).value
  const base = presets[preset]
  const got = {} as Record<Field, Sourced | undefined>
  for (const spec of fieldSpecs) {
    const raw = spec.field === "preset" ? undefined : breaker.fields[spec.field] ?? defaults[spec.field]
    if (raw !== undefined) got[spec.field] = read(spec.field, raw)
    else if (base[spec.field] !== undefined) {
      const parsed = spec.parse(base[spec.field])
      // Presets are valid by construction (a test checks every one).
      got[spec.field] = { value: Either.getOrThrow(parsed), setting: `preset ${JSON.stringify(preset)}`, user: false }
    }
  }
  const v = (f: Field): any => got[f]?.value ?? 0
  const blame = (...fields: ReadonlyArray<Field>): Sourced => {
    const sourced = fields.map((f) => got[f]).filter((s): s is Sourced => s !== undefined)
    return sourced.find((s) => s.user) ?? sourced[0]!
  }
  if (v("openDurationMax") < v("openDuration")) {
    const at = blame("openDurationMax", "openDuration")
    fail(
      at.setting,
      Duration.format(at === got.openDurationMax ? v("openDurationMax") : v("openDuration")),
      `openDurationMax (${Duration.format(v("openDurationMax"))}) at least openDuration (${Duration.format(v("openDuration"))})`
    )
  }
  if (v("consecutiveFailures") === 0 && v("failureRate") === 0 && v("slowCallDuration") === 0) {
    const at = blame("consecutiveFailures", "failureRate")
    fail(at.setting, "0", "at least one trip policy on: consecutiveFailures, failureRate or slowCallDuration above 0")
  }

  const optionSettings = new Map<string, string>()
  const policies: Array<TripPolicy.TripPolicy> = []
  const paths: Array<Array<[string, Field]>> = []
  const window = TripPolicy.lastDuration(Duration.millis(v("window")), v("windowBuckets"))
  const windowPaths: Array<[string, Field]> = [
    [".minimumCalls", "minimumCalls"],
    [".window.duration", "window"],
    [".window.buckets", "windowBuckets"],
    [".window.size", "window"]
  ]
  if (v("consecutiveFailures") > 0) {
    policies.push(TripPolicy.consecutiveFailures(v("consecutiveFailures")))
    paths.push([[".threshold", "consecutiveFailures"]])
  }
  if (v("failureRate") > 0) {
    policies.push(TripPolicy.failureRate({ threshold: v("failureRate"), minimumCalls: v("minimumCalls"), window }))
    paths.push([[".threshold", "failureRate"], ...windowPaths])
  }
  if (v("slowCallDuration") > 0) {
    policies.push(TripPolicy.slowCallRate({
      duration: Duration.millis(v("slowCallDuration")),
      threshold: v("slowCallRate"),
      minimumCalls: v("minimumCalls"),
      window
    }))
    paths.push([[".threshold", "slowCallRate"], [".duration", "slowCallDuration"], ...windowPaths])
  }
  policies.forEach((_, i) => {
    const prefix = policies.length === 1 ? "policy" : `policy.policies[${i}]`
    for (const [suffix, field] of paths[i]!) optionSettings.set(prefix + suffix, got[field]!.setting)
  })
  const setOption = (option: string, field: Field) => optionSettings.set(option, got[field]!.setting)
  setOption("openDuration", "openDuration")
  setOption("maxOpenDuration", "openDurationMax")
  setOption("halfOpen.permits", "halfOpenPermits")
  setOption("halfOpen.successesToClose", "successesToClose")
  setOption("halfOpen.probeTimeout", "probeTimeout")
  optionSettings.set("name", breaker.setting)

  const openMs: number = v("openDuration")
  const maxMs: number = v("openDurationMax")
  const options: Options = {
    name,
    policy: policies.length === 1 ? policies[0]! : TripPolicy.any(...policies),
    openDuration: v("openBackoff") === "exponential"
      ? Schedule.exponential(Duration.millis(openMs)).pipe(Schedule.union(Schedule.spaced(Duration.millis(maxMs))))
      : Duration.millis(openMs),
    maxOpenDuration: Duration.millis(maxMs),
    halfOpen: {
      permits: v("halfOpenPermits"),
      successesToClose: v("successesToClose"),
      probeTimeout: Duration.millis(v("probeTimeout"))
    },
    classify
  }
  const resolved: Resolved = {
    preset,
    consecutiveFailures: v("consecutiveFailures"),
    failureRate: v("failureRate"),
    minimumCalls: v("minimumCalls"),
    windowMs: v("window"),
    windowBuckets: v("windowBuckets"),
    slowCallMs: v("slowCallDuration"),
    slowCallRate: v("slowCallRate"),
    openDurationMs: openMs,
    openBackoff: v("openBackoff"),
    openDurationMaxMs: maxMs,
    halfOpenPermits: v("halfOpenPermits"),
    successesToClose: v("successesToClose"),
    probeTimeoutMs: v("probeTimeout")
  }
  return { name, resolved, options, setting: breaker.setting, settingOf: (path) => optionSettings.get(path) }
}

/**
 * Resolves every breaker: preset, then the settings for all breakers, then the
 * breaker's own. Fails on the first bad value, naming its setting.
 *
 * @internal
 */
export const resolve = (
  config: RawConfig,
  classify: Classifier<any, any> | undefined
): Either.Either<ReadonlyArray<Spec>, RegistryConfigError> => {
  try {
    const seen = new Set<string>()
    for (const b of config.breakers) {
      if (seen.has(b.name)) fail(b.setting, show(b.name), "each breaker name once")
      seen.add(b.name)
    }
    return Either.right(config.breakers.map((b) => resolveOne(config.defaults, b, classify)))
  } catch (e) {
    if (e instanceof Failed) return Either.left(e.error)
    throw e
  }
}

/**
 * Names the setting behind an option the breaker rejected.
 *
 * @internal
 */
export const fromInvalidOption = (spec: Spec, error: InvalidOptionError): RegistryConfigError =>
  new RegistryConfigError({
    setting: spec.settingOf(error.option) ?? spec.setting,
    value: error.value,
    expected: error.expected,
    option: error.option
  })
