/**
 * The Effect shell around the pure core. It reads the time from the `Clock` the
 * breaker was made with, and never sleeps, waits or retries.
 *
 * The state lives in a store (`CircuitBreakerStore`): the breaker opens its
 * circuit once, when it is made, and calls the circuit's synchronous methods on
 * every admission and record. With the memory store each of those is one
 * synchronous step inside the fiber's run loop, so no other fiber can
 * interleave: the guarantee `Ref.modify` gives (it is an `Effect.sync` over a
 * mutable cell). The state is not wrapped in a `Ref` because the core updates
 * it in place and the hot path never goes through one: building a `Ref.modify`
 * effect and tuple per call cost 1,409 against 839 ns per closed call, and the
 * `Ref` itself ~390 bytes per breaker. Everything but the call itself (stats,
 * events, manual control, export) lives on the prototype and is built on access.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Effectable from "effect/Effectable"
import * as Either from "effect/Either"
import * as FiberRef from "effect/FiberRef"
import { type Pipeable, pipeArguments } from "effect/Pipeable"
import * as PubSub from "effect/PubSub"
import type * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Tracer from "effect/Tracer"
import type { CircuitOpenError, InvalidOptionError } from "./errors.js"
import type { CircuitBreaker } from "../CircuitBreaker.js"
import { defaultClassifier } from "./outcome.js"
import * as core from "./core.js"
import { Shell } from "./shell.js"
import { allObservers, BreakerObservers, currentObservers } from "./observer.js"
import { compile, type Options } from "./options.js"
import * as Runtime from "effect/Runtime"
import { type BreakerState, decode } from "./state.js"
import { memoryStore } from "./store/memory.js"
import { CircuitBreakerStore } from "./store/service.js"
import type { CircuitStoreError } from "./store/types.js"
import * as attrs from "./telemetry/attributes.js"
import { admitRemote, markTransition, pass, probe, reject, rejecting, settled } from "./calls.js"

/** @internal */
export const TypeId: unique symbol = Symbol.for("effect-breaker/CircuitBreaker")

/** @internal */
export const isCircuitBreaker = (u: unknown): u is CircuitBreaker => typeof u === "function" && TypeId in u

/** @internal */
export interface Breaker extends Pipeable {
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
  readonly export: Effect.Effect<BreakerState, CircuitStoreError>
}

