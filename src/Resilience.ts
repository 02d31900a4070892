/**
 * One policy for a call to a flaky dependency: timeout, circuit breaker,
 * rate-limit gate, retry and fallback, composed in the order that keeps an
 * outage from being multiplied by retries.
 *
 * **Details**
 *
 * ```
 *            ┌──────────────────────── retry (Schedule) ──────────────────────┐
 * caller ◀── fallback ◀── retry ◀── gate ◀── breaker ◀── timeout ◀── call ──▶ dependency
 *  (outermost: catches       │        │          │           │
 *   what is left)            │        │          │           └ a hang is a failure, a probe cannot stall
 *                            │        │          └ never waits; open → CircuitOpenError at once
 *                            │        └ a key known to be rate limited fails fast until its reset
 *                            └ outside the breaker: each attempt is admitted (or rejected) anew,
 *                              and a CircuitOpenError ends the retrying at once
 * ```
 *
 * Innermost first: `fallback(retry(gate(breaker(timeout(call)))))`.
 *
 * - **timeout inside the breaker**: a hung call is recorded as a failure and a
 *   half-open probe is bounded.
 * - **breaker**: while open, attempts are rejected without reaching the
 *   dependency. Because the retry sits outside it, during an outage the calls
 *   that reach the dependency are bounded by the trip threshold plus the
 *   half-open probes per opening, not multiplied by the retry attempts.
 * - **gate outside the breaker**: a key known to be rate limited fails fast
 *   with the gate's error (it neither reaches the dependency nor counts against
 *   its health); the gate learns resets from each call's exit.
 * - **retry**: your `while` / `retryAfter` see only your own errors. The policy
 *   adds: a `CircuitOpenError` is never retried; a gate rejection is retried
 *   after exactly its `retryAfter` (if within `maxWait`); a timeout is retried
 *   unless `retry.timeouts` is `false`.
 * - **fallback outermost** (per call, {@link serve}): catches whatever is left,
 *   `CircuitOpenError` included, and says who served.
 *
 * Per-call overrides (`timeout`, gate `key`, `fallback`, `hedge`) go in the
 * options argument of {@link protect} / {@link serve}.
 *
 * The LLM policy of `effect-breaker/llm` (`Policy.make`) is a `Resilience`
 * whose errors are mapped into the provider taxonomy (its third type
 * parameter, `Out`) and whose calls carry GenAI span attributes; everything
 * here applies to it, and `Fallback.failover` takes either kind as a step.
 *
 * **Example**
 *
 * ```ts
 * import { Effect } from "effect"
 * import { CircuitBreaker, Fallback, Resilience, TripPolicy } from "effect-breaker"
 *
 * const program = Effect.gen(function*() {
 *   const breaker = yield* CircuitBreaker.make({ name: "search", policy: TripPolicy.consecutiveFailures(5) })
 *   const policy = yield* Resilience.make({ breaker, timeout: "10 seconds", retry: { times: 2 } })
 *   const plain = yield* policy(Effect.succeed("result"))
 *   const served = yield* Effect.fail("down").pipe(
 *     Resilience.serve(policy, { fallback: [Fallback.value("cached result", "static")], timeout: "2 seconds" })
 *   )
 *   return [plain, served.value, served.servedBy._tag]
 * })
 * // Effect.runPromise(program) resolves to ["result", "cached result", "Fallback"] (after ~300 ms of retries)
 * ```
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type { Pipeable } from "effect/Pipeable"
import type * as Schedule from "effect/Schedule"
import type * as Types from "effect/Types"
import type { CircuitBreaker } from "./CircuitBreaker.js"
import type { CircuitOpenError, InvalidOptionError } from "./CircuitBreaker.js"
import type { Alternative, Hedge, Served } from "./Fallback.js"
import * as internal from "./internal/resilience/policy.js"
import type { GateClosedError, RateLimitGate } from "./RateLimitGate.js"
import type * as Retry from "./Retry.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: typeof internal.TypeId = internal.TypeId

/**
 * The errors the policy adds to a call's own.
 *
 * @since 0.1.0
 * @category models
 */
export type Added<GErr = GateClosedError> = Cause.TimeoutException | CircuitOpenError | GErr

/**
 * What a call through a policy fails with: its own errors plus {@link Added},
 * or, for a policy that maps errors (`Out` set, e.g. the LLM policy's
 * `ProviderError`), `Out` plus the breaker's and the gate's errors.
 *
 * @since 0.1.0
 * @category models
 */
export type Failure<E, GErr, Out> = [Out] extends [never] ? E | Added<GErr> : Out | CircuitOpenError | GErr

