/**
 * A circuit breaker for Effect: an effect transformer that stops calling a
 * dependency that keeps failing, and lets a few probe calls through to find out
 * when it has recovered.
 *
 * **Details**
 *
 * How it composes (outermost last):
 *
 * ```
 * call ─▶ timeout ─▶ breaker ─▶ retry ─▶ fallback ─▶ caller
 * ```
 *
 * - Put the **timeout inside** the breaker (`call.pipe(Effect.timeout(d), breaker)`)
 *   so a hung call is recorded as a failure and a stalled probe cannot block recovery.
 * - Put **retry outside** the breaker and stop it on `CircuitOpenError`: once the
 *   circuit opens every further attempt is rejected at once, so during an outage
 *   the dependency sees at most the trip threshold plus the half-open probes.
 * - Put the **fallback outermost**, catching `CircuitOpenError` (and whatever else).
 * - The breaker **never waits**: a rejected call fails at once with
 *   `CircuitOpenError`, whose `retryAfter` tells how long until a call may be
 *   admitted (zero for a half-open rejection: a probe decides; see
 *   `CircuitOpenError`). It has no timers: time comes from the `Clock` it was made with, so
 *   `TestClock` drives it in tests.
 *
 * States: `Closed` (calls pass, outcomes recorded), `Open` (calls rejected until the
 * open duration has passed), `HalfOpen` (a few probes pass; enough successes close
 * the circuit, any failure reopens it), and the manual states `ForcedOpen` (reject
 * everything), `Disabled` (let everything through, record nothing) and
 * `MetricsOnly` (let everything through, record and report, never trip).
 *
 * **Example**
 *
 * ```ts
 * import { Effect } from "effect"
 * import { CircuitBreaker, TripPolicy } from "effect-breaker"
 *
 * const program = Effect.gen(function*() {
 *   const breaker = yield* CircuitBreaker.make({
 *     name: "openai",
 *     policy: TripPolicy.consecutiveFailures(5),
 *     openDuration: "30 seconds"
 *   })
 *   return yield* breaker(Effect.succeed("hello"))
 * })
 * // Effect.runPromise(program) resolves to "hello"
 * ```
 *
 * @since 0.1.0
 */
import type * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Layer from "effect/Layer"
import type { Pipeable } from "effect/Pipeable"
import type * as Queue from "effect/Queue"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type * as Either from "effect/Either"
import * as internal from "./internal/breaker.js"
import * as observer from "./internal/observer.js"
import { scopedBreaker } from "./internal/release.js"
import * as internalMachine from "./internal/machine.js"
import type * as core from "./internal/core.js"
import type { CircuitOpenError, InvalidOptionError } from "./internal/errors.js"
import * as stream from "./internal/streamBreaker.js"
import * as state from "./internal/state.js"
import type { CircuitStoreError } from "./internal/store/types.js"
import type { Classifier, Outcome } from "./Outcome.js"
import type { TripPolicy } from "./TripPolicy.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: typeof internal.TypeId = internal.TypeId

/**
 * A circuit breaker. Call it on an effect to protect that effect:
 * `breaker(call)` or `call.pipe(breaker)`.
 *
 * @since 0.1.0
 * @category models
 */
export interface CircuitBreaker extends Pipeable {
  readonly [TypeId]: typeof TypeId
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | CircuitOpenError, R>
  /** The breaker's name, as it appears in errors, events, spans and metrics. */
  readonly name: string
  /** The same as calling the breaker. */
  readonly protect: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | CircuitOpenError, R>
  /** A snapshot of the state and the counts in the window, as of now. */
  readonly stats: Effect.Effect<Stats>
  /**
   * Every transition from the moment the stream starts (a sliding buffer of
   * 1,024 per subscriber). To be sure not to miss a transition caused right
   * after forking a consumer, use `subscribe`.
   */
  readonly events: Stream.Stream<TransitionEvent>
  /** Subscribes now, for the lifetime of the scope: every later transition lands in the queue. */
  readonly subscribe: Effect.Effect<Queue.Dequeue<TransitionEvent>, never, Scope.Scope>
  /** Reject every call until `reset`. */
  readonly forceOpen: Effect.Effect<void>
  /** Back to Closed with empty windows (force close). */
  readonly reset: Effect.Effect<void>
  /** Let every call through and record nothing, until `reset`. */
  readonly disable: Effect.Effect<void>
  /** Let every call through, record and report, never trip, until `reset`. */
  readonly metricsOnly: Effect.Effect<void>
  /**
   * The breaker's state as data (`BreakerState`): persist it (e.g. as JSON) and
   * give it back to `make` as `restore` to start from it after a restart.
   */
  readonly export: Effect.Effect<BreakerState, CircuitStoreError>
}

