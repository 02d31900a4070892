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
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Schema from "effect/Schema"
import type { CircuitBreaker, StreamBreaker, StreamOptions } from "../CircuitBreaker.js"
import type { Work } from "../Outcome.js"
import { work } from "./outcome.js"
import type { CircuitOpenError, InvalidOptionError } from "./errors.js"
import * as O from "./settings/options.js"
import { toMillis } from "./settings/schema.js"
import { dropPromise } from "./callback.js"

/**
 * Which limit a stream exceeded: the wait for its first element, the silence
 * between two elements, or the total time spent waiting for the upstream.
 *
 * @since 0.1.0
 * @category models
 */
export const StreamTimeoutKind = Schema.Literal("firstElement", "idle", "total")

/**
 * A protected stream exceeded one of its time limits: no first element within
 * `firstElementTimeout`, no next element within `idleTimeout`, or the stream
 * still running after `totalTimeout` of waiting. A failure for the breaker.
 *
 * @since 0.1.0
 * @category errors
 */
export class StreamTimeoutError extends Schema.TaggedError<StreamTimeoutError>()("StreamTimeoutError", {
  /** The breaker the stream went through. */
  breaker: Schema.String,
  /** The limit that was exceeded. */
  timeout: Schema.DurationFromMillis,
  /** Which limit; absent means `"firstElement"` (errors made before the other limits existed). */
  kind: Schema.optional(StreamTimeoutKind)
}) {
  override get message(): string {
    const limit = Duration.format(this.timeout)
    switch (this.kind) {
      case "idle":
        return `Stream through circuit "${this.breaker}" produced no element for ${limit} after its last one`
      case "total":
        return `Stream through circuit "${this.breaker}" did not end within ${limit}`
      default:
        return `Stream through circuit "${this.breaker}" produced no element within ${limit}`
    }
  }
}

/** @internal */
export type TimeoutKind = "firstElement" | "idle" | "total"

/** @internal */
export interface Config {
  /** Millis; `undefined` for no time-to-first-element limit. */
  readonly firstElementMillis: number | undefined
  /** Millis; `undefined` for no limit on the silence between elements. */
  readonly idleMillis?: number | undefined
  /** Millis; `undefined` for no limit on the total wait. */
  readonly totalMillis?: number | undefined
  readonly itemError: ((item: any) => unknown) | undefined
  readonly onTimeout: (millis: number, kind: TimeoutKind) => unknown
}

/** @internal */
export const noOptions: Config = { firstElementMillis: undefined, itemError: undefined, onTimeout: () => undefined }

/**
 * The limits `makeStream` and the LanguageModel wrappers apply when none is
 * given, chosen for streaming LLM answers: the first part (response metadata)
 * arrives as soon as the provider accepts the request; reasoning models may be
 * silent for a minute or more between parts; OpenAI's and Anthropic's own SDKs
 * give a request 10 minutes.
 *
 * @internal
 */
export const defaultLimits = {
  firstElementTimeout: Duration.seconds(60),
  idleTimeout: Duration.seconds(120),
  totalTimeout: Duration.minutes(10)
} as const


/** A time limit: a positive duration, or `Duration.infinity` for none. */
const Timeout = O.guarded((u): u is Duration.DurationInput => {
  const ms = toMillis(u)
  return ms !== undefined && ms > 0
}, "a positive duration such as \"10 seconds\" (Duration.infinity for none)")

/** Validates a time limit with the option Schema; `Infinity` means none. @internal */
export const decodeTimeout = (
  option: string,
  input: Duration.DurationInput | undefined
): Either.Either<number | undefined, InvalidOptionError> =>
  input === undefined ? Either.right(undefined) : Either.map(O.checkEither(Timeout, input, option), (d) => {
    const millis = Duration.toMillis(Duration.decode(d))
    return millis === Infinity ? undefined : millis
  })

