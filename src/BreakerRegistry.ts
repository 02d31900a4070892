/**
 * Named breakers from configuration: one breaker per provider, model or host,
 * each starting from a preset (`default`, `aggressive`, `lenient`, see
 * {@link presets}) and overriding any setting from environment variables, a
 * JSON file or code; and the health of those breakers ({@link checkHealth}).
 *
 * **Details**
 *
 * One vocabulary everywhere (code, files, environment, the simulator, the admin
 * API's reports): `preset`, `policy`, `openDuration`, `maxOpenDuration`,
 * `halfOpen.{permits, successesToClose, probeTimeout}`, as in
 * `CircuitBreaker.Options`, described once by {@link SettingsSchema}.
 *
 * A settings file (JSON, or YAML with the optional peer `yaml`; {@link fromFile}),
 * checked by editors against the shipped `schema/settings.schema.json`:
 *
 * ```json
 * {
 *   "$schema": "./node_modules/effect-breaker/schema/settings.schema.json",
 *   "defaults": { "preset": "lenient" },
 *   "breakers": {
 *     "openai/gpt-4o": {
 *       "preset": "aggressive",
 *       "policy": { "_tag": "FailureRate", "threshold": 0.5, "minimumCalls": 10,
 *                   "window": { "_tag": "LastDuration", "duration": "60 seconds", "buckets": 12 } },
 *       "openDuration": { "_tag": "Exponential", "base": "30 seconds", "factor": 2 },
 *       "maxOpenDuration": "5 minutes",
 *       "halfOpen": { "permits": 2, "probeTimeout": "30 seconds" }
 *     }
 *   }
 * }
 * ```
 *
 * Environment variables (read through Effect `Config`, so any `ConfigProvider` works):
 *
 * ```
 * BREAKERS=openai/gpt-4o,anthropic            the breakers, comma-separated
 * BREAKERS_PRESET=default                     a setting for every breaker: BREAKERS_<FIELD>
 * BREAKER_OPENAI_GPT_4O_PRESET=aggressive     a setting for one breaker: BREAKER_<KEY>_<FIELD>
 * BREAKER_OPENAI_GPT_4O_POLICY={"_tag":"ConsecutiveFailures","threshold":3}
 * BREAKER_ANTHROPIC_OPEN_DURATION=45 seconds
 * BREAKER_ANTHROPIC_HALF_OPEN_PERMITS=2
 * ```
 *
 * `<KEY>` is the name upper-cased with every run of other characters than ASCII
 * letters and digits turned into one `_` (`openai/gpt-4o` → `OPENAI_GPT_4O`); two
 * names whose variables would coincide are an error. `<FIELD>` is the setting in
 * CONSTANT_CASE: `PRESET`, `POLICY` (JSON), `OPEN_DURATION` (a duration, or a
 * backoff as JSON), `MAX_OPEN_DURATION`, `HALF_OPEN_PERMITS`,
 * `HALF_OPEN_SUCCESSES_TO_CLOSE`, `HALF_OPEN_PROBE_TIMEOUT`.
 *
 * **One rule for values outside code.** A duration is text with a unit
 * (`"30 seconds"`, `"500 millis"`): a bare number (`30` in JSON or YAML, `30` in a
 * variable) is refused everywhere, since it would be 30 ms to Effect and 30
 * seconds to most readers. A count or a fraction is a plain decimal number: in a
 * variable and in YAML (read with its failsafe schema, every scalar as text) the
 * text must be plain decimal (`10`, `0.5`), so `0x10`, `1e3` and `1_000` are
 * refused rather than guessed; in JSON it is a JSON number. A UTF-8 byte order
 * mark at the start of a file is skipped. `null` is not a value: leave a field out
 * to take it from the preset. (In code a duration is any `DurationInput`, where a
 * number is millis, as everywhere in Effect.)
 *
 * A breaker starts from its preset (its own, else the defaults', else
 * `"default"`); the defaults then its own settings replace fields of it
 * (`halfOpen` is merged field by field). Any bad value fails the layer at
 * start-up with a `RegistryConfigError` naming the variable (or JSON path) and
 * the value. Breakers are made inside the layer, so they read the `Clock` and the
 * telemetry observers of the context the layer is built in, as
 * `CircuitBreaker.make` does.
 *
 * **Example**
 *
 * ```ts
 * import { Effect } from "effect"
 * import { BreakerRegistry } from "effect-breaker"
 *
 * const program = Effect.gen(function*() {
 *   const openai = yield* BreakerRegistry.get("openai")
 *   return yield* openai(Effect.succeed("hello"))
 * })
 *
 * program.pipe(Effect.provide(BreakerRegistry.layer({ breakers: { openai: { preset: "aggressive" } } })))
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import type * as JSONSchema from "effect/JSONSchema"
import * as Layer from "effect/Layer"
import type * as Schema from "effect/Schema"
import type * as CircuitBreaker from "./CircuitBreaker.js"
import type { RegistryConfigError, UnknownBreakerError } from "./internal/registry/errors.js"
import * as entry from "./internal/registry/entry.js"
import { envKey as envKeyOf, type Field } from "./internal/registry/fields.js"
import * as file from "./internal/registry/file.js"
import * as health from "./internal/registry/health.js"
import * as internal from "./internal/registry/registry.js"
import * as presetsInternal from "./internal/settings/presets.js"
import * as S from "./internal/settings/schema.js"
import type * as T from "./internal/settings/types.js"
import type { Classifier } from "./Outcome.js"

export {
  /**
   * @since 0.1.0
   * @category errors
   */
  RegistryConfigError,
  /**
   * @since 0.1.0
   * @category errors
   */
  UnknownBreakerError
} from "./internal/registry/errors.js"

