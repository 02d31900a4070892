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
import { type Classifier, defaultClassifier, type Outcome } from "../Outcome.js"
import * as core from "./core.js"
import type { Observer, TraceMode } from "./observer.js"
import * as attrs from "./telemetry/attributes.js"

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

/** @internal */
export const hintMillis = (outcome: Outcome): number =>
  outcome._tag === "Failure" && outcome.retryAfter !== undefined ? Duration.toMillis(outcome.retryAfter) : 0

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

/** A breaker at run time: the core's state, the clock, the classifier and the observers. @internal */
export class Shell {
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
    /** The core's state; updated in place, never replaced. */
    readonly state: core.State,
    readonly clock: Clock.Clock,
    readonly classify: Classifier<any, any>,
    readonly observers: ReadonlyArray<Observer>
  ) {
    this.defaultClassify = classify === defaultClassifier
    this.timed = state.slowMs < Infinity || observers.length > 0
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

  notify(t: core.Transition): void {
    const pubsub = this.extras?.pubsub
    if (pubsub !== undefined) pubsub.unsafeOffer(t)
    for (const o of this.observers) o.onTransition?.(t)
  }

  /** Classifies an exit without letting a throwing classifier crash the caller's fiber. */
  outcomeOf(exit: Exit.Exit<unknown, unknown>): Outcome {
    try {
      return this.classify(exit)
    } catch {
      // A classifier that throws tells us nothing about the dependency: keep the caller's own result.
      return exit._tag === "Success" || Cause.isInterruptedOnly(exit.cause) ? { _tag: "Ignored" } : {
        _tag: "Failure",
        retryAfter: undefined
      }
    }
  }

  report(admittedIn: core.StateTag, code: core.OutcomeCode, durationMs: number): void {
    for (const o of this.observers) o.onCall?.(this.name, admittedIn, code, durationMs >= this.slowMs, durationMs)
  }
}

const sequence = <Args extends Array<any>>(
  fs: ReadonlyArray<(...args: Args) => Effect.Effect<void>>
): ((...args: Args) => Effect.Effect<void>) | undefined =>
  fs.length === 0 ? undefined : fs.length === 1 ? fs[0] : (...args) => Effect.forEach(fs, (f) => f(...args), { discard: true })

