/**
 * The registry's constructors and resolvers behind `BreakerRegistry.ts`
 * (which holds their signatures and docs): every source (settings in code,
 * env/Config, JSON, a file) goes through the same resolution, after the
 * `classify` option is checked.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as JSONSchema from "effect/JSONSchema"
import type * as BreakerRegistry from "../../BreakerRegistry.js"
import type * as CircuitBreaker from "../../CircuitBreaker.js"
import { decode, show } from "../settings/decode.js"
import * as S from "../settings/schema.js"
import { RegistryConfigError } from "./errors.js"
import { breakerVariable, envKey, type Field, fieldSpec } from "./fields.js"
import * as file from "./file.js"
import * as internal from "./registry.js"
import { resolve } from "./resolve.js"
import * as sources from "./sources.js"

type SourceOptions = BreakerRegistry.SourceOptions
type Resolution = BreakerRegistry.Resolution

const checkClassify = (options: SourceOptions | undefined): Either.Either<void, RegistryConfigError> => {
  if (options === undefined) return Either.void
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    return Either.left(new RegistryConfigError({ setting: "options", value: show(options), expected: "an object { classify? }" }))
  }
  let classify: unknown
  try {
    classify = options.classify
  } catch {
    return Either.left(
      new RegistryConfigError({ setting: "classify", value: "(a value that throws when read)", expected: "a function from Exit to Outcome", option: "classify" })
    )
  }
  return classify === undefined || typeof classify === "function"
    ? Either.void
    : Either.left(
      new RegistryConfigError({
        setting: "classify",
        value: typeof classify === "object" && classify !== null ? "an object" : show(classify),
        expected: "a function from Exit to Outcome",
        option: "classify"
      })
    )
}

const fromSource = (
  source: Effect.Effect<sources.RawConfig, RegistryConfigError>,
  options: SourceOptions | undefined
): Effect.Effect<internal.Registry, RegistryConfigError> =>
  Effect.flatMap(checkClassify(options), () => internal.make(source, options?.classify))

/** @internal */
export const make = (options: BreakerRegistry.Options): Effect.Effect<internal.Registry, RegistryConfigError> =>
  fromSource(Effect.suspend(() => sources.fromSettings(options)), options)

/** @internal */
export const fromConfig = (options?: SourceOptions): Effect.Effect<internal.Registry, RegistryConfigError> =>
  fromSource(sources.fromConfig, options)

/** @internal */
export const fromJson = (json: unknown, options?: SourceOptions): Effect.Effect<internal.Registry, RegistryConfigError> =>
  fromSource(Effect.suspend(() => sources.fromJson(json)), options)

/** @internal */
export const fromFile = (path: string, options?: SourceOptions): Effect.Effect<internal.Registry, RegistryConfigError> =>
  Effect.flatMap(file.read(path), (json) => fromJson(json, options)).pipe(Effect.mapError(file.inFile(path)))

/** @internal */
export const variable = (name: string, field: Field): string => breakerVariable(envKey(name), fieldSpec[field])

const resolveAll = (
  raw: Either.Either<sources.RawConfig, RegistryConfigError>,
  options: SourceOptions | undefined
): Either.Either<ReadonlyArray<Resolution>, RegistryConfigError> =>
  Either.flatMap(raw, (config) =>
    Either.map(resolve(config, options?.classify), (specs) =>
      specs.map((s): Resolution => ({ name: s.name, options: s.options, settings: s.resolved }))))

/** @internal */
export const resolveOptions = (
  name: string,
  settings: BreakerRegistry.Settings,
  options?: SourceOptions
): Either.Either<
  { readonly options: CircuitBreaker.Options; readonly settings: BreakerRegistry.Resolved },
  RegistryConfigError
> =>
  Either.map(
    resolveAll(Either.flatMap(checkClassify(options), () => sources.fromSettings({ breakers: { [name]: settings } })), options),
    (all) => ({ options: all[0]!.options, settings: all[0]!.settings })
  )

/** @internal */
export const resolveJson = (
  json: unknown,
  options?: SourceOptions
): Either.Either<ReadonlyArray<Resolution>, RegistryConfigError> =>
  resolveAll(Either.flatMap(checkClassify(options), () => sources.fromJson(json)), options)

/** @internal */
export const resolveFile = (
  path: string,
  options?: SourceOptions
): Effect.Effect<ReadonlyArray<Resolution>, RegistryConfigError> =>
  Effect.flatMap(file.read(path), (json) => resolveJson(json, options)).pipe(Effect.mapError(file.inFile(path)))

/** @internal */
export const jsonSchema = (): JSONSchema.JsonSchema7Root => JSONSchema.make(S.SettingsFile, { target: "jsonSchema2019-09" })

/** @internal */
export const validateSettings = (
  settings: BreakerRegistry.Settings
): Either.Either<BreakerRegistry.Settings, CircuitBreaker.InvalidOptionError> =>
  decode(S.SettingsInput, settings, { excess: "error" })