const StreamOptionsSchema = O.options({
  firstElementTimeout: O.optional(Timeout),
  idleTimeout: O.optional(Timeout),
  totalTimeout: O.optional(Timeout),
  itemError: O.optional(O.func("a function from an item to its error (undefined for a good item)"))
})

const breakerSchema = O.guarded(
  (u): u is CircuitBreaker => typeof u === "function" && u !== null && "protect" in u && "stats" in u,
  "a CircuitBreaker (CircuitBreaker.make)"
)

/**
 * Bounds the waits of a stream on its upstream: the first non-empty chunk
 * within `first`, each next one within `idle` of the previous, and all the
 * waiting together within `total` (the time the consumer spends between pulls
 * is its own and does not count). Empty chunks are not elements. An upstream
 * that ends in time ends normally.
 *
 * No timer per element: a worker fiber runs the upstream's pulls (one at a
 * time, only when the consumer asks: nothing is prefetched) and one watchdog
 * fiber per stream run sleeps on the Clock until the current deadline. Each
 * pull only stores its start time; the watchdog, when it wakes, recomputes the
 * deadline from that state, re-arms if it moved (or no pull is waiting), and
 * otherwise interrupts the worker and fails the waiting pull with the timeout.
 * It never sleeps past a deadline: during a pull it sleeps at most until that
 * pull's deadline or the shortest limit a later pull could have; with no pull
 * waiting (the consumer's own time) it parks until the next pull starts. Both fibers are scoped to the run,
 * never fail, and are interrupted when the stream ends.
 *
 * @internal
 */
