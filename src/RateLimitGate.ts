/**
 * A keyed rate-limit gate: once told that a key's limit resets at time T, calls
 * for that key fail fast with a typed error until T instead of being sent.
 *
 * **Details**
 *
 * A provider that answers 429 with a reset time (or a success whose headers say
 * no requests remain) has told us when sending again is useful. The gate
 * remembers that per key (a model, an API key id, a tenant: never a secret, the
 * key appears in errors) and rejects calls for the key until then, without
 * touching the breaker or the dependency.
 *
 * - Learn automatically with `resetAfter(exit)` (run on every guarded call's
 *   exit; return the time until the reset, or `undefined`), or close by hand
 *   with `closeFor` / `closeUntil`.
 * - A rejection fails with `onClosed(info)` (default: {@link GateClosedError})
 *   carrying `retryAfter`; {@link RateLimitGate.retryAfterOf} reads it back, so a
 *   retry outside the gate waits exactly until the reset.
 * - Memory is bounded by `maxKeys`: expired keys are dropped first, then the
 *   least recently set. A learnt reset is capped at `maxReset` (default 1 hour)
 *   so a garbage header cannot close a key for a year.
 * - Time comes from the `Clock` of the context where the gate is made.
 *
 * **Example**
 *
 * ```ts
 * import { Effect } from "effect"
 * import { RateLimitGate } from "effect-breaker"
 *
 * const program = Effect.gen(function*() {
 *   const gate = yield* RateLimitGate.make({ name: "openai" })
 *   yield* gate.closeFor("gpt-4o", "7 seconds") // e.g. a 429 said so
 *   const error = yield* Effect.flip(gate.guard("gpt-4o")(Effect.succeed("sent")))
 *   return error._tag
 * })
 * // Effect.runPromise(program) resolves to "GateClosedError"
 * ```
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import { dual } from "effect/Function"
import type * as Option from "effect/Option"
import type { InvalidOptionError } from "./CircuitBreaker.js"
import * as Layer from "effect/Layer"
import * as internal from "./internal/resilience/gate.js"
import * as store from "./internal/resilience/gateStore.js"

/**
 * The default rejection: the gate for `key` is closed for `retryAfter`.
 *
 * @since 0.1.0
 * @category errors
 */
export const GateClosedError: typeof internal.GateClosedError = internal.GateClosedError

/**
 * @since 0.1.0
 * @category errors
 */
export type GateClosedError = internal.GateClosedError

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: typeof internal.TypeId = internal.TypeId

/**
 * What a rejection's error is built from.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClosedInfo extends internal.ClosedInfo {}

/**
 * @since 0.1.0
 * @category models
 */
export interface RateLimitGate<Err = GateClosedError> {
  readonly [TypeId]: typeof TypeId
  readonly name: string
  /** Guards calls for `key`: fails fast while closed; learns from each exit when `resetAfter` is set. */
  readonly guard: (key: string) => <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | Err, R>
  /** Fails with the rejection if `key` is closed now. */
  readonly check: (key: string) => Effect.Effect<void, Err>
  /**
   * Closes `key` for `duration` from now (a later reset already known wins).
   * Fails with `InvalidOptionError` for a key or a duration that is not one.
   */
  readonly closeFor: (key: string, duration: Duration.DurationInput) => Effect.Effect<void, InvalidOptionError>
  /** Closes `key` until the epoch millis `epochMillis` (by the gate's `Clock`); `InvalidOptionError` for a bad one. */
  readonly closeUntil: (key: string, epochMillis: number) => Effect.Effect<void, InvalidOptionError>
  /** Opens `key` now. */
  readonly open: (key: string) => Effect.Effect<void>
  /** How long `key` stays closed, if it is. */
  readonly retryAfter: (key: string) => Effect.Effect<Option.Option<Duration.Duration>>
  /** How many keys are closed now. */
  readonly size: Effect.Effect<number>
  /** The `retryAfter` of a rejection this gate produced, else `undefined`. */
  readonly retryAfterOf: (error: unknown) => Duration.Duration | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options<Err = GateClosedError> {
  /** Names the gate in its errors. Default "gate". */
  readonly name?: string | undefined
  /** At most this many closed keys are remembered. Default 10,000. */
  readonly maxKeys?: number | undefined
  /** Builds the rejection (return an object, so `retryAfterOf` can find it). Default: a {@link GateClosedError}. */
  readonly onClosed?: ((info: ClosedInfo) => Err) | undefined
  /** Learns from a guarded call's exit how long until its key's limit resets. */
  readonly resetAfter?: ((exit: Exit.Exit<unknown, unknown>) => Duration.DurationInput | undefined) | undefined
  /** Cap on a learnt reset. Default 1 hour. */
  readonly maxReset?: Duration.DurationInput | undefined
}

/**
 * Makes a gate. Fails with `InvalidOptionError` on a bad option.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: {
  (options?: Omit<Options, "onClosed">): Effect.Effect<RateLimitGate<GateClosedError>, InvalidOptionError>
  <Err>(options: Options<Err> & { readonly onClosed: (info: ClosedInfo) => Err }): Effect.Effect<RateLimitGate<Err>, InvalidOptionError>
} = internal.make

/**
 * Runs `self` through `gate` for `key`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const guard: {
  <Err>(gate: RateLimitGate<Err>, key: string): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | Err, R>
  <A, E, R, Err>(self: Effect.Effect<A, E, R>, gate: RateLimitGate<Err>, key: string): Effect.Effect<A, E | Err, R>
} = dual(3, <A, E, R, Err>(self: Effect.Effect<A, E, R>, gate: RateLimitGate<Err>, key: string) => gate.guard(key)(self))

/**
 * @since 0.1.0
 * @category guards
 */
export const isRateLimitGate = (u: unknown): u is RateLimitGate<unknown> =>
  typeof u === "object" && u !== null && TypeId in u

/**
 * Where gates share what they learn. A gate always checks its local map (no
 * round trip); a shared store also tells every other replica's gate of the same
 * name when a key closes or opens. The default (memory) shares nothing;
 * `effect-breaker/redis`'s `RedisStore.layer` provides a Redis one, so a 429
 * seen by one replica holds every replica's calls on that key until the reset.
 *
 * @since 0.2.0
 * @category models
 */
export const RateLimitGateStore: typeof store.RateLimitGateStore = store.RateLimitGateStore

/**
 * What a gate store implements.
 *
 * @since 0.2.0
 * @category models
 */
export type GateStore = store.GateStore

/**
 * Gates made where this is provided share nothing (the default).
 *
 * @since 0.2.0
 * @category layers
 */
export const layerStoreMemory: Layer.Layer<never> = Layer.succeed(store.RateLimitGateStore, store.memoryGateStore)