/**
 * The Schema of a breaker's state as data: state tag, generation, times (epoch
 * millis), openings, consecutive failures, each rate window as numbers,
 * half-open permits with their tickets, counters. What `breaker.export` returns
 * and `restore` takes; every number is finite, so it survives JSON.
 *
 * @since 0.2.0
 * @category models
 */
export const BreakerState: typeof state.BreakerStateSchema = state.BreakerStateSchema

/**
 * @since 0.2.0
 * @category models
 */
export type BreakerState = state.BreakerState

/**
 * @since 0.1.0
 * @category models
 */
export type State = core.StateTag

/**
 * Why a transition happened, with the figures that made it happen.
 *
 * @since 0.1.0
 * @category models
 */
export type TransitionReason = core.Reason

/**
 * A change of state: `from`, `to`, `at` (epoch millis, from the breaker's
 * `Clock`), `reason`, and for an opening, `openUntil`.
 *
 * @since 0.1.0
 * @category models
 */
export type TransitionEvent = core.Transition

/**
 * A snapshot of a breaker. Counts are over the first rate policy's window, or
 * since the state was entered when the policy has no window. Times are millis;
 * `retryAfterMs` is 0 when a call would be admitted now and `Infinity` when
 * forced open.
 *
 * @since 0.1.0
 * @category models
 */
export type Stats = core.Snapshot

/**
 * An exponential backoff for `openDuration`: the n-th consecutive opening lasts
 * `base × factor^(n-1)` (factor 2 by default), capped by `maxOpenDuration`. It is
 * how a settings file says a growing open duration; in code any `Schedule` works too.
 *
 * @since 0.1.0
 * @category models
 */
export interface Backoff {
  readonly _tag: "Exponential"
  readonly base: Duration.DurationInput
  readonly factor?: number | undefined
}

/**
 * A breaker's settings: the one vocabulary used in code, presets, the registry's
 * environment variables and files, the simulator and the admin API's reports
 * (see `BreakerRegistry.SettingsSchema`). In code, durations are any
 * `Duration.DurationInput` (a number is millis); in files and variables they are
 * text with a unit.
 *
 * @since 0.1.0
 * @category models
 */
