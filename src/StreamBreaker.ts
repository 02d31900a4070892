/**
 * Protects a `Stream` with a circuit breaker: the whole stream is one call.
 *
 * **Details**
 *
 * When the stream starts, the breaker is asked once. A rejection fails the
 * stream at once with `CircuitOpenError`, before the upstream is pulled (no
 * request goes out). Once admitted, the call lasts until the stream ends, and
 * counts as:
 *
 * - the upstream **completes** → the call succeeded;
 * - the upstream **fails** → the call failed with the stream's error, which the
 *   breaker's own classifier judges (so a 429 mid-stream can still be Ignored);
 * - an **item** for which `itemError` returns an error (e.g. the `"error"` part
 *   that `@effect/ai` emits when a provider sends `event: error` after HTTP 200)
 *   → the call failed with that error, recorded as soon as the item is seen; the
 *   item itself still reaches the consumer, unchanged;
 * - **no element** within `firstElementTimeout` → the stream fails with
 *   {@link StreamTimeoutError}, and the call failed with it;
 * - the **consumer stops** early (`Stream.take`, interruption, its scope closes)
 *   → the call is interrupted: Ignored, and a half-open probe's permit is freed.
 *
 * The outcome is recorded before the consumer sees the stream end, so the
 * breaker's state is up to date when `runCollect` returns. A slow-call policy
 * measures the whole stream, from admission to its end.
 *
 * Cost: one forked fiber and two `Deferred`s per stream (a few microseconds),
 * nothing per element unless `itemError` is set (one check per element, one
 * `Effect.succeed` per chunk).
 *
 * **Example**
 *
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { CircuitBreaker, StreamBreaker } from "effect-breaker"
 *
 * const program = Effect.gen(function*() {
 *   const breaker = yield* CircuitBreaker.make({ name: "tokens" })
 *   const guard = yield* StreamBreaker.make(breaker, { firstElementTimeout: "10 seconds" })
 *   return yield* Stream.make("a", "b").pipe(guard, Stream.runCollect)
 * })
 * // Effect.runPromise(program) resolves to Chunk("a", "b")
 * ```
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { dual } from "effect/Function"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import type { CircuitBreaker } from "./CircuitBreaker.js"
import type { CircuitOpenError, InvalidOptionError } from "./CircuitBreakerError.js"
import * as internal from "./internal/streamBreaker.js"

/**
 * A protected stream produced no element within its time-to-first-element limit.
 *
 * @since 0.1.0
 * @category errors
 */
export class StreamTimeoutError extends Schema.TaggedError<StreamTimeoutError>()("StreamTimeoutError", {
  /** The breaker the stream went through. */
  breaker: Schema.String,
  /** The limit that was exceeded. */
  timeout: Schema.DurationFromMillis
}) {
  override get message(): string {
    return `Stream through circuit "${this.breaker}" produced no element within ${Duration.format(this.timeout)}`
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options<I = unknown> {
  /**
   * Fail the stream with {@link StreamTimeoutError} (a failure for the breaker)
   * when no element arrives within this long of the stream starting. Must be
   * positive; `Duration.infinity` means no limit. Default: no limit.
   */
  readonly firstElementTimeout?: Duration.DurationInput | undefined
  /**
   * Returns an error for an item that says the call failed although the stream
   * goes on (`undefined` for every other item). The breaker records the call
   * as failed with that error (its classifier decides what it means) as soon as
   * the first such item passes; the item still reaches the consumer.
   */
  readonly itemError?: ((item: I) => unknown) | undefined
}

/**
 * A stream transformer made by {@link make}: `stream.pipe(guard)`.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamBreaker<I = unknown> {
  <A extends I, E, R>(self: Stream.Stream<A, E, R>): Stream.Stream<A, E | CircuitOpenError | StreamTimeoutError, R>
  /** The breaker the streams go through. */
  readonly breaker: CircuitBreaker
}

/**
 * Makes a stream transformer that runs each stream through `breaker` with the
 * given options. Fails with `InvalidOptionError` naming the option when
 * `firstElementTimeout` is not a positive duration.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <I = unknown>(
  breaker: CircuitBreaker,
  options?: Options<I>
): Effect.Effect<StreamBreaker<I>, InvalidOptionError> => {
  const timeout = internal.decodeTimeout("firstElementTimeout", options?.firstElementTimeout)
  if (Either.isLeft(timeout)) return Effect.fail(timeout.left)
  const config: internal.Config = {
    firstElementMillis: timeout.right,
    itemError: options?.itemError,
    onTimeout: (millis) =>
      new StreamTimeoutError({ breaker: breaker.name, timeout: Duration.millis(millis) }, { disableValidation: true })
  }
  const guard = <A extends I, E, R>(self: Stream.Stream<A, E, R>) =>
    internal.protect(self, breaker, config) as Stream.Stream<A, E | CircuitOpenError | StreamTimeoutError, R>
  return Effect.succeed(Object.assign(guard, { breaker }))
}

/**
 * Runs `self` through `breaker` as one call (no time limit, no item check):
 * `stream.pipe(StreamBreaker.protect(breaker))`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const protect: {
  (breaker: CircuitBreaker): <A, E, R>(self: Stream.Stream<A, E, R>) => Stream.Stream<A, E | CircuitOpenError, R>
  <A, E, R>(self: Stream.Stream<A, E, R>, breaker: CircuitBreaker): Stream.Stream<A, E | CircuitOpenError, R>
} = dual(
  2,
  <A, E, R>(self: Stream.Stream<A, E, R>, breaker: CircuitBreaker): Stream.Stream<A, E | CircuitOpenError, R> =>
    internal.protect(self, breaker, internal.noOptions)
)
