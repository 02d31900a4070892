/**
 * The Effect shell around the pure core. It reads the time from the `Clock` the
 * breaker was made with, and never sleeps, waits or retries.
 *
 * Admission and recording each update the core's state in one synchronous step
 * inside the fiber's run loop, so no other fiber can interleave: the same
 * guarantee `Ref.modify` gives (it is an `Effect.sync` over a mutable cell).
 * The state is not wrapped in a `Ref` because the core updates it in place and
 * the hot path never goes through one: building a `Ref.modify` effect and tuple
 * per call cost 1,409 against 839 ns per closed call, and the `Ref` itself
 * ~390 bytes per breaker. Everything but the call itself (stats, events, manual
 * control) lives on the prototype and is built on access.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Effectable from "effect/Effectable"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import { pipeArguments } from "effect/Pipeable"
import * as PubSub from "effect/PubSub"
import type * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Tracer from "effect/Tracer"
import { type CircuitOpenError, type InvalidOptionError, unsafeCircuitOpenError } from "../CircuitBreakerError.js"
import { type Classifier, defaultClassifier, type Outcome, success } from "../Outcome.js"
import * as core from "./core.js"
import { allObservers, BreakerObservers, currentObservers, type Observer, type TraceMode } from "./observer.js"
import { compile, type Options } from "./options.js"
import * as attrs from "./telemetry/attributes.js"

/** @internal */
export const TypeId: unique symbol = Symbol.for("effect-breaker/CircuitBreaker")

/** @internal */
export interface Breaker {
  readonly [TypeId]: typeof TypeId
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | CircuitOpenError, R>
  readonly name: string
  readonly protect: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | CircuitOpenError, R>
  readonly stats: Effect.Effect<core.Snapshot>
  readonly events: Stream.Stream<core.Transition>
  readonly subscribe: Effect.Effect<Queue.Dequeue<core.Transition>, never, Scope.Scope>
  readonly forceOpen: Effect.Effect<void>
  readonly reset: Effect.Effect<void>
  readonly disable: Effect.Effect<void>
  readonly metricsOnly: Effect.Effect<void>
}

const outcomeCode = (outcome: Outcome): core.OutcomeCode =>
  outcome._tag === "Success" ? core.OSuccess : outcome._tag === "Failure" ? core.OFailure : core.OIgnored

const hintMillis = (outcome: Outcome): number =>
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