/**
 * One named breaker with the settings it was made from.
 *
 * @since 0.1.0
 * @category models
 */
export interface Entry extends internal.Entry {}

/**
 * The registry: the breakers by name. The set of names is fixed when it is made.
 *
 * **Details**
 *
 * - `get(name)`: the breaker, or `UnknownBreakerError`. Get it once (in a layer or at the
 *   start of a program) and keep it: the breaker is the hot path, not the lookup.
 * - `unsafeGet(name)`: the breaker or `undefined`, synchronously.
 * - `names`, `all`, `entries` (name, breaker, resolved settings), `entry(name)`.
 * - `stats`: a snapshot of every breaker, in registry order.
 *
 * @since 0.1.0
 * @category models
 */
export interface Registry extends internal.Registry {}

/**
 * The registry as a service.
 *
 * @since 0.1.0
 * @category models
 */
export class BreakerRegistry extends Context.Tag("effect-breaker/BreakerRegistry")<BreakerRegistry, Registry>() {}

/**
 * What every source accepts besides the settings.
 *
 * @since 0.1.0
 * @category models
 */
export interface SourceOptions {
  /** How a finished call counts, for every breaker (e.g. `llmClassifier` from `effect-breaker/llm`). */
  readonly classify?: Classifier<any, any> | undefined
}

