/**
 * A stream through a breaker, using only the breaker's public API: the whole
 * stream is ONE admitted call, held open by a forked fiber until the stream ends.
 *
 * - When the stream starts, a fiber runs `breaker(signal started, await done)`.
 *   A rejection fails that fiber before `started`: the stream fails with the
 *   `CircuitOpenError` and the upstream is never pulled.
 * - The stream completing, failing, or an item saying "this call failed"
 *   completes `done`, and the stream then WAITS for the fiber, so the outcome is
 *   recorded before the consumer sees the end (no race with the scope closing).
 * - The consumer stopping early closes the stream's scope, which interrupts the
 *   fiber: the call is Ignored, and a half-open probe's permit is given back by
 *   the breaker's own `onExit`.
 *
 * @internal
 */
import type * as Cause from "effect/Cause"
import type * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Schema from "effect/Schema"
import type { CircuitBreaker, StreamBreaker, StreamOptions } from "../CircuitBreaker.js"
import { type CircuitOpenError, InvalidOptionError } from "./errors.js"

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

/** @internal */
export interface Config {
  /** Millis; `undefined` for no time-to-first-element limit. */
  readonly firstElementMillis: number | undefined
  readonly itemError: ((item: any) => unknown) | undefined
  readonly onTimeout: (millis: number) => unknown
}

/** @internal */
export const noOptions: Config = { firstElementMillis: undefined, itemError: undefined, onTimeout: () => undefined }

const invalid = (option: string, value: unknown, expected: string) =>
  new InvalidOptionError({ option, value: String(value), expected })

/** Validates the time-to-first-element limit; `Infinity` means none. @internal */
export const decodeTimeout = (
  option: string,
  input: Duration.DurationInput | undefined
): Either.Either<number | undefined, InvalidOptionError> => {
  if (input === undefined) return Either.right(undefined)
  const decoded = Duration.decodeUnknown(input)
  if (Option.isNone(decoded)) return Either.left(invalid(option, input, "a Duration input such as \"10 seconds\""))
  const millis = Duration.toMillis(decoded.value)
  if (!(millis > 0)) return Either.left(invalid(option, input, "a positive duration"))
  return Either.right(millis === Infinity ? undefined : millis)
}

/**
 * Fails with `onTimeout()` when no non-empty chunk arrives within `millis` of the
 * first pull; later pulls are not limited. An upstream that ends before its
 * first element ends normally.
 *
 * @internal
 */
export const firstElementTimeout = <A, E, R, E2>(
  self: Stream.Stream<A, E, R>,
  millis: number,
  onTimeout: () => E2
): Stream.Stream<A, E | E2, R> =>
  Stream.fromPull(Effect.map(Stream.toPull(self), (pull) => {
    let first = true
    const untilElement: Effect.Effect<Chunk.Chunk<A>, Option.Option<E>, R> = Effect.flatMap(
      pull,
      (chunk) => chunk.length === 0 ? Effect.suspend(() => untilElement) : Effect.succeed(chunk)
    )
    const timed = Effect.timeoutFail(untilElement, {
      duration: Duration.millis(millis),
      onTimeout: (): Option.Option<E | E2> => Option.some(onTimeout())
    })
    const firstPull = Effect.map(timed, (chunk) => {
      first = false
      return chunk
    })
    return Effect.suspend(() => first ? firstPull : pull)
  }))

/** @internal */
export const protect = <A, E, R>(
  self: Stream.Stream<A, E, R>,
  breaker: CircuitBreaker,
  config: Config
): Stream.Stream<A, E | CircuitOpenError, R> =>
  Stream.unwrapScoped(Effect.flatMap(
    Effect.zip(Deferred.make<void, CircuitOpenError>(), Deferred.make<void, unknown>()),
    ([started, done]) => {
      const call = Effect.catchAllCause(
        breaker(Effect.zipRight(Deferred.succeed(started, undefined), Deferred.await(done))),
        // Before `started` this can only be the rejection; after it, completing `started` again does nothing.
        (cause) => Deferred.failCause(started, cause as Cause.Cause<CircuitOpenError>)
      )
      return Effect.flatMap(
        Effect.forkScoped(call),
        (fiber) => Effect.as(Deferred.await(started), body(self, config, done, fiber))
      )
    }
  ))

const body = <A, E, R>(
  self: Stream.Stream<A, E, R>,
  config: Config,
  done: Deferred.Deferred<void, unknown>,
  fiber: Fiber.Fiber<unknown>
): Stream.Stream<A, E, R> => {
  // Complete the admitted call and wait until the breaker has recorded it.
  const settle = (complete: Effect.Effect<boolean>) => Effect.zipRight(complete, Fiber.await(fiber))
  let stream = self
  if (config.firstElementMillis !== undefined) {
    const millis = config.firstElementMillis
    stream = firstElementTimeout(stream, millis, () => config.onTimeout(millis) as E)
  }
  const itemError = config.itemError
  if (itemError !== undefined) {
    let failed = false
    stream = Stream.mapChunksEffect(stream, (chunk) => {
      if (!failed) {
        for (const item of chunk) {
          const error = itemError(item)
          if (error !== undefined) {
            failed = true
            return Effect.as(settle(Deferred.fail(done, error)), chunk)
          }
        }
      }
      return Effect.succeed(chunk)
    })
  }
  return stream.pipe(
    Stream.onEnd(settle(Deferred.succeed(done, undefined))),
    Stream.tapErrorCause((cause) => settle(Deferred.failCause(done, cause)))
  )
}

/** @internal */
export const make = <I = unknown>(
  breaker: CircuitBreaker,
  options?: StreamOptions<I>
): Effect.Effect<StreamBreaker<I>, InvalidOptionError> => {
  const timeout = decodeTimeout("firstElementTimeout", options?.firstElementTimeout)
  if (Either.isLeft(timeout)) return Effect.fail(timeout.left)
  const config: Config = {
    firstElementMillis: timeout.right,
    itemError: options?.itemError,
    onTimeout: (millis) =>
      new StreamTimeoutError({ breaker: breaker.name, timeout: Duration.millis(millis) }, { disableValidation: true })
  }
  const guard = <A extends I, E, R>(self: Stream.Stream<A, E, R>) =>
    protect(self, breaker, config) as Stream.Stream<A, E | CircuitOpenError | StreamTimeoutError, R>
  return Effect.succeed(Object.assign(guard, { breaker }))
}