export interface Settings {
  /**
   * The starting point: `"default"`, `"aggressive"` or `"lenient"` (see the
   * presets). A field given here replaces the preset's; `halfOpen` is merged
   * field by field. Without a preset a breaker starts from five consecutive
   * failures, 30 seconds open, one probe.
   */
  readonly preset?: "default" | "aggressive" | "lenient" | undefined
  /** When to open. Default: `TripPolicy.consecutiveFailures(5)`. */
  readonly policy?: TripPolicy | undefined
  /**
   * How long the circuit stays open: a duration (default 30 seconds), an
   * exponential {@link Backoff}, or a `Schedule` whose n-th delay is the length
   * of the n-th consecutive opening
   * (e.g. `Schedule.exponential("1 second").pipe(Schedule.union(Schedule.spaced("1 minute")))`).
   */
  readonly openDuration?: Duration.DurationInput | Backoff | Schedule.Schedule<unknown, unknown> | undefined
  /** Caps an exponential backoff, and how far a failure's `retryAfter` hint may lengthen an opening. Default 5 minutes. */
  readonly maxOpenDuration?: Duration.DurationInput | undefined
  readonly halfOpen?: {
    /** How many probes may run at once in half-open. Default 1. */
    readonly permits?: number | undefined
    /** How many probe successes close the circuit. Default: `permits`. */
    readonly successesToClose?: number | undefined
    /** After this long a probe that has not finished no longer holds its permit. Default 60 seconds. */
    readonly probeTimeout?: Duration.DurationInput | undefined
  } | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends Settings {
  /** Names the breaker in errors, events, spans and metrics. */
  readonly name: string
  /** How a finished call counts. Default: `Outcome.defaultClassifier`. */
  readonly classify?: Classifier<any, any> | undefined
  /**
   * A state to start from, as `breaker.export` gave it (e.g. read back from a
   * JSON file). Checked against the Schema and against these options: a bad
   * field fails `make` with `InvalidOptionError` naming its path (for example
   * `restore.windows[0].bad`) and the value. With a shared store the store's
   * state wins when it has one.
   */
  readonly restore?: unknown
}

/**
 * Makes a breaker. Fails with `InvalidOptionError`, naming the option and the
 * value, when an option is out of range. The breaker reads time from the
 * `Clock` in the context where it is made.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (options: Options) => Effect.Effect<CircuitBreaker, InvalidOptionError> = internal.make

/**
 * Provides a breaker as the service `tag`.
 *
 * **Details**
 *
 * The breaker is released with the layer: its metric series leave Effect's
 * registry and its `events` streams end.
 *
 * **Example**
 *
 * ```ts
 * import { Context } from "effect"
 * import { CircuitBreaker } from "effect-breaker"
 *
 * class OpenAiBreaker extends Context.Tag("OpenAiBreaker")<OpenAiBreaker, CircuitBreaker.CircuitBreaker>() {}
 *
 * const OpenAiBreakerLive = CircuitBreaker.layer(OpenAiBreaker, { name: "openai" })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <I>(
  tag: Context.Tag<I, CircuitBreaker>,
  options: Options
): Layer.Layer<I, InvalidOptionError> =>
  // released with the layer: its metric series leave the registry, its subscriptions end
  Layer.scoped(tag, scopedBreaker(make(options)))

/**
 * Runs `self` through `breaker`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const protect: {
  (breaker: CircuitBreaker): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | CircuitOpenError, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, breaker: CircuitBreaker): Effect.Effect<A, E | CircuitOpenError, R>
} = dual(2, <A, E, R>(self: Effect.Effect<A, E, R>, breaker: CircuitBreaker) => breaker(self))

/**
 * @since 0.1.0
 * @category guards
 */
export const isCircuitBreaker: (u: unknown) => u is CircuitBreaker = internal.isCircuitBreaker

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

export {
  /**
   * A call was rejected without running because the circuit is open (or
   * half-open with every probe permit taken, or forced open by an operator).
   *
   * **Details**
   *
   * `retryAfter` is how long until the breaker may admit a call again
   * (`Duration.infinity` when forced open). Rejection is the breaker's hot path,
   * so the error carries no stack trace: the span and log of the call say where.
   *
   * @since 0.1.0
   * @category errors
   */
  CircuitOpenError,
  /**
   * An option given to a breaker (or to a policy, a window, a schedule) is out
   * of range or malformed. Names the option by its path and shows the bad value.
   *
   * @since 0.1.0
   * @category errors
   */
  InvalidOptionError,
  /**
   * The states in which a breaker rejects calls.
   *
   * @since 0.1.0
   * @category models
   */
  RejectingState
} from "./internal/errors.js"

// ---------------------------------------------------------------------------
// Streams
// ---------------------------------------------------------------------------

export {
  /**
   * A protected stream produced no element within its time-to-first-element limit.
   *
   * @since 0.1.0
   * @category errors
   */
  StreamTimeoutError,
  /**
   * Which limit a stream exceeded: `"firstElement"`, `"idle"` or `"total"`.
   *
   * @since 0.1.0
   * @category models
   */
  StreamTimeoutKind
} from "./internal/streamBreaker.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface StreamOptions<I = unknown> {
  /**
   * Fail the stream with {@link StreamTimeoutError} (`kind: "firstElement"`, a
   * failure for the breaker) when no element arrives within this long of the
   * stream starting. Must be positive; `Duration.infinity` means no limit.
   * Default: 60 seconds.
   */
  readonly firstElementTimeout?: Duration.DurationInput | undefined
  /**
   * Fail the stream with {@link StreamTimeoutError} (`kind: "idle"`) when, after
   * an element, the next one does not arrive within this long: a provider that
   * sends a few tokens and goes silent. `Duration.infinity` means no limit.
   * Default: 120 seconds (reasoning models can pause for a minute or more).
   */
  readonly idleTimeout?: Duration.DurationInput | undefined
  /**
   * Fail the stream with {@link StreamTimeoutError} (`kind: "total"`) once it
   * has spent this long waiting for its upstream in all (the time the consumer
   * takes between pulls does not count). `Duration.infinity` means no limit.
   * Default: 10 minutes (the request timeout of OpenAI's and Anthropic's SDKs).
   */
  readonly totalTimeout?: Duration.DurationInput | undefined
  /**
   * Returns an error for an item that says the call failed although the stream
   * goes on (`undefined` for every other item). The breaker records the call
   * as failed with that error (its classifier decides what it means) as soon as
   * the first such item passes; the item still reaches the consumer.
   */
  readonly itemError?: ((item: I) => unknown) | undefined
}