/**
 * Settings from code.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends SourceOptions {
  readonly defaults?: Settings | undefined
  readonly breakers: Readonly<Record<string, Settings>>
}

/**
 * Makes a registry from settings in code. `defaults` and each breaker's
 * settings are checked with the code flavour of the settings Schema (durations
 * may be any `DurationInput`); errors name `breakers["openai"].halfOpen.permits`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (options: Options) => Effect.Effect<Registry, RegistryConfigError> = entry.make

/**
 * Makes a registry from the current `ConfigProvider` (by default the environment),
 * by the variable scheme in the module docs.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromConfig: (options?: SourceOptions) => Effect.Effect<Registry, RegistryConfigError> = entry.fromConfig

/**
 * Makes a registry from a parsed settings file
 * (`{ "defaults": {...}, "breakers": { "<name>": {...} } }`, see {@link SettingsFileSchema}).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromJson: (json: unknown, options?: SourceOptions) => Effect.Effect<Registry, RegistryConfigError> = entry.fromJson

/**
 * Makes a registry from a settings file: JSON (`.json`) or YAML (`.yaml`,
 * `.yml`; needs the optional peer `yaml`), with the shape of {@link fromJson}.
 * An unreadable file, a parse error or a missing YAML parser fails with
 * `RegistryConfigError` naming the path (the file's text is never echoed); a
 * bad value names the path and the setting inside it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromFile: (path: string, options?: SourceOptions) => Effect.Effect<Registry, RegistryConfigError> = entry.fromFile

/**
 * Makes a registry from a JSON file (see {@link fromFile}, which also reads YAML).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromJsonFile: (path: string, options?: SourceOptions) => Effect.Effect<Registry, RegistryConfigError> = entry.fromFile

/**
 * Provides a registry. Its breakers are released with the layer (as with every
 * `layer*` here): their metric series leave Effect's registry, their `events`
 * streams end.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<BreakerRegistry, RegistryConfigError> =>
  Layer.scoped(BreakerRegistry, internal.releasedWithScope(make(options)))

/**
 * The registry from the current `ConfigProvider` (environment variables by default).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (options?: SourceOptions): Layer.Layer<BreakerRegistry, RegistryConfigError> =>
  Layer.scoped(BreakerRegistry, internal.releasedWithScope(fromConfig(options)))

/**
 * @since 0.1.0
 * @category layers
 */
export const layerJson = (json: unknown, options?: SourceOptions): Layer.Layer<BreakerRegistry, RegistryConfigError> =>
  Layer.scoped(BreakerRegistry, internal.releasedWithScope(fromJson(json, options)))

/**
 * @since 0.1.0
 * @category layers
 */
export const layerJsonFile = (
  path: string,
  options?: SourceOptions
): Layer.Layer<BreakerRegistry, RegistryConfigError> => Layer.scoped(BreakerRegistry, internal.releasedWithScope(fromJsonFile(path, options)))

/**
 * The registry from a JSON or YAML file (see {@link fromFile}).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFile = (
  path: string,
  options?: SourceOptions
): Layer.Layer<BreakerRegistry, RegistryConfigError> => Layer.scoped(BreakerRegistry, internal.releasedWithScope(fromFile(path, options)))

/**
 * The breaker of this name from the registry in context.
 *
 * @since 0.1.0
 * @category getters
 */
export const get = (name: string): Effect.Effect<CircuitBreaker.CircuitBreaker, UnknownBreakerError, BreakerRegistry> =>
  Effect.flatMap(BreakerRegistry, (registry) => registry.get(name))

/**
 * The `<KEY>` of a breaker's environment variables: `openai/gpt-4o` → `OPENAI_GPT_4O`.
 *
 * @since 0.1.0
 * @category getters
 */
export const envKey: (name: string) => string = envKeyOf

/**
 * The environment variable for one setting of one breaker:
 * `variable("openai/gpt-4o", "failureRate")` → `"BREAKER_OPENAI_GPT_4O_FAILURE_RATE"`.
 *
 * @since 0.1.0
 * @category getters
 */
export const variable: (name: string, field: Field) => string = entry.variable

/**
 * One breaker as a registry would make it: its name, the `CircuitBreaker.Options`
 * and the resolved settings.
 *
 * @since 0.1.0
 * @category models
 */
export interface Resolution {
  readonly name: string
  readonly options: CircuitBreaker.Options
  readonly settings: Resolved
}