export const timeLimits = <A, E, R, E2>(
  self: Stream.Stream<A, E, R>,
  limits: { readonly first?: number | undefined; readonly idle?: number | undefined; readonly total?: number | undefined },
  onTimeout: (millis: number, kind: TimeoutKind) => E2
): Stream.Stream<A, E | E2, R> =>
  Stream.fromPull(Effect.flatMap(Effect.zip(Stream.toPull(self), Effect.clock), ([pull, clock]) => {
    type Pulled = Effect.Effect<Chunk.Chunk<A>, Option.Option<E | E2>>
    let first = true
    // Total time spent in completed pulls, and the start of the pull in progress (-1: none).
    let waited = 0
    let pullStart = -1
    // The waiting consumer, the parked worker, a request the worker has not taken yet, the parked watchdog.
    let reply: ((pulled: Pulled) => void) | undefined
    let request: ((go: Effect.Effect<void>) => void) | undefined
    let requested = false
    let parked: ((go: Effect.Effect<void>) => void) | undefined
    let timedOut: Pulled | undefined
    const untilElement: Effect.Effect<Chunk.Chunk<A>, Option.Option<E>, R> = Effect.flatMap(
      pull,
      (chunk) => chunk.length === 0 ? Effect.suspend(() => untilElement) : Effect.succeed(chunk)
    )
    const awaitRequest = Effect.async<void>((resume) => {
      if (requested) {
        requested = false
        resume(Effect.void)
      } else {
        request = resume
      }
    })
    const complete = (exit: Exit.Exit<Chunk.Chunk<A>, Option.Option<E>>) =>
      Effect.sync(() => {
        waited += clock.unsafeCurrentTimeMillis() - pullStart
        pullStart = -1
        if (Exit.isSuccess(exit)) first = false
        if (parked !== undefined) {
          const wake = parked
          parked = undefined
          wake(Effect.void)
        }
        const k = reply
        reply = undefined
        if (k !== undefined) k(exit)
      })
    const worker = Effect.forever(Effect.zipRight(awaitRequest, Effect.flatMap(Effect.exit(untilElement), complete)))
    // The shortest limit a pull starting now or later could get (undefined: none can apply).
    const nextBound = (now: number): number | undefined => {
      let bound = limits.idle
      if (first && limits.first !== undefined && (bound === undefined || limits.first < bound)) bound = limits.first
      if (limits.total !== undefined) {
        const left = limits.total - waited - (pullStart < 0 ? 0 : now - pullStart)
        if (bound === undefined || left < bound) bound = left
      }
      return bound
    }
    return Effect.flatMap(Effect.forkScoped(worker), (workerFiber) => {
      const fire = (limit: number, kind: TimeoutKind): Effect.Effect<void> => {
        const failed: Pulled = Effect.fail(Option.some(onTimeout(limit, kind)))
        timedOut = failed
        const k = reply
        reply = undefined
        return Effect.zipRight(
          Fiber.interrupt(workerFiber),
          Effect.sync(() => {
            if (k !== undefined) k(failed)
          })
        )
      }
      // Parks until the pull in progress (or the next one) completes.
      const park = Effect.async<void>((resume) => {
        parked = resume
        return Effect.sync(() => {
          parked = undefined
        })
      })
      const watch: Effect.Effect<void> = Effect.suspend(() => {
        const now = clock.unsafeCurrentTimeMillis()
        let sleep = nextBound(now)
        if (pullStart >= 0) {
          // The deadline of the pull in progress, exactly as a per-pull timer would have had it.
          const step = first ? limits.first : limits.idle
          const left = limits.total === undefined ? undefined : limits.total - waited
          const byTotal = left !== undefined && (step === undefined || left < step)
          const millis = byTotal ? left : step
          if (millis !== undefined) {
            const deadline = pullStart + millis
            if (now >= deadline) return fire(byTotal ? limits.total! : millis, byTotal ? "total" : first ? "firstElement" : "idle")
            if (sleep === undefined || deadline - now < sleep) sleep = deadline - now
          } else {
            // No limit on this pull; no other pull can start before it completes, which wakes the watchdog.
            return Effect.zipRight(park, watch)
          }
        }
        if (pullStart < 0) {
          // No pull waiting (the consumer's own time): nothing runs until the next pull starts and wakes the watchdog.
          return sleep === undefined && !(first && limits.idle !== undefined) ? Effect.void : Effect.zipRight(park, watch)
        }
        return sleep === undefined ? Effect.void : Effect.zipRight(clock.sleep(Duration.millis(Math.max(0, sleep))), watch)
      })
      const next: Pulled = Effect.async<Chunk.Chunk<A>, Option.Option<E | E2>>((resume) => {
        if (timedOut !== undefined) return resume(timedOut)
        reply = resume
        pullStart = clock.unsafeCurrentTimeMillis()
        if (parked !== undefined) {
          const wake = parked
          parked = undefined
          wake(Effect.void)
        }
        if (request !== undefined) {
          const go = request
          request = undefined
          go(Effect.void)
        } else {
          requested = true
        }
        return Effect.sync(() => {
          reply = undefined
        })
      })
      return Effect.as(Effect.forkScoped(watch), next)
    })
  }))

/** @internal */
export const protect = <A, E, R>(
  self: Stream.Stream<A, E, R>,
  breaker: CircuitBreaker,
  config: Config
): Stream.Stream<A, E | CircuitOpenError, R> =>
  Stream.unwrapScoped(Effect.flatMap(
    Effect.zip(Deferred.make<void, CircuitOpenError>(), Deferred.make<Work | undefined, unknown>()),
    ([started, done]) => {
      // The call's time to first element, measured on the breaker's clock: the breaker judges a slow stream by it.
      const timing = { start: NaN, first: NaN }
      const call = Effect.catchAllCause(
        breaker(Effect.zipRight(
          Effect.flatMap(Clock.currentTimeMillis, (now) => {
            timing.start = now
            return Deferred.succeed(started, undefined)
          }),
          Deferred.await(done)
        )),
        // Before `started` this can only be the rejection; after it, completing `started` again does nothing.
        (cause) => Deferred.failCause(started, cause as Cause.Cause<CircuitOpenError>)
      )
      return Effect.flatMap(
        Effect.forkScoped(call),
        (fiber) => Effect.as(Deferred.await(started), body(self, config, done, fiber, timing))
      )
    }
  ))