class Shell {
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

const reject = (shell: Shell, state: "Open" | "HalfOpen" | "ForcedOpen", retryAfterMs: number, span: Tracer.Span | undefined) => {
  for (const o of shell.observers) o.onRejected?.(shell.name, state, retryAfterMs)
  if (span !== undefined) {
    span.attribute(attrs.ATTR_BREAKER_OUTCOME, "rejected")
    span.attribute(attrs.ATTR_BREAKER_RETRY_AFTER_MS, retryAfterMs)
    span.event(attrs.EVENT_REJECTED, shell.clock.unsafeCurrentTimeNanos(), {
      [attrs.ATTR_BREAKER_NAME]: shell.name,
      [attrs.ATTR_BREAKER_STATE]: attrs.stateLabel[state],
      [attrs.ATTR_BREAKER_RETRY_AFTER_MS]: retryAfterMs
    })
  }
  // Exit.fail, not Effect.fail: no withFiberRuntime op to read the current span, no Proxy around the error under tracing.
  const fail = Exit.fail(unsafeCircuitOpenError(shell.name, state, retryAfterMs))
  return shell.rejectionEffect !== undefined ? Effect.zipRight(shell.rejectionEffect(shell.name, state, retryAfterMs), fail) : fail
}

const markTransition = (shell: Shell, span: Tracer.Span | undefined, t: core.Transition | undefined): void => {
  if (span !== undefined && t !== undefined) {
    span.event(attrs.EVENT_TRANSITION, shell.clock.unsafeCurrentTimeNanos(), attrs.transitionFields(t))
  }
}

const admit = <A, E, R>(shell: Shell, s: core.State, self: Effect.Effect<A, E, R>): Effect.Effect<A, E | CircuitOpenError, R> => {
  // Only Open and HalfOpen decide by time; Closed/MetricsOnly need a start only for timed calls.
  const start = !shell.timed && s.tag !== "Open" && s.tag !== "HalfOpen" ? 0 : shell.clock.unsafeCurrentTimeMillis()
  const decision = core.admit(s, start)
  if (s.outTransition !== undefined) shell.notify(s.outTransition)
  switch (decision) {
    case core.Pass:
      return pass(shell, self, s.generation, start, s.tag, undefined)
    case core.Bypass:
      return self
    case core.Probe:
      return shell.follow(s.outTransition, probe(shell, self, s.generation, s.outSlot, s.outTicket, start, undefined))
    case core.Reject:
      return reject(shell, s.tag as "Open" | "HalfOpen" | "ForcedOpen", s.outRetryAfterMs, undefined)
  }
}

/**
 * Admission when an observer traces calls. The decision and its figures are
 * taken synchronously; the call then runs in its own span ("span") or annotates
 * the caller's span ("annotate"). Rejections and transitions become span events.
 */
const admitTraced = <A, E, R>(
  shell: Shell,
  currentSpan: Tracer.AnySpan | undefined,
  self: Effect.Effect<A, E, R>
): Effect.Effect<A, E | CircuitOpenError, R> => {
  const s = shell.state
  const start = shell.clock.unsafeCurrentTimeMillis()
  const decision = core.admit(s, start)
  const t = s.outTransition
  if (t !== undefined) shell.notify(t)
  if (decision === core.Bypass) return self
  const admittedIn = s.tag
  const generation = s.generation
  const slot = s.outSlot
  const ticket = s.outTicket
  const retryAfterMs = s.outRetryAfterMs
  const run = (span: Tracer.Span | undefined): Effect.Effect<A, E | CircuitOpenError, R> => {
    markTransition(shell, span, t)
    switch (decision) {
      case core.Pass:
        return pass(shell, self, generation, start, admittedIn, span)
      case core.Probe:
        return shell.follow(t, probe(shell, self, generation, slot, ticket, start, span))
      case core.Reject:
        return reject(shell, admittedIn as "Open" | "HalfOpen" | "ForcedOpen", retryAfterMs, span)
    }
  }
  if (shell.trace === "annotate") {
    const span = currentSpan !== undefined && currentSpan._tag === "Span" ? currentSpan : undefined
    if (span !== undefined) {
      span.attribute(attrs.ATTR_BREAKER_NAME, shell.name)
      span.attribute(attrs.ATTR_BREAKER_STATE, attrs.stateLabel[admittedIn])
    }
    return run(span)
  }
  // Our span ends with a redacted exit: a client's error may carry request headers.
  return Effect.flatMap(Effect.makeSpan(attrs.spanName(shell.name), shell.spanOptionsFor(admittedIn)), (span) =>
    Effect.onExit(
      Effect.withParentSpan(run(span), span),
      (exit) => Effect.sync(() => span.end(shell.clock.unsafeCurrentTimeNanos(), attrs.redactExit(exit)))
    ))
}

/**
 * A call in Closed or MetricsOnly. If the fiber itself is interrupted the
 * handlers do not run and nothing is recorded, which is what Ignored means.
 */
interface PassHandlers {
  readonly generation: number
  readonly admittedIn: core.StateTag
  readonly onSuccess: (a: unknown) => Effect.Effect<unknown, unknown, unknown>
  readonly onFailure: (cause: Cause.Cause<unknown>) => Effect.Effect<unknown, unknown, unknown>
}

const passHandlers = (
  shell: Shell,
  generation: number,
  start: number,
  admittedIn: core.StateTag,
  span: Tracer.Span | undefined
): PassHandlers => ({
  generation,
  admittedIn,
  onSuccess: (a) => {
    const t = settle(
      shell,
      shell.defaultClassify ? success : shell.outcomeOf(Exit.succeed(a)),
      generation,
      start,
      admittedIn,
      span
    )
    return t === undefined ? Effect.succeed(a) : shell.follow(t, Effect.succeed(a))
  },
  onFailure: (cause) => {
    const t = settle(shell, shell.outcomeOf(Exit.failCause(cause)), generation, start, admittedIn, span)
    return t === undefined ? Effect.failCause(cause) : shell.follow(t, Effect.failCause(cause))
  }
})

const pass = <A, E, R>(
  shell: Shell,
  self: Effect.Effect<A, E, R>,
  generation: number,
  start: number,
  admittedIn: core.StateTag,
  span: Tracer.Span | undefined
): Effect.Effect<A, E, R> => {
  let h: PassHandlers
  if (start === 0 && span === undefined) {
    const cached = shell.passHandlers
    h = cached !== undefined && cached.generation === generation && cached.admittedIn === admittedIn
      ? cached
      : (shell.passHandlers = passHandlers(shell, generation, 0, admittedIn, undefined))
  } else h = passHandlers(shell, generation, start, admittedIn, span)
  return Effect.matchCauseEffect(self, h) as Effect.Effect<A, E, R>
}

/** Records an outcome and reports it; returns the transition it caused, if any. */
const settle = (
  shell: Shell,
  outcome: Outcome,
  generation: number,
  start: number,
  admittedIn: core.StateTag,
  span: Tracer.Span | undefined
): core.Transition | undefined => {
  const s = shell.state
  const now = shell.clockFreeSuccess && outcome._tag === "Success" ? 0 : shell.clock.unsafeCurrentTimeMillis()
  const code = outcomeCode(outcome)
  core.record(s, now, generation, code, now - start, hintMillis(outcome))
  const t = s.outTransition
  if (t !== undefined) shell.notify(t)
  if (shell.observers.length > 0) shell.report(admittedIn, code, now - start)
  if (span !== undefined) annotateOutcome(shell, span, code, now - start, t)
  return t
}

const annotateOutcome = (
  shell: Shell,
  span: Tracer.Span,
  code: core.OutcomeCode,
  durationMs: number,
  t: core.Transition | undefined
): void => {
  span.attribute(attrs.ATTR_BREAKER_OUTCOME, attrs.outcomeLabel[code])
  span.attribute(attrs.ATTR_BREAKER_SLOW, durationMs >= shell.slowMs)
  markTransition(shell, span, t)
}

/** A half-open probe: its permit is given back however it ends, interruption included. */
const probe = <A, E, R>(
  shell: Shell,
  self: Effect.Effect<A, E, R>,
  generation: number,
  slot: number,
  ticket: number,
  start: number,
  span: Tracer.Span | undefined
): Effect.Effect<A, E, R> =>
  Effect.onExit(self, (exit) =>
    Effect.suspend(() => {
      const s = shell.state
      const now = shell.clock.unsafeCurrentTimeMillis()
      const outcome = shell.outcomeOf(exit)
      const code = outcomeCode(outcome)
      core.recordProbe(s, now, generation, slot, ticket, code, now - start, hintMillis(outcome))
      const t = s.outTransition
      if (t !== undefined) shell.notify(t)
      if (shell.observers.length > 0) shell.report("HalfOpen", code, now - start)
      if (span !== undefined) annotateOutcome(shell, span, code, now - start, t)
      return shell.follow(t, Effect.void)
    }))

const manual = (shell: Shell, f: (s: core.State, now: number) => void): Effect.Effect<void> =>
  Effect.suspend(() => {
    const s = shell.state
    f(s, shell.clock.unsafeCurrentTimeMillis())
    const t = s.outTransition
    if (t !== undefined) shell.notify(t)
    return shell.follow(t, Effect.void)
  })

/** A call's admission, as an `Effect` whose commit runs it: one object per call instead of a closure and a suspend. */
class Admission<A, E, R> extends Effectable.Class<A, E | CircuitOpenError, R> {
  constructor(readonly shell: Shell, readonly self: Effect.Effect<A, E, R>) {
    super()
  }
  commit(): Effect.Effect<A, E | CircuitOpenError, R> {
    return admit(this.shell, this.shell.state, this.self)
  }
}

const ShellKey: unique symbol = Symbol.for("effect-breaker/CircuitBreaker/Shell")

/**
 * Everything but the call itself lives on the prototype and is built on access
 * (these are rare operations), so a breaker is one function and its shell.
 */
const BreakerProto = {
  [TypeId]: TypeId,
  pipe() {
    return pipeArguments(this, arguments)
  },
  get protect() {
    return this
  },
  get stats(): Effect.Effect<core.Snapshot> {
    const shell: Shell = (this as any)[ShellKey]
    return Effect.sync(() => core.snapshot(shell.state, shell.clock.unsafeCurrentTimeMillis()))
  },
  get subscribe(): Effect.Effect<Queue.Dequeue<core.Transition>, never, Scope.Scope> {
    const shell: Shell = (this as any)[ShellKey]
    // The PubSub is made on first subscription: a breaker nobody watches pays nothing for it.
    return Effect.suspend(() => {
      const extras = shell.extras ??= noExtras()
      extras.pubsub ??= Effect.runSync(PubSub.sliding<core.Transition>(1024))
      return PubSub.subscribe(extras.pubsub)
    })
  },
  get events() {
    return Stream.unwrapScoped(Effect.map((this as any).subscribe as Effect.Effect<Queue.Dequeue<core.Transition>, never, Scope.Scope>, (q) => Stream.fromQueue(q)))
  },
  get forceOpen() {
    return manual((this as any)[ShellKey], core.forceOpen)
  },
  get reset() {
    return manual((this as any)[ShellKey], core.reset)
  },
  get disable() {
    return manual((this as any)[ShellKey], core.disable)
  },
  get metricsOnly() {
    return manual((this as any)[ShellKey], core.metricsOnly)
  }
}

/**
 * The callable. Built outside `make` so its closure holds only the shell (not the
 * options and everything else `make` saw), and named through a computed key:
 * redefining a function's `name` afterwards puts its properties in dictionary
 * mode (~250 bytes per breaker).
 */
const makeProtect = (shell: Shell): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | CircuitOpenError, R> =>
  shell.trace === undefined
    ? { [shell.name]: <A, E, R>(self: Effect.Effect<A, E, R>) => new Admission(shell, self) }[shell.name]!
    : {
      [shell.name]: <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | CircuitOpenError, R> =>
        Effect.withFiberRuntime((fiber) => admitTraced(shell, fiber.currentSpan, self))
    }[shell.name]!

/** @internal */
export const make = (options: Options): Effect.Effect<Breaker, InvalidOptionError> =>
  Effect.flatMap(Effect.clock, (clock) =>
    Effect.flatMap(Effect.zipWith(BreakerObservers, FiberRef.get(currentObservers), allObservers), (observers) => {
      const compiled = compile(options)
      if (Either.isLeft(compiled)) return Effect.fail(compiled.left)
      const { classify, config } = compiled.right
      const now = clock.unsafeCurrentTimeMillis()
      const state = core.initial(config, now)
      const attached = observers.length === 0
        ? observers
        : observers.map((o) => o.attach !== undefined ? o.attach(config.name, state.tag, now) : o)
      const shell = new Shell(state, clock, classify ?? defaultClassifier, attached)
      const breaker = Object.setPrototypeOf(makeProtect(shell), BreakerProto)
      breaker[ShellKey] = shell
      return Effect.succeed(breaker as Breaker)
    }))