/**
 * The `CircuitBreaker.Options` a registry would make a breaker from, given its
 * settings (a preset plus overrides), and the resolved settings. For tools that
 * need the same breaker without a registry (the simulator, a single
 * `CircuitBreaker.make`).
 *
 * **Example**
 *
 * ```ts
 * import { Effect, Either } from "effect"
 * import { BreakerRegistry, CircuitBreaker } from "effect-breaker"
 *
 * const resolved = BreakerRegistry.resolveOptions("openai", { preset: "aggressive", maxOpenDuration: "2 minutes" })
 * if (Either.isRight(resolved)) Effect.runSync(CircuitBreaker.make(resolved.right.options))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolveOptions: (
  name: string,
  settings: Settings,
  options?: SourceOptions
) => Either.Either<{ readonly options: CircuitBreaker.Options; readonly settings: Resolved }, RegistryConfigError> =
  entry.resolveOptions

/**
 * Every breaker of a parsed settings file, resolved and checked exactly as
 * {@link fromJson} would make it, without making it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolveJson: (
  json: unknown,
  options?: SourceOptions
) => Either.Either<ReadonlyArray<Resolution>, RegistryConfigError> = entry.resolveJson

/**
 * Reads and parses a settings file (JSON, or YAML with the optional peer
 * `yaml`) by the rule in the module docs (a byte order mark is skipped; YAML
 * scalars are text, plain decimals become numbers), without checking its
 * settings. Errors name the file and never echo its text.
 *
 * @since 0.1.0
 * @category constructors
 */
export const readSettingsFile = (path: string): Effect.Effect<unknown, RegistryConfigError> => file.read(path)

/**
 * Every breaker of a settings file (JSON or YAML), resolved and checked exactly
 * as {@link fromFile} would make it, without making it. The simulator reads
 * its config files with this, so a file a registry accepts is one it accepts.
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolveFile: (
  path: string,
  options?: SourceOptions
) => Effect.Effect<ReadonlyArray<Resolution>, RegistryConfigError> = entry.resolveFile

/**
 * The name of a preset.
 *
 * @since 0.1.0
 * @category models
 */
export type PresetName = presetsInternal.PresetName

/**
 * The preset names, in order.
 *
 * @since 0.1.0
 * @category getters
 */
export const presetNames: ReadonlyArray<PresetName> = presetsInternal.presetNames

/**
 * A breaker's settings, in code: the same as `CircuitBreaker.Settings`.
 *
 * @since 0.1.0
 * @category models
 */
export type Settings = CircuitBreaker.Settings

/**
 * A breaker's settings as a file or an environment variable says them
 * (durations are text with a unit). Every value of this type is also a
 * {@link Settings}.
 *
 * @since 0.1.0
 * @category models
 */
export type SettingsJson = T.Settings

/**
 * A settings file: `{ "$schema"?, "defaults"?, "breakers"?: { "<name>": SettingsJson } }`.
 *
 * @since 0.1.0
 * @category models
 */
export type SettingsFile = T.SettingsFile

/**
 * The Schema of a breaker's settings in a file (see the module docs for the
 * rule on numbers and durations).
 *
 * @since 0.1.0
 * @category schemas
 */
export const SettingsSchema: Schema.Schema<SettingsJson, unknown> = S.Settings

/**
 * The Schema of a settings file, as {@link fromFile}, {@link fromJson} and the
 * simulator read it. `schema/settings.schema.json` in the package is
 * {@link jsonSchema} written out, for editors.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SettingsFileSchema: Schema.Schema<SettingsFile, unknown> = S.SettingsFile

/**
 * The JSON Schema of a settings file, generated from {@link SettingsFileSchema}.
 *
 * @since 0.1.0
 * @category schemas
 */
export const jsonSchema: () => JSONSchema.JsonSchema7Root = entry.jsonSchema

/**
 * Checks settings from code on their own, naming a bad field by its path.
 *
 * @since 0.1.0
 * @category constructors
 */
export const validateSettings: (settings: Settings) => Either.Either<Settings, CircuitBreaker.InvalidOptionError> =
  entry.validateSettings

/**
 * Settings with every field decided, as a registry reports them (`Entry.settings`,
 * the admin API's `GET /breakers`): the file form, so a report can be pasted
 * into a settings file.
 *
 * @since 0.1.0
 * @category models
 */
export interface Resolved extends T.Resolved {}

/**
 * A preset: settings in the file form ({@link SettingsJson}) with every field
 * set, so a preset alone is a complete breaker configuration. Also what the
 * `effect-breaker tune` command searches over and writes.
 *
 * @since 0.1.0
 * @category models
 */