/**
 * A composed policy. Call it on an effect (`policy(call)` or `call.pipe(policy)`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Resilience<in E = unknown, GErr = never, Out = never> extends Pipeable {
  readonly [TypeId]: Resilience.Variance<E, GErr, Out>
  <A, E2 extends E, R>(self: Effect.Effect<A, E2, R>): Effect.Effect<A, Failure<E2, GErr, Out>, R>
  /** The policy with per-call overrides (a bad override fails the call with `InvalidOptionError`). */
  readonly with: (
    options: CallOptions
  ) => <A, E2 extends E, R>(self: Effect.Effect<A, E2, R>) => Effect.Effect<A, Failure<E2, GErr, Out> | InvalidOptionError, R>
  /** Names the policy in failover answers and spans. Default: the breaker's name. */
  readonly name: string
  readonly breaker: CircuitBreaker
  /** The rate-limit gate, if any. */
  readonly gate: RateLimitGate<GErr> | undefined
  /** Span attributes of this policy's calls (the GenAI attributes of an LLM policy; empty otherwise). */
  readonly attributes: Readonly<Record<string, string | number>>
}

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace Resilience {
  /** The policy's type parameters, so they infer from any `Resilience` (an LLM `Policy` included). */
  export interface Variance<in E, out GErr, out Out> {
    readonly _E: Types.Contravariant<E>
    readonly _GErr: Types.Covariant<GErr>
    readonly _Out: Types.Covariant<Out>
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface RetryOptions<E> extends Omit<Retry.Options<E>, "schedule"> {
  /**
   * The backoff, any `Schedule` (see `Retry.Options`). Its input is every
   * failure the retry sees: your errors, timeouts, gate rejections and
   * half-open rejections.
   */
  readonly schedule?: Schedule.Schedule<unknown, unknown> | undefined
  /** Retry a timed-out attempt. Default true. */
  readonly timeouts?: boolean | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options<E = unknown, GErr = never> {
  /** The breaker (make one per dependency with `CircuitBreaker.make`; its `classify` decides what is a failure). */
  readonly breaker: CircuitBreaker
  /** Per attempt, inside the breaker. Default 60 seconds; `Duration.infinity` for none. */
  readonly timeout?: Duration.DurationInput | undefined
  /** Retry outside the breaker (default `{}`: 3 retries, see `Retry.Options`); `false` for none. */
  readonly retry?: RetryOptions<E> | false | undefined
  /** A rate-limit gate and the key for calls through this policy. */
  readonly gate?: { readonly gate: RateLimitGate<GErr>; readonly key: string } | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface CallOptions {
  /** This call's timeout per attempt. */
  readonly timeout?: Duration.DurationInput | undefined
  /** This call's gate key. */
  readonly key?: string | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ServeOptions<In, Alts> extends CallOptions {
  /** The fallback chain, tried after the policy gives up. */
  readonly fallback: Alts
  /** Which failures fall back. Default: all. */
  readonly when?: ((error: In) => boolean) | undefined
  /** Start the fallback chain beside a slow call after the hedge's delay (see `Fallback.makeHedge`). */
  readonly hedge?: Hedge | undefined
}

/**
 * Makes a policy. Fails with `InvalidOptionError` naming a bad option.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: <E = unknown, GErr = never>(
  options: Options<E, GErr>
) => Effect.Effect<Resilience<E, GErr>, InvalidOptionError> = internal.make

/**
 * Runs `self` through `policy`, with optional per-call overrides.
 *
 * @since 0.1.0
 * @category combinators
 */
export const protect: {
  <E, GErr, Out>(
    policy: Resilience<E, GErr, Out>,
    options?: CallOptions
  ): <A, E2 extends E, R>(self: Effect.Effect<A, E2, R>) => Effect.Effect<A, Failure<E2, GErr, Out> | InvalidOptionError, R>
  <A, E2 extends E, R, E, GErr, Out>(
    self: Effect.Effect<A, E2, R>,
    policy: Resilience<E, GErr, Out>,
    options?: CallOptions
  ): Effect.Effect<A, Failure<E2, GErr, Out> | InvalidOptionError, R>
} = dual(
  (args) => Effect.isEffect(args[0]),
  <A, E, R>(self: Effect.Effect<A, E, R>, policy: Resilience<E, unknown, unknown>, options?: CallOptions) =>
    options === undefined ? policy(self) : policy.with(options)(self)
)

/**
 * Runs `self` through `policy` and then, if it still fails, along the fallback
 * chain; the answer says who served it, and the current span gets the
 * policy's attributes (`fallback.served_by` when a fallback answered).
 *
 * **Details**
 *
 * With `hedge`, the chain starts beside a call that has not answered after
 * the hedge's delay, without cancelling it (see `Fallback.serve`).
 *
 * @since 0.1.0
 * @category combinators
 */
export const serve: {
  <E, GErr, Out, const Alts extends ReadonlyArray<Alternative<any, any, any, any>>, In = unknown>(
    policy: Resilience<E, GErr, Out>,
    options: ServeOptions<In, Alts>
  ): <A, E2 extends E, R>(
    self: Effect.Effect<A, E2, R>
  ) => Effect.Effect<
    Served<A | Alternative.Success<Alts[number]>>,
    Failure<E2, GErr, Out> | InvalidOptionError | Alternative.Error<Alts[number]>,
    R | Alternative.Context<Alts[number]>
  >
  <A, E2 extends E, R, E, GErr, Out, const Alts extends ReadonlyArray<Alternative<any, any, any, any>>, In = unknown>(
    self: Effect.Effect<A, E2, R>,
    policy: Resilience<E, GErr, Out>,
    options: ServeOptions<In, Alts>
  ): Effect.Effect<
    Served<A | Alternative.Success<Alts[number]>>,
    Failure<E2, GErr, Out> | InvalidOptionError | Alternative.Error<Alts[number]>,
    R | Alternative.Context<Alts[number]>
  >
} = dual(3, internal.serve)

/**
 * @since 0.1.0
 * @category guards
 */
export const isResilience: (u: unknown) => u is Resilience<never, unknown, unknown> = internal.isResilience
