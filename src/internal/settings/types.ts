/**
 * The TypeScript shape of the settings, for a duration type `D`: `string` in
 * files and the environment, `Duration.DurationInput` in code. The Schemas in
 * `schema.ts` check exactly these shapes.
 *
 * @internal
 */
import type * as Duration from "effect/Duration"

/** @internal */
export type WindowOf<D> =
  | { readonly _tag: "LastCalls"; readonly size: number }
  | { readonly _tag: "LastDuration"; readonly duration: D; readonly buckets: number }

/** @internal */
export type TripPolicyOf<D> =
  | { readonly _tag: "ConsecutiveFailures"; readonly threshold: number }
  | {
    readonly _tag: "FailureRate"
    readonly threshold: number
    readonly minimumCalls: number
    readonly window: WindowOf<D>
  }
  | {
    readonly _tag: "SlowCallRate"
    readonly duration?: D | undefined
    readonly perOutputToken?: D | undefined
    readonly timeToFirstToken?: D | undefined
    readonly threshold: number
    readonly minimumCalls: number
    readonly window: WindowOf<D>
  }
  | { readonly _tag: "Any"; readonly policies: ReadonlyArray<TripPolicyOf<D>> }

/** Exponential backoff: the n-th consecutive opening lasts `base × factor^(n-1)`, capped by `maxOpenDuration`. @internal */
export interface BackoffOf<D> {
  readonly _tag: "Exponential"
  readonly base: D
  /** Default 2. */
  readonly factor?: number | undefined
}

/** @internal */
export interface HalfOpenOf<D> {
  readonly permits?: number | undefined
  readonly successesToClose?: number | undefined
  readonly probeTimeout?: D | undefined
}

/** @internal */
export interface SettingsOf<D> {
  readonly preset?: "default" | "aggressive" | "lenient" | undefined
  readonly policy?: TripPolicyOf<D> | undefined
  readonly openDuration?: D | BackoffOf<D> | undefined
  readonly maxOpenDuration?: D | undefined
  readonly halfOpen?: HalfOpenOf<D> | undefined
}

/** Duration text with a unit, as Effect reads it: `"30 seconds"`. @internal */
export type DurationText = Extract<Duration.DurationInput, string>

/** Settings as a file or the environment says them: durations are text with a unit. @internal */
export type Settings = SettingsOf<DurationText>

/** A settings file for the registry and the simulator. @internal */
export interface SettingsFile {
  readonly $schema?: string | undefined
  readonly defaults?: Settings | undefined
  readonly breakers?: { readonly [name: string]: Settings } | undefined
}

/**
 * Settings with every field decided, as a registry reports them (`Entry.settings`,
 * the admin API): the file form, so it can be written back to a settings file.
 * An `openDuration` given in code as a `Schedule` reads `"(a Schedule)"`.
 *
 * @internal
 */
export interface Resolved {
  readonly preset: "default" | "aggressive" | "lenient"
  readonly policy: TripPolicyOf<DurationText>
  readonly openDuration: DurationText | BackoffOf<DurationText> | "(a Schedule)"
  readonly maxOpenDuration: DurationText
  readonly halfOpen: {
    readonly permits: number
    readonly successesToClose: number
    readonly probeTimeout: DurationText
  }
}
