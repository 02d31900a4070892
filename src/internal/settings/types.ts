/**
 * The TypeScript shape of the settings, for a duration type `D`: `string` in
 * files and the environment, `Duration.DurationInput` in code. The Schemas in
 * `schema.ts` check exactly these shapes.
 *
 * @internal
 */

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

/** Settings as a file or the environment says them: durations are text with a unit. @internal */
export type Settings = SettingsOf<string>

/** A settings file for the registry and the simulator. @internal */
export interface SettingsFile {
  readonly $schema?: string | undefined
  readonly defaults?: Settings | undefined
  readonly breakers?: { readonly [name: string]: Settings } | undefined
}
