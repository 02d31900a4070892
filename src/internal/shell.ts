/**
 * A breaker at run time: the core's state with the clock it reads, the
 * classifier and the observers it reports to, and the few rarely used parts
 * (observers' effects, tracing, a subscription) kept in one lazily made object.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as PubSub from "effect/PubSub"
import type * as Tracer from "effect/Tracer"
import type { Classifier, Outcome } from "../Outcome.js"
import { defaultClassifier, ignored } from "./outcome.js"
import * as core from "./core.js"
import type { Observer, TraceMode } from "./observer.js"
import type { Circuit, CircuitStoreError } from "./store/types.js"
import * as attrs from "./telemetry/attributes.js"
import { dropPromise } from "./callback.js"

/** The `matchCauseEffect` handlers of a passing call. @internal */
export interface PassHandlers {
  readonly generation: number
  readonly admittedIn: core.StateTag
  readonly onSuccess: (a: unknown) => Effect.Effect<unknown, unknown, unknown>
  readonly onFailure: (cause: Cause.Cause<unknown>) => Effect.Effect<unknown, unknown, unknown>
}

/** @internal */
export const outcomeCode = (outcome: Outcome): core.OutcomeCode =>
  outcome._tag === "Success" ? core.OSuccess : outcome._tag === "Failure" ? core.OFailure : core.OIgnored

/** The output tokens a success reports (0 when unknown). @internal */
export const tokensOf = (outcome: Outcome): number => {
  const work = outcome._tag === "Success" ? outcome.work : undefined
  const n = work === undefined ? undefined : work.outputTokens
  return typeof n === "number" && n > 0 ? n : 0
}

/** The time to first element a success reports (NaN when unknown). @internal */
export const firstTokenOf = (outcome: Outcome): number => {
  const work = outcome._tag === "Success" ? outcome.work : undefined
  const ms = work === undefined ? undefined : work.firstTokenMs
  return typeof ms === "number" && ms >= 0 ? ms : NaN
}

/** @internal */
export const hintMillis = (outcome: Outcome): number =>
  outcome._tag === "Failure" && outcome.retryAfter !== undefined ? Duration.toMillis(outcome.retryAfter) : 0

/**
 * Whether a classifier's result is an `Outcome` the breaker can use. Anything
 * else (`undefined`, `null`, `{}`, a `Failure` whose `retryAfter` is not a
 * Duration) is treated like the classifier throwing.
 *
 * @internal
 */
export const isOutcome = (u: unknown): u is Outcome => {
  if (typeof u !== "object" || u === null) return false
  const tag = (u as { _tag?: unknown })._tag
  if (tag === "Ignored") return true
  if (tag === "Success") {
    const work = (u as { work?: unknown }).work
    return work === undefined || (typeof work === "object" && work !== null)
  }
  if (tag !== "Failure") return false
  const retryAfter = (u as { retryAfter?: unknown }).retryAfter
  return retryAfter === undefined || (Duration.isDuration(retryAfter) && !Number.isNaN(Duration.toMillis(retryAfter)))
}

const plainFailure: Outcome = { _tag: "Failure", retryAfter: undefined }

/** What an exit counts as when its classifier threw or returned garbage: the caller's own result is kept. */
const unclassified = (exit: Exit.Exit<unknown, unknown>): Outcome =>
  exit._tag === "Success" || Cause.isInterruptedOnly(exit.cause) ? ignored : plainFailure

/**
 * What few breakers use (observers' effects and tracing, a subscription, span
 * options), kept off the shell: one field there instead of five.
 */
class Extras {
  pubsub: PubSub.PubSub<core.Transition> | undefined = undefined
  spanOptions: Partial<Record<core.StateTag, Tracer.SpanOptions>> | undefined = undefined
  constructor(
    /** Telemetry that needs the caller's fiber: present only when an observer asks for it. */
    readonly trace: TraceMode | undefined,
    readonly transitionEffect: ((t: core.Transition) => Effect.Effect<void>) | undefined,
    readonly rejectionEffect:
      | ((breaker: string, state: core.StateTag, retryAfterMs: number) => Effect.Effect<void>)
      | undefined
  ) {}
}

const noExtras = (): Extras => new Extras(undefined, undefined, undefined)

let closedPubSub: PubSub.PubSub<core.Transition> | undefined

/** A breaker at run time: its circuit in the store, the clock, the classifier and the observers. @internal */
export class Shell {
  /** The circuit's local state (`circuit.state`), read on every call. */
  readonly state: core.State
  /** Made with the shell when an observer has effects or traces, else on first subscription. */
  extras: Extras | undefined
  readonly defaultClassify: boolean
  /** Whether a call's duration matters (slow-call policies or observers): if not, admission in Closed skips the clock. */
  readonly timed: boolean
  /** Consecutive-failures only and untimed: a success can neither trip nor be timed, so recording it needs no clock. */
  readonly clockFreeSuccess: boolean
  /** The `matchCauseEffect` handlers of untimed, untraced calls: they depend only on (generation, admittedIn). */
  passHandlers: PassHandlers | undefined = undefined
  constructor(
    /** The breaker's circuit in its store; its state is updated in place, never replaced. */
    readonly circuit: Circuit,
    readonly clock: Clock.Clock,
    readonly classify: Classifier<any, any>,
    readonly observers: ReadonlyArray<Observer>,
    /** Runs a transition's effects when no caller's fiber caused it (a transition pushed in by the store). */
    readonly runDetached: (effect: Effect.Effect<void>) => void
  ) {
    const state = this.state = circuit.state
    this.defaultClassify = classify === defaultClassifier
    this.timed = state.slowMs < Infinity || state.workSlow || observers.length > 0 || circuit.exactTime === true
    this.clockFreeSuccess = !this.timed && state.windows.length === 0
    const trace = observers.find((o) => o.trace !== undefined)?.trace
    const transitionEffect = sequence(observers.flatMap((o) => o.transitionEffect ? [o.transitionEffect] : []))
    const rejectionEffect = sequence(observers.flatMap((o) => o.rejectionEffect ? [o.rejectionEffect] : []))
    this.extras = trace === undefined && transitionEffect === undefined && rejectionEffect === undefined
      ? undefined
      : new Extras(trace, transitionEffect, rejectionEffect)
  }

