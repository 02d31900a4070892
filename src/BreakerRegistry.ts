/**
 * Named breakers from configuration: one breaker per provider, model or host,
 * each starting from a preset (`default`, `aggressive`, `lenient`, see
 * {@link presets}) and overriding any setting from environment variables, a
 * JSON file or code; and the health of those breakers ({@link checkHealth}).
 *
 * **Details**
 *
 * Environment variables (read through Effect `Config`, so any `ConfigProvider` works):
 *
 * ```
 * BREAKERS=openai/gpt-4o,anthropic          the breakers, comma-separated
 * BREAKERS_PRESET=default                   a setting for every breaker: BREAKERS_<FIELD>
 * BREAKER_OPENAI_GPT_4O_PRESET=aggressive   a setting for one breaker: BREAKER_<KEY>_<FIELD>
 * BREAKER_OPENAI_GPT_4O_FAILURE_RATE=0.5
 * BREAKER_ANTHROPIC_OPEN_DURATION=45 seconds
 * ```
 *
 * `<KEY>` is the name upper-cased with every run of other characters than ASCII
 * letters and digits turned into one `_` (`openai/gpt-4o` → `OPENAI_GPT_4O`); two
 * names with the same key are an error. `<FIELD>` is the setting in CONSTANT_CASE:
 * `PRESET`, `CONSECUTIVE_FAILURES`, `FAILURE_RATE`, `MINIMUM_CALLS`, `WINDOW`,
 * `WINDOW_BUCKETS`, `SLOW_CALL_DURATION`, `SLOW_CALL_RATE`, `OPEN_DURATION`,
 * `OPEN_BACKOFF`, `OPEN_DURATION_MAX`, `HALF_OPEN_PERMITS`, `SUCCESSES_TO_CLOSE`,
 * `PROBE_TIMEOUT`. Durations are Effect's `"<n> <unit>"` text (`"30 seconds"`).
 *
 * A JSON or YAML file ({@link fromFile}; YAML needs the optional peer `yaml`) has
 * the same settings in camelCase:
 * `{ "defaults": { "preset": "lenient" }, "breakers": { "openai/gpt-4o": { "failureRate": 0.5 } } }`.
 *
 * A breaker takes each setting from its own entry, else from the defaults, else
 * from its preset. Any bad value fails the layer at start-up with a
 * `RegistryConfigError` naming the variable (or JSON path) and the value.
 * Breakers are made inside the layer, so they read the `Clock` and the telemetry
 * observers of the context the layer is built in, as `CircuitBreaker.make` does.
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
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type * as CircuitBreaker from "./CircuitBreaker.js"
import { RegistryConfigError, type UnknownBreakerError } from "./internal/registry/errors.js"
import { breakerVariable, envKey as envKeyOf, type Field, fieldSpec } from "./internal/registry/fields.js"
import * as internal from "./internal/registry/registry.js"
import { resolve } from "./internal/registry/resolve.js"
import * as sources from "./internal/registry/sources.js"
import * as health from "./internal/registry/health.js"
import * as presetsInternal from "./internal/registry/presets.js"
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
 * Makes a registry from settings in code.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Registry, RegistryConfigError> =>
  internal.make(sources.fromSettings(options), options.classify)

/**
 * Makes a registry from the current `ConfigProvider` (by default the environment),
 * by the variable scheme in the module docs.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromConfig = (options?: SourceOptions): Effect.Effect<Registry, RegistryConfigError> =>
  internal.make(sources.fromConfig, options?.classify)

/**
 * Makes a registry from a parsed JSON value
 * (`{ "defaults": {...}, "breakers": { "<name>": {...} } }`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromJson = (json: unknown, options?: SourceOptions): Effect.Effect<Registry, RegistryConfigError> =>
  internal.make(sources.fromJson(json), options?.classify)

/**
 * Makes a registry from a configuration file: JSON (`.json`) or YAML (`.yaml`,
 * `.yml`; needs the optional peer `yaml`), with the shape of {@link fromJson}.
 * An unreadable file, a parse error or a missing YAML parser fails with
 * `RegistryConfigError` naming the path (the file's text is never echoed); a
 * bad value names the path and the setting inside it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromFile = (path: string, options?: SourceOptions): Effect.Effect<Registry, RegistryConfigError> => {
  const yaml = /\.ya?ml$/i.test(path)
  const fail = (value: string, expected: string) => new RegistryConfigError({ setting: path, value, expected })
  return Effect.tryPromise({
    try: () => import("node:fs/promises").then((fs) => fs.readFile(path, "utf8")),
    catch: (e) => {
      const code = typeof e === "object" && e !== null && "code" in e && typeof e.code === "string" ? ` (${e.code})` : ""
      return fail("(unreadable)", `a readable ${yaml ? "YAML" : "JSON"} file${code}`)
    }
  }).pipe(
    Effect.flatMap((text) =>
      yaml
        ? Effect.tryPromise({
          try: () => import("yaml"),
          catch: () => fail("(not read)", "the optional peer dependency `yaml` installed, to read YAML")
        }).pipe(Effect.flatMap((parser) =>
          Effect.try({ try: () => parser.parse(text) as unknown, catch: () => fail("(not shown)", "valid YAML") })
        ))
        : Effect.try({ try: () => JSON.parse(text) as unknown, catch: () => fail("(not shown)", "valid JSON") })
    ),
    Effect.flatMap((json) => fromJson(json, options)),
    Effect.mapError((e) =>
      e.setting === path ? e : new RegistryConfigError({
        setting: `${path}: ${e.setting}`,
        value: e.value,
        expected: e.expected,
        ...(e.option === undefined ? {} : { option: e.option })
      })
    )
  )
}

/**
 * Makes a registry from a JSON file (see {@link fromFile}, which also reads YAML).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromJsonFile = (path: string, options?: SourceOptions): Effect.Effect<Registry, RegistryConfigError> =>
  fromFile(path, options)

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
export const variable = (name: string, field: Field): string => breakerVariable(envKeyOf(name), fieldSpec[field])

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
 * const resolved = BreakerRegistry.resolveOptions("openai", { preset: "aggressive", failureRate: 0.5 })
 * if (Either.isRight(resolved)) Effect.runSync(CircuitBreaker.make(resolved.right.options))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolveOptions = (
  name: string,
  settings: Settings,
  options?: SourceOptions
): Either.Either<{ readonly options: CircuitBreaker.Options; readonly settings: Resolved }, RegistryConfigError> =>
  Either.flatMap(
    Effect.runSync(Effect.either(sources.fromSettings({ breakers: { [name]: settings } }))),
    (raw) =>
      Either.map(resolve(raw, options?.classify), (specs) => ({ options: specs[0]!.options, settings: specs[0]!.resolved }))
  )

// ---------------------------------------------------------------------------
// Settings and presets
// ---------------------------------------------------------------------------

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
 * A breaker's settings as the registry reads them: a preset plus any overrides.
 *
 * @since 0.1.0
 * @category models
 */
export interface Settings extends presetsInternal.Settings {}

/**
 * Settings with every field decided (durations in millis).
 *
 * @since 0.1.0
 * @category models
 */
export interface Resolved extends presetsInternal.Resolved {}

/**
 * The presets: `default` (a balanced start), `aggressive` (trips early, stays
 * open longer: for a dependency with a fallback), `lenient` (trips late, probes
 * often: for a dependency with no alternative).
 *
 * @since 0.1.0
 * @category constructors
 */
export const presets: { readonly [K in PresetName]: Settings } = presetsInternal.presets

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