const body = <A, E, R>(
  self: Stream.Stream<A, E, R>,
  config: Config,
  done: Deferred.Deferred<Work | undefined, unknown>,
  fiber: Fiber.Fiber<unknown>,
  timing: { start: number; first: number }
): Stream.Stream<A, E, R> => {
  // Complete the admitted call and wait until the breaker has recorded it.
  const settle = (complete: Effect.Effect<boolean>) => Effect.zipRight(complete, Fiber.await(fiber))
  let stream = Stream.mapChunksEffect(self, (chunk) =>
    chunk.length === 0 || timing.first === timing.first
      ? Effect.succeed(chunk)
      : Effect.map(Clock.currentTimeMillis, (now) => {
        timing.first = now
        return chunk
      }))
  const limits = { first: config.firstElementMillis, idle: config.idleMillis, total: config.totalMillis }
  if (limits.first !== undefined || limits.idle !== undefined || limits.total !== undefined) {
    stream = timeLimits(stream, limits, (millis, kind) => config.onTimeout(millis, kind) as E)
  }
  const itemError = config.itemError
  if (itemError !== undefined) {
    let failed = false
    stream = Stream.mapChunksEffect(stream, (chunk) => {
      if (!failed) {
        for (const item of chunk) {
          let error: unknown
          try {
            error = itemError(item)
            if (dropPromise(error)) error = undefined // an async itemError says nothing about the item
          } catch {
            // an itemError that throws says nothing about the item: it passes like any other
            error = undefined
          }
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
    Stream.onEnd(settle(Effect.suspend(() =>
      Deferred.succeed(
        done,
        timing.first === timing.first ? work({ firstTokenMs: timing.first - timing.start }) : undefined
      )
    ))),
    Stream.tapErrorCause((cause) => settle(Deferred.failCause(done, cause)))
  )
}

/** A limit from the options: the default when absent, `undefined` (none) for `Duration.infinity`. */
const limit = (
  option: "firstElementTimeout" | "idleTimeout" | "totalTimeout",
  input: Duration.DurationInput | undefined
): Either.Either<number | undefined, InvalidOptionError> =>
  decodeTimeout(option, input === undefined ? defaultLimits[option] : input)

/** @internal */
export const make = <I = unknown>(
  breaker: CircuitBreaker,
  options?: StreamOptions<I>
): Effect.Effect<StreamBreaker<I>, InvalidOptionError> => {
  const checked = Either.flatMap(
    O.checkEither(breakerSchema, breaker, "breaker"),
    (): Either.Either<unknown, InvalidOptionError> =>
      options === undefined ? Either.void : O.checkEither(StreamOptionsSchema, options)
  )
  if (Either.isLeft(checked)) return Effect.fail(checked.left)
  const first = limit("firstElementTimeout", options?.firstElementTimeout)
  if (Either.isLeft(first)) return Effect.fail(first.left)
  const idle = limit("idleTimeout", options?.idleTimeout)
  if (Either.isLeft(idle)) return Effect.fail(idle.left)
  const total = limit("totalTimeout", options?.totalTimeout)
  if (Either.isLeft(total)) return Effect.fail(total.left)
  const config: Config = {
    firstElementMillis: first.right,
    idleMillis: idle.right,
    totalMillis: total.right,
    itemError: options?.itemError,
    onTimeout: (millis, kind) =>
      new StreamTimeoutError({ breaker: breaker.name, timeout: Duration.millis(millis), kind }, { disableValidation: true })
  }
  const guard = <A extends I, E, R>(self: Stream.Stream<A, E, R>) =>
    protect(self, breaker, config) as Stream.Stream<A, E | CircuitOpenError | StreamTimeoutError, R>
  return Effect.succeed(Object.assign(guard, { breaker }))
}
