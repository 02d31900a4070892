/**
 * Retry, Schedule first: any `Schedule` you build decides the backoff, and
 * this module adds what only a circuit-breaker library knows: never retry an
 * open circuit, stop when the circuit will still be open at the next attempt,
 * wait at least a provider's retry-after hint, and fail at once when a hint is
 * longer than `maxWait`.
 *
 * **Details**
 *
 * The backoff is `schedule` when given (e.g.
 * `Schedule.exponential("200 millis").pipe(Schedule.jittered, Schedule.intersect(Schedule.recurs(4)))`;
 * its input is each failure, and a retry ends when it is done). Without it the
 * convenience options build one: `times` recurrences of
 * `Schedule.exponential(base, factor)`, capped at `maxDelay`, jittered by
 * `±jitter` (`Schedule.jitteredWith`) and capped again, within `maxElapsed`.
 * The delay is raised to the failure's hint when `retryAfter(error)` returns
 * one. The retry stops, and the call fails at once with its own error (no
 * waiting), when:
 *
 * - the error is a `CircuitOpenError` in state `Open` or `ForcedOpen` (always:
 *   put the retry **outside** the breaker, `call.pipe(breaker, retry)`, so every
 *   attempt goes through admission and retrying ends the moment the circuit
 *   opens). A `HalfOpen` rejection (every probe permit taken; its `retryAfter`
 *   is zero) is retried after the backoff, within `times` and `maxElapsed`: a
 *   probe in flight is deciding. Inside a `Failover` step it is not retried
 *   (the next step serves at once);
 * - `while(error)` is false (not retryable);
 * - the backoff schedule is done (`times` retries have been made);
 * - the hint is longer than `maxWait` (we would rather fail now than wait that long);
 * - waiting would take the time since the first failure past `maxElapsed`
 *   (convenience options only: bound your own schedule with `Schedule.upTo`);
 * - with `breaker` set: that breaker will still be open when the next attempt
 *   is due (the attempt could only be rejected).
 *
 * When it stops it annotates the current span with `retry.stop` (one of
 * `CircuitOpen`, `NotRetryable`, `AttemptsExhausted`, `RetryAfterTooLong`,
 * `ElapsedExceeded`) and `retry.attempts`. Time goes only through `Clock` (the
 * schedule's sleeps) and jitter through `Random`, so `TestClock` drives it.
 *
 * `while` and `retryAfter` are the extension points: for LLM providers pass the
 * taxonomy's `isRetryable` and `retryAfter`.
 *
 * **Example**
 *
 * ```ts
 * import { Effect, Schedule } from "effect"
 * import { CircuitBreaker, Retry } from "effect-breaker"
 *
 * const program = Effect.gen(function*() {
 *   const breaker = yield* CircuitBreaker.make({ name: "search" })
 *   const retry = yield* Retry.make({ times: 3, base: "100 millis", maxWait: "10 seconds" })
 *   // retry OUTSIDE the breaker
 *   const answer = yield* Effect.succeed("ok").pipe(breaker, retry)
 *   // or bring your own backoff schedule
 *   const custom = yield* Retry.make({
 *     schedule: Schedule.exponential("200 millis").pipe(Schedule.jittered, Schedule.intersect(Schedule.recurs(4))),
 *     breaker
 *   })
 *   const again = yield* Effect.succeed("ok").pipe(breaker, custom)
 *   // or compose the guarded schedule with Effect.retry
 *   const third = yield* Effect.retry(breaker(Effect.succeed("ok")), retry.schedule)
 *   return [answer, again, third]
 * })
 * // Effect.runPromise(program) resolves to ["ok", "ok", "ok"]
 * ```
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type * as Schedule from "effect/Schedule"
import type { CircuitBreaker } from "./CircuitBreaker.js"
import type { CircuitOpenError, InvalidOptionError } from "./CircuitBreaker.js"
import * as internal from "./internal/resilience/retry.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: typeof internal.TypeId = internal.TypeId

/**
 * A validated retry policy. Call it on an effect to retry that effect
 * (`retry(call)` or `call.pipe(retry)`), or use its `schedule` with `Effect.retry`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Retry<in E = unknown> {
  readonly [TypeId]: typeof TypeId
  <A, E2 extends E | CircuitOpenError, R>(self: Effect.Effect<A, E2, R>): Effect.Effect<A, E2, R>
  /** The schedule: input the failure, output the delay it chose. It stops on an Open/ForcedOpen `CircuitOpenError` before calling any of your functions (a HalfOpen one waits the backoff). */
  readonly schedule: Schedule.Schedule<Duration.Duration, E | CircuitOpenError>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options<in E = unknown> {
  /**
   * The backoff: any `Schedule` (its input is each failure, including a
   * half-open `CircuitOpenError`; the retry ends when it is done). When set,
   * the convenience options `times`, `base`, `factor`, `maxDelay`,
   * `maxElapsed` and `jitter` must not be.
   */
  readonly schedule?: Schedule.Schedule<unknown, E | CircuitOpenError> | undefined
  /** How many retries at most (attempts = times + 1). Default 3; 0 disables retrying. */
  readonly times?: number | undefined
  /** The first delay. Default 100 millis. */
  readonly base?: Duration.DurationInput | undefined
  /** Growth per retry, at least 1. Default 2. */
  readonly factor?: number | undefined
  /** Cap on a backoff delay (a longer hint still wins, up to `maxWait`). Default 10 seconds. */
  readonly maxDelay?: Duration.DurationInput | undefined
  /** Cap on the time from the first failure to the last retry's start. Default 60 seconds. */
  readonly maxElapsed?: Duration.DurationInput | undefined
  /** Random spread of each backoff delay, as a fraction in [0, 1]: 0.2 means ×0.8 to ×1.2. Default 0.2. */
  readonly jitter?: number | undefined
  /** Which of your failures are retryable. Default: all. Never called for a `CircuitOpenError` (Open: never retried; HalfOpen: retried after the backoff). */
  readonly while?: ((error: E) => boolean) | undefined
  /** A hint carried by the failure: the delay is at least this long. */
  readonly retryAfter?: ((error: E) => Duration.Duration | undefined) | undefined
  /** The longest hint worth waiting for; a longer one fails at once. Default 30 seconds. */
  readonly maxWait?: Duration.DurationInput | undefined
  /**
   * The breaker this retry sits outside of. When set, a failure that has just
   * opened it stops the retrying at once if the circuit will still be open when
   * the next attempt is due, instead of waiting only to be rejected.
   */
  readonly breaker?: CircuitBreaker | undefined
}