const admit = <A, E, R>(shell: Shell, s: core.State, self: Effect.Effect<A, E, R>): Effect.Effect<A, E | CircuitOpenError, R> => {
  // Only Open and HalfOpen decide by time; Closed/MetricsOnly need a start only for timed calls.
  const start = !shell.timed && s.tag !== "Open" && s.tag !== "HalfOpen" ? 0 : shell.clock.unsafeCurrentTimeMillis()
  const decision = shell.circuit.admit(start)
  if (s.outTransition !== undefined) shell.notify(s.outTransition)
  switch (decision) {
    case core.Pass:
      return pass(shell, self, s.generation, start, s.tag, undefined, false)
    case core.Bypass:
      return self
    case core.Probe:
      return shell.follow(s.outTransition, probe(shell, self, s.generation, s.outSlot, s.outTicket, start, undefined, false))
    case core.Reject:
      return reject(shell, rejecting(s.tag), s.outRetryAfterMs, undefined)
    default:
      return admitRemote(shell, self, start, undefined)
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
  const decision = shell.circuit.admit(start)
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
        return pass(shell, self, generation, start, admittedIn, span, false)
      case core.Probe:
        return shell.follow(t, probe(shell, self, generation, slot, ticket, start, span, false))
      case core.Reject:
        return reject(shell, rejecting(admittedIn), retryAfterMs, span)
      default:
        return admitRemote(shell, self, start, span)
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

const manual = (shell: Shell, action: core.ManualAction): Effect.Effect<void> =>
  Effect.suspend(() => {
    const s = shell.state
    const pending = shell.circuit.control(action, shell.clock.unsafeCurrentTimeMillis())
    const t = s.outTransition
    if (t !== undefined) shell.notify(t)
    return settled(shell, pending, shell.follow(t, Effect.void))
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

/** A breaker as `make` builds it: the callable, with its shell under `ShellKey`. */
interface Shelled extends Breaker {
  readonly [ShellKey]: Shell
}

/** The run-time part of a breaker (for internal/release.ts); `undefined` for a value `make` did not build. @internal */
export const shellOf = (breaker: object): Shell | undefined =>
  ShellKey in breaker ? (breaker as Shelled)[ShellKey] : undefined

/** Types `this` in the prototype's getters as the breaker they are read on. */
const prototype = <P extends object>(proto: P & ThisType<Shelled>): P => proto

/**
 * Everything but the call itself lives on the prototype and is built on access
 * (these are rare operations), so a breaker is one function and its shell.
 */
const BreakerProto = prototype({
  [TypeId]: TypeId,
  pipe() {
    return pipeArguments(this, arguments)
  },
  get protect() {
    return this
  },
  get stats(): Effect.Effect<core.Snapshot> {
    const shell = this[ShellKey]
    return Effect.sync(() => core.snapshot(shell.state, shell.clock.unsafeCurrentTimeMillis()))
  },
  get subscribe(): Effect.Effect<Queue.Dequeue<core.Transition>, never, Scope.Scope> {
    const shell = this[ShellKey]
    return Effect.suspend(() => PubSub.subscribe(shell.transitions()))
  },
  get events(): Stream.Stream<core.Transition> {
    return Stream.unwrapScoped(Effect.map(this.subscribe, (q) => Stream.fromQueue(q)))
  },
  get forceOpen(): Effect.Effect<void> {
    return manual(this[ShellKey], "forceOpen")
  },
  get reset(): Effect.Effect<void> {
    return manual(this[ShellKey], "reset")
  },
  get disable(): Effect.Effect<void> {
    return manual(this[ShellKey], "disable")
  },
  get metricsOnly(): Effect.Effect<void> {
    return manual(this[ShellKey], "metricsOnly")
  },
  get export(): Effect.Effect<BreakerState, CircuitStoreError> {
    const shell = this[ShellKey]
    return Effect.suspend(() => shell.circuit.export(shell.clock.unsafeCurrentTimeMillis()))
  }
})

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

/*
 * What a breaker keeps from `make` is built by the top-level helpers below, so
 * its closures hold only what they need: a closure made inside `make` would
 * keep make's whole scope (options, config, observers) alive with the breaker
 * (measured: it doubled a breaker's heap, 610 to 1,280 bytes).
 */

/** Forwards the transitions a store pushes in to the shell, made after the circuit. */
class Forward {
  shell: Shell | undefined = undefined
  readonly onTransition = (t: core.Transition): void => this.shell?.notifyRemote(t)
}

// Nothing forked here may end with an unhandled failure (not even a defect in an observer's effect).
const ignoreCause = (effect: Effect.Effect<void>): Effect.Effect<void> => Effect.catchAllCause(effect, () => Effect.void)
const runDetached = (effect: Effect.Effect<void>): void => void Effect.runFork(ignoreCause(effect))
const runDetachedIn = (rt: Runtime.Runtime<never>) => (effect: Effect.Effect<void>): void =>
  void Runtime.runFork(rt, ignoreCause(effect))

/**
 * Makes a breaker: compiles the options, checks a `restore` snapshot against
 * them, and opens the breaker's circuit in the store found in the context (the
 * memory store when there is none).
 *
 * @internal
 */
export const make = (options: Options): Effect.Effect<Breaker, InvalidOptionError> =>
  Effect.flatMap(Effect.clock, (clock) =>
    Effect.flatMap(Effect.zipWith(BreakerObservers, FiberRef.get(currentObservers), allObservers), (observers) =>
      Effect.flatMap(CircuitBreakerStore, (store) => {
        const compiled = compile(options)
        if (Either.isLeft(compiled)) return Effect.fail(compiled.left)
        const { classify, config } = compiled.right
        const restoreInput = (options as { readonly restore?: unknown }).restore
        let restore: BreakerState | undefined
        if (restoreInput !== undefined) {
          const decoded = decode(config, restoreInput, "restore")
          if (Either.isLeft(decoded)) return Effect.fail(decoded.left)
          restore = decoded.right
        }
        const now = clock.unsafeCurrentTimeMillis()
        const forward = new Forward()
        const open = store.open({ config, now, restore, onTransition: forward.onTransition })
        const runtime = store === memoryStore ? Effect.succeed(undefined) : Effect.runtime<never>()
        return Effect.zipWith(open, runtime, (circuit, rt) => {
          const tag = circuit.state.tag
          const attached = observers.length === 0
            ? observers
            : observers.map((o) => o.attach !== undefined ? o.attach(config.name, tag, now) : o)
          const shell = new Shell(
            circuit,
            clock,
            classify ?? defaultClassifier,
            attached,
            rt === undefined ? runDetached : runDetachedIn(rt)
          )
          forward.shell = shell
          const breaker = Object.setPrototypeOf(makeProtect(shell), BreakerProto)
          breaker[ShellKey] = shell
          return breaker as Breaker
        })
      })))