  get name(): string {
    return this.state.name
  }
  get slowMs(): number {
    return this.state.slowMs
  }
  get trace(): TraceMode | undefined {
    return this.extras?.trace
  }
  get rejectionEffect(): Extras["rejectionEffect"] {
    return this.extras?.rejectionEffect
  }

  /** The options of a call's span in "span" mode, built once per admitting state. */
  spanOptionsFor(admittedIn: core.StateTag): Tracer.SpanOptions {
    return ((this.extras ??= noExtras()).spanOptions ??= {})[admittedIn] ??= {
      kind: "internal",
      captureStackTrace: false,
      attributes: { [attrs.ATTR_BREAKER_NAME]: this.name, [attrs.ATTR_BREAKER_STATE]: attrs.stateLabel[admittedIn] }
    }
  }

  /** Runs the observers' transition effects (if any) in the caller's fiber before `effect`. */
  follow<A, E, R>(t: core.Transition | undefined, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    const transitionEffect = t === undefined ? undefined : this.extras?.transitionEffect
    return transitionEffect !== undefined ? Effect.zipRight(transitionEffect(t!), effect) : effect
  }

  /** The transitions' PubSub, made on first subscription: a breaker nobody watches pays nothing for it. */
  transitions(): PubSub.PubSub<core.Transition> {
    const extras = this.extras ??= noExtras()
    return extras.pubsub ??= Effect.runSync(PubSub.sliding<core.Transition>(1024))
  }

  /**
   * The breaker is released (its key forgotten): its store frees what it holds
   * for it, every subscription ends, and so does any later one (a shared PubSub, already shut down, stands in when
   * nobody had subscribed: nothing is allocated per breaker).
   */
  release(): void {
    const extras = this.extras ??= noExtras()
    if (extras.pubsub !== undefined) Effect.runSync(PubSub.shutdown(extras.pubsub))
    else extras.pubsub = closedPubSub ??= Effect.runSync(Effect.tap(PubSub.sliding<core.Transition>(1), PubSub.shutdown))
    this.circuit.release?.()
  }

  notify(t: core.Transition): void {
    const pubsub = this.extras?.pubsub
    if (pubsub !== undefined) pubsub.unsafeOffer(t)
    for (const o of this.observers) o.onTransition?.(t)
  }

  /** A transition the store applied from outside (another replica): reported like our own, its effects run detached. */
  notifyRemote(t: core.Transition): void {
    this.notify(t)
    const transitionEffect = this.extras?.transitionEffect
    if (transitionEffect !== undefined) this.runDetached(transitionEffect(t))
  }

  /** A store effect failed: logged (never a defect), then the store's policy applies. */
  storeFailed(error: CircuitStoreError): Effect.Effect<void> {
    return Effect.logWarning(`effect-breaker: ${error.message}; policy onStoreError=${this.circuit.onStoreError}`).pipe(
      Effect.annotateLogs({ "breaker.name": this.name, "breaker.store": error.store })
    )
  }

  /**
   * Classifies an exit without letting the classifier crash the caller's fiber
   * or replace its result: interruption alone is Ignored whatever the classifier
   * says, and a classifier that throws or returns anything but an `Outcome`
   * counts as if it could not classify (a failed exit is a plain Failure, a
   * successful one Ignored).
   */
  outcomeOf(exit: Exit.Exit<unknown, unknown>): Outcome {
    // The default classifier is ours and already ignores interruption.
    if (this.defaultClassify) return defaultClassifier(exit)
    if (exit._tag === "Failure" && Cause.isInterruptedOnly(exit.cause)) return ignored
    let outcome: unknown
    try {
      outcome = this.classify(exit)
      dropPromise(outcome) // an async classifier's promise is not an Outcome; its rejection is handled
    } catch {
      return unclassified(exit)
    }
    return isOutcome(outcome) ? outcome : unclassified(exit)
  }

  report(admittedIn: core.StateTag, code: core.OutcomeCode, durationMs: number): void {
    for (const o of this.observers) o.onCall?.(this.name, admittedIn, code, durationMs >= this.slowMs, durationMs)
  }
}

const sequence = <Args extends Array<any>>(
  fs: ReadonlyArray<(...args: Args) => Effect.Effect<void>>
): ((...args: Args) => Effect.Effect<void>) | undefined =>
  fs.length === 0 ? undefined : fs.length === 1 ? fs[0] : (...args) => Effect.forEach(fs, (f) => f(...args), { discard: true })