/**
 * Why a retry stopped, as written to the span attribute `retry.stop`.
 *
 * @since 0.1.0
 * @category models
 */
export type StopReason = internal.StopReason

/**
 * Makes a retry policy. Fails with `InvalidOptionError`, naming the option and
 * the value, when an option is out of range.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: <E = unknown>(options?: Options<E>) => Effect.Effect<Retry<E>, InvalidOptionError> = internal.make

/**
 * Retries `self` with a policy made by {@link make}, or with options (then an
 * out-of-range option fails the call with `InvalidOptionError`). Put it outside
 * the breaker: `call.pipe(breaker, Retry.retry(policy))`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const retry: {
  <E>(policy: Retry<E>): <A, E2 extends E | CircuitOpenError, R>(self: Effect.Effect<A, E2, R>) => Effect.Effect<A, E2, R>
  <E>(options: Options<E>): <A, E2 extends E | CircuitOpenError, R>(self: Effect.Effect<A, E2, R>) => Effect.Effect<A, E2 | InvalidOptionError, R>
  <A, E2 extends E | CircuitOpenError, R, E>(self: Effect.Effect<A, E2, R>, policy: Retry<E>): Effect.Effect<A, E2, R>
  <A, E2 extends E | CircuitOpenError, R, E>(self: Effect.Effect<A, E2, R>, options: Options<E>): Effect.Effect<A, E2 | InvalidOptionError, R>
} = dual(
  2,
  <A, E, R>(self: Effect.Effect<A, E, R>, policy: Retry<E> | Options<E>): Effect.Effect<A, E | InvalidOptionError, R> =>
    internal.isRetry(policy) ? policy(self) : Effect.flatMap(madeFrom(policy), (p) => p(self))
)

/**
 * Options given to `retry` are checked and compiled once per options object
 * (kept in a WeakMap), not on every call that reuses them.
 */
const made = new WeakMap<object, Effect.Effect<Retry<any>, InvalidOptionError>>()
const madeFrom = <E>(options: Options<E>): Effect.Effect<Retry<E>, InvalidOptionError> => {
  if (typeof options !== "object" || options === null) return internal.make(options)
  let policy = made.get(options)
  if (policy === undefined) {
    const result = Effect.runSync(Effect.either(internal.make(options)))
    policy = result._tag === "Right" ? Effect.succeed(result.right) : Effect.fail(result.left)
    made.set(options, policy)
  }
  return policy as Effect.Effect<Retry<E>, InvalidOptionError>
}

/**
 * @since 0.1.0
 * @category guards
 */
export const isRetry: (u: unknown) => u is Retry<never> = internal.isRetry