/**
 * A stream transformer made by {@link makeStream}: `stream.pipe(guard)`.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamBreaker<I = unknown> {
  <A extends I, E, R>(
    self: Stream.Stream<A, E, R>
  ): Stream.Stream<A, E | CircuitOpenError | stream.StreamTimeoutError, R>
  /** The breaker the streams go through. */
  readonly breaker: CircuitBreaker
}

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
 * - **no element** within `firstElementTimeout` (default 60 s), **no next
 *   element** within `idleTimeout` of the last one (default 120 s), or more
 *   than `totalTimeout` spent waiting for the upstream (default 10 min) → the
 *   stream fails with {@link StreamTimeoutError} (its `kind` says which), and
 *   the call failed with it: a provider that stalls after its first tokens is
 *   bounded and counted;
 * - the **consumer stops** early (`Stream.take`, interruption, its scope closes)
 *   → the call is interrupted: Ignored, and a half-open probe's permit is freed.
 *
 * The outcome is recorded before the consumer sees the stream end, so the
 * breaker's state is up to date when `runCollect` returns. A slow-call policy
 * measures the whole stream, from admission to its end. Fails with
 * `InvalidOptionError` naming the option when a time limit is not a positive
 * duration. `Duration.infinity` turns a limit off (for a stream that may
 * legitimately stay silent, such as a change feed); {@link protectStream} has
 * no limits at all.
 *
 * Cost: one forked fiber and two `Deferred`s per stream (a few microseconds);
 * while a time limit is on (the default), two more fibers per stream (a
 * watchdog sleeping until the current deadline, and a worker running the
 * upstream's pulls on demand, nothing prefetched) and per element a hand-off
 * to the worker and back plus two clock reads, no timer; one check per
 * element when `itemError` is set.
 *
 * **Example**
 *
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { CircuitBreaker } from "effect-breaker"
 *
 * const program = Effect.gen(function*() {
 *   const breaker = yield* CircuitBreaker.make({ name: "tokens" })
 *   const guard = yield* CircuitBreaker.makeStream(breaker, { firstElementTimeout: "10 seconds" })
 *   return yield* Stream.make("a", "b").pipe(guard, Stream.runCollect)
 * })
 * // Effect.runPromise(program) resolves to Chunk("a", "b")
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeStream: <I = unknown>(
  breaker: CircuitBreaker,
  options?: StreamOptions<I>
) => Effect.Effect<StreamBreaker<I>, InvalidOptionError> = stream.make

/**
 * Runs a stream through `breaker` as one call (no time limit, no item check):
 * `stream.pipe(CircuitBreaker.protectStream(breaker))`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const protectStream: {
  (breaker: CircuitBreaker): <A, E, R>(self: Stream.Stream<A, E, R>) => Stream.Stream<A, E | CircuitOpenError, R>
  <A, E, R>(self: Stream.Stream<A, E, R>, breaker: CircuitBreaker): Stream.Stream<A, E | CircuitOpenError, R>
} = dual(
  2,
  <A, E, R>(self: Stream.Stream<A, E, R>, breaker: CircuitBreaker): Stream.Stream<A, E | CircuitOpenError, R> =>
    stream.protect(self, breaker, stream.noOptions)
)

// ---------------------------------------------------------------------------
// The state machine alone
// ---------------------------------------------------------------------------

/**
 * A breaker's state machine without Effect: the same transitions a breaker
 * runs, driven synchronously by the caller's own clock. For code that replays
 * many calls in simulated time (the simulator's search engine replays hours of
 * traffic per millisecond of wall time). `classify` is not used: the caller
 * gives outcomes.
 *
 * **Example**
 *
 * ```ts
 * import { Either } from "effect"
 * import { CircuitBreaker, Outcome, TripPolicy } from "effect-breaker"
 *
 * const m = Either.getOrThrow(CircuitBreaker.machine({ name: "sim", policy: TripPolicy.consecutiveFailures(2) }))
 * for (const at of [0, 10]) m.record(m.admit(at), at + 5, Outcome.failure(), 5)
 * // m.state is "Open"; m.admit(20) is -1 (rejected) and m.retryAfterMs is 29995
 * ```
 *
 * @since 0.2.0
 * @category models
 */
export interface Machine {
  readonly name: string
  /** The current state. */
  readonly state: State
  /** The transition the last `admit` or `record` caused, if any. */
  readonly transition: TransitionEvent | undefined
  /** After a rejection: millis until a call may be admitted. */
  readonly retryAfterMs: number
  /** Admits a call at `now` (millis): a token ≥ 0 to record it with, or -1 when rejected. */
  admit(now: number): number
  /** Records how the call admitted as `token` ended at `now`, after `durationMs`. Record each token once. */
  record(token: number, now: number, outcome: Outcome, durationMs: number): void
  /** The figures `breaker.stats` gives, as of `now`. */
  stats(now: number): Stats
}

/**
 * Makes a {@link Machine} from the options `make` takes (checked the same way),
 * starting Closed at `now` (default 0).
 *
 * @since 0.2.0
 * @category constructors
 */
export const machine: (options: Options, now?: number) => Either.Either<Machine, InvalidOptionError> = internalMachine.machine

/**
 * A synchronous hook into what breakers decide, called from the code path that
 * decides (the same one metrics, spans and logs use): every transition, every
 * recorded call (with the state that admitted it), every rejection. Keep it
 * cheap and never throw: it runs inside the breaker's atomic step.
 *
 * @since 0.1.0
 * @category models
 */
export interface Observer {
  readonly onTransition?: ((transition: TransitionEvent) => void) | undefined
  readonly onCall?:
    | ((breaker: string, admittedIn: State, outcome: "Success" | "Failure" | "Ignored", slow: boolean, durationMs: number) => void)
    | undefined
  readonly onRejected?: ((breaker: string, state: State, retryAfterMs: number) => void) | undefined
}

/**
 * Adds `observer` to every breaker made where the layer is provided (read once,
 * when the breaker is made), beside the telemetry layers. The drill and the
 * simulator record their timelines through it. A hook that throws is skipped
 * (it never replaces the caller's value or error); a hook that is not a
 * function fails the layer with `InvalidOptionError` naming it.
 *
 * **Example**
 *
 * ```ts
 * import { Effect } from "effect"
 * import { CircuitBreaker } from "effect-breaker"
 *
 * const opened: Array<string> = []
 * const program = CircuitBreaker.make({ name: "openai" }).pipe(
 *   Effect.provide(CircuitBreaker.layerObserver({ onTransition: (t) => opened.push(`${t.from}->${t.to}`) }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerObserver: (observer: Observer) => Layer.Layer<never, InvalidOptionError> = observer.layerObserver