export interface Preset extends presetsInternal.Preset {}

/**
 * The presets: `default` (a balanced start), `aggressive` (trips early, stays
 * open longer: for a dependency with a fallback), `lenient` (trips late, probes
 * often: for a dependency with no alternative). Each is a {@link Preset} (every
 * field set); every value of that type is also a {@link SettingsJson}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const presets: { readonly [K in PresetName]: Preset } = presetsInternal.presets

/**
 * @since 0.1.0
 * @category guards
 */
export const isPresetName: (u: unknown) => u is PresetName = presetsInternal.isPresetName

// ---------------------------------------------------------------------------
// Health
// ---------------------------------------------------------------------------

/**
 * `healthy`, `degraded` or `failed`.
 *
 * @since 0.1.0
 * @category models
 */
export type HealthStatus = health.Status

/**
 * The trip thresholds health compares against; `0` (or absent) means the policy is off.
 *
 * @since 0.1.0
 * @category models
 */
export interface HealthThresholds extends health.Thresholds {}

/**
 * @since 0.1.0
 * @category models
 */
export interface HealthOptions extends health.Options {}

/**
 * One breaker's status, why, and the figures it was judged from.
 *
 * @since 0.1.0
 * @category models
 */
export interface BreakerHealth extends health.BreakerHealth {}

/**
 * The overall status and every breaker's.
 *
 * @since 0.1.0
 * @category models
 */
export interface HealthReport extends health.Report {}

/**
 * The thresholds health compares a breaker's figures against, from its resolved settings.
 *
 * @since 0.1.0
 * @category getters
 */
export const thresholdsOf: (settings: Resolved) => HealthThresholds = health.thresholdsOf

/**
 * The health of one breaker from its stats.
 *
 * **Details**
 *
 * | state | status |
 * |---|---|
 * | `Closed`, quiet | `healthy` |
 * | `Closed` with an elevated failure (or slow-call) rate or run of failures: at least `degradedAt` (default half) of a trip threshold | `degraded` |
 * | `HalfOpen` (probing after an opening) | `degraded` |
 * | `Open`, `ForcedOpen` | `failed` |
 * | `Disabled` (an operator turned protection off: calls flow, nothing is recorded) | `degraded` |
 * | `MetricsOnly` (calls flow and are recorded, it never trips) | as `Closed`: at most `degraded` |
 *
 * A rate counts only once the window holds the policy's `minimumCalls`.
 *
 * @since 0.1.0
 * @category getters
 */
export const evaluateHealth: (
  stats: CircuitBreaker.Stats,
  thresholds?: HealthThresholds,
  options?: HealthOptions
) => BreakerHealth = health.evaluate

/**
 * The overall status: the worst of the breakers (`failWhen: "any"`, the
 * default) or, for breakers that back each other up, `failed` only when every
 * one has failed (`failWhen: "all"`; anything not healthy is then `degraded`).
 *
 * @since 0.1.0
 * @category getters
 */
export const overallHealth: (breakers: ReadonlyArray<BreakerHealth>, options?: HealthOptions) => HealthStatus =
  health.overall

/**
 * A report from stats and thresholds, without a registry.
 *
 * @since 0.1.0
 * @category getters
 */
export const healthReport: (
  items: ReadonlyArray<{ readonly stats: CircuitBreaker.Stats; readonly thresholds?: HealthThresholds | undefined }>,
  options?: HealthOptions
) => HealthReport = health.report

/**
 * The health of every breaker in the registry, now.
 *
 * @since 0.1.0
 * @category getters
 */
export const checkHealth = (options?: HealthOptions): Effect.Effect<HealthReport, never, BreakerRegistry> =>
  Effect.flatMap(BreakerRegistry, (registry) => health.check(registry, options))

/**
 * @since 0.1.0
 * @category guards
 */
export const isHealthStatus: (u: unknown) => u is HealthStatus = health.isStatus
