/**
 * The paths of one call through a breaker, once admission has decided: a
 * passing call and how its outcome is recorded, a half-open probe, a
 * rejection, and an admission the store decides with an effect (with the
 * store's `onStoreError` policy when it fails). `breaker.ts` decides and
 * dispatches here.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Tracer from "effect/Tracer"
import type { Outcome } from "../Outcome.js"
import { isWork, success } from "./outcome.js"
import * as core from "./core.js"
import { type CircuitOpenError, unsafeCircuitOpenError } from "./errors.js"
import { firstTokenOf, hintMillis, outcomeCode, type PassHandlers, type Shell, tokensOf } from "./shell.js"
import type { CircuitStoreError, RemoteAdmission } from "./store/types.js"
import * as attrs from "./telemetry/attributes.js"

/** @internal */
export const reject = (shell: Shell, state: "Open" | "HalfOpen" | "ForcedOpen", retryAfterMs: number, span: Tracer.Span | undefined) => {
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

/** @internal */
export const markTransition = (shell: Shell, span: Tracer.Span | undefined, t: core.Transition | undefined): void => {
  if (span !== undefined && t !== undefined) {
    span.event(attrs.EVENT_TRANSITION, shell.clock.unsafeCurrentTimeNanos(), attrs.transitionFields(t))
  }
}

/**
 * The state a rejection reports. A store that rejects while the mirror shows a
 * state that admits (a fleet store with Redis down and `onStoreError: "reject"`)
 * reports Open: the call waits out `retryAfter` like any open circuit.
 *
 * @internal
 */
export const rejecting = (tag: core.StateTag): "Open" | "HalfOpen" | "ForcedOpen" =>
  tag === "HalfOpen" || tag === "ForcedOpen" ? tag : "Open"

/**
 * The store decides with an effect (a fleet-wide half-open permit). On a store
 * error the store's policy applies: "local" decides from the local state with
 * the core (and records there), "allow" runs the call unrecorded, "reject"
 * rejects it.
 *
 * @internal
 */
export const admitRemote = <A, E, R>(
  shell: Shell,
  self: Effect.Effect<A, E, R>,
  now: number,
  span: Tracer.Span | undefined
): Effect.Effect<A, E | CircuitOpenError, R> =>
  Effect.matchEffect(shell.circuit.admitRemote(now), {
    onSuccess: (a: RemoteAdmission): Effect.Effect<A, E | CircuitOpenError, R> => {
      if (a.transition !== undefined) shell.notify(a.transition)
      markTransition(shell, span, a.transition)
      switch (a.decision) {
        case core.Pass:
          return pass(shell, self, a.generation, now, a.admittedIn, span, false)
        case core.Bypass:
          return self
        case core.Probe:
          return shell.follow(a.transition, probe(shell, self, a.generation, a.slot, a.ticket, now, span, false))
        case core.Reject:
          return reject(shell, rejecting(a.admittedIn), a.retryAfterMs, span)
      }
    },
    onFailure: (error): Effect.Effect<A, E | CircuitOpenError, R> =>
      Effect.zipRight(shell.storeFailed(error), Effect.suspend(() => onStoreError(shell, self, now, span)))
  })

/** @internal */
export const onStoreError = <A, E, R>(
  shell: Shell,
  self: Effect.Effect<A, E, R>,
  now: number,
  span: Tracer.Span | undefined
): Effect.Effect<A, E | CircuitOpenError, R> => {
  const s = shell.state
  switch (shell.circuit.onStoreError) {
    case "allow":
      return self
    case "reject":
      return reject(shell, rejecting(s.tag), 0, span)
    case "local": {
      const decision = core.admit(s, now)
      const t = s.outTransition
      if (t !== undefined) shell.notify(t)
      markTransition(shell, span, t)
      switch (decision) {
        case core.Pass:
          return pass(shell, self, s.generation, now, s.tag, span, true)
        case core.Bypass:
          return self
        case core.Probe:
          return shell.follow(t, probe(shell, self, s.generation, s.outSlot, s.outTicket, now, span, true))
        case core.Reject:
          return reject(shell, rejecting(s.tag), s.outRetryAfterMs, span)
      }
    }
  }
}

/**
 * The `matchCauseEffect` handlers of a call in Closed or MetricsOnly. If the
 * fiber itself is interrupted the handlers do not run and nothing is recorded,
 * which is what Ignored means.
 *
 * @internal
 */
export const passHandlers = (
  shell: Shell,
  generation: number,
  start: number,
  admittedIn: core.StateTag,
  span: Tracer.Span | undefined,
  local: boolean
): PassHandlers => ({
  generation,
  admittedIn,
  onSuccess: (a) => {
    const classified = shell.defaultClassify ? success : shell.outcomeOf(Exit.succeed(a))
    const after = settle(
      shell,
      // A call that succeeded with a work measure (a protected stream's) is judged by it.
      classified._tag === "Success" && classified.work === undefined && isWork(a) ? { _tag: "Success", work: a } : classified,
      generation,
      start,
      admittedIn,
      span,
      local
    )
    return after === undefined ? Effect.succeed(a) : Effect.as(after, a)
  },
  onFailure: (cause) => {
    const after = settle(shell, shell.outcomeOf(Exit.failCause(cause)), generation, start, admittedIn, span, local)
    return after === undefined ? Effect.failCause(cause) : Effect.zipRight(after, Effect.failCause(cause))
  }
})

/** @internal */
export const pass = <A, E, R>(
  shell: Shell,
  self: Effect.Effect<A, E, R>,
  generation: number,
  start: number,
  admittedIn: core.StateTag,
  span: Tracer.Span | undefined,
  local: boolean
): Effect.Effect<A, E, R> => {
  let h: PassHandlers
  if (start === 0 && span === undefined && !local) {
    const cached = shell.passHandlers
    h = cached !== undefined && cached.generation === generation && cached.admittedIn === admittedIn
      ? cached
      : (shell.passHandlers = passHandlers(shell, generation, 0, admittedIn, undefined, false))
  } else h = passHandlers(shell, generation, start, admittedIn, span, local)
  return Effect.matchCauseEffect(self, h) as Effect.Effect<A, E, R>
}

/**
 * Records an outcome and reports it. Returns what must run before the call
 * returns (the store's pending effect, the observers' effects of a transition
 * the outcome caused), or `undefined` when nothing must (the common case).
 * `local`: the call was admitted by the core on the local state because the
 * store failed (policy "local"), so it is recorded there too.
 *
 * @internal
 */
export const settle = (
  shell: Shell,
  outcome: Outcome,
  generation: number,
  start: number,
  admittedIn: core.StateTag,
  span: Tracer.Span | undefined,
  local: boolean
): Effect.Effect<void> | undefined => {
  const s = shell.state
  const now = shell.clockFreeSuccess && outcome._tag === "Success" ? 0 : shell.clock.unsafeCurrentTimeMillis()
  const code = outcomeCode(outcome)
  let pending: Effect.Effect<void, CircuitStoreError> | undefined
  if (local) core.record(s, now, generation, code, now - start, hintMillis(outcome), tokensOf(outcome), firstTokenOf(outcome))
  else {
    pending = shell.circuit.record(now, generation, code, now - start, hintMillis(outcome), tokensOf(outcome), firstTokenOf(outcome))
  }
  const t = s.outTransition
  if (t !== undefined) shell.notify(t)
  if (shell.observers.length > 0) shell.report(admittedIn, code, now - start)
  if (span !== undefined) annotateOutcome(shell, span, code, now - start, t)
  const transitionEffect = t === undefined ? undefined : shell.extras?.transitionEffect
  const after = transitionEffect === undefined ? undefined : transitionEffect(t!)
  if (pending === undefined) return after
  return settled(shell, pending, after ?? Effect.void)
}

/** @internal */
export const annotateOutcome = (
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

/**
 * A half-open probe: its permit is given back however it ends, interruption included.
 *
 * @internal
 */
export const probe = <A, E, R>(
  shell: Shell,
  self: Effect.Effect<A, E, R>,
  generation: number,
  slot: number,
  ticket: number,
  start: number,
  span: Tracer.Span | undefined,
  local: boolean
): Effect.Effect<A, E, R> =>
  Effect.onExit(self, (exit) =>
    Effect.suspend(() => {
      const s = shell.state
      const now = shell.clock.unsafeCurrentTimeMillis()
      const classified = shell.outcomeOf(exit)
      const outcome = exit._tag === "Success" && classified._tag === "Success" && classified.work === undefined &&
          isWork(exit.value)
        ? { _tag: "Success" as const, work: exit.value }
        : classified
      const code = outcomeCode(outcome)
      const hint = hintMillis(outcome)
      const tokens = tokensOf(outcome)
      const firstToken = firstTokenOf(outcome)
      let pending: Effect.Effect<void, CircuitStoreError> | undefined
      if (local) core.recordProbe(s, now, generation, slot, ticket, code, now - start, hint, tokens, firstToken)
      else pending = shell.circuit.recordProbe(now, generation, slot, ticket, code, now - start, hint, tokens, firstToken)
      const t = s.outTransition
      if (t !== undefined) shell.notify(t)
      if (shell.observers.length > 0) shell.report("HalfOpen", code, now - start)
      if (span !== undefined) annotateOutcome(shell, span, code, now - start, t)
      return settled(shell, pending, shell.follow(t, Effect.void))
    }))

/**
 * Runs a store's pending effect (a store error is logged, never a defect), then `after`.
 *
 * @internal
 */
export const settled = (
  shell: Shell,
  pending: Effect.Effect<void, CircuitStoreError> | undefined,
  after: Effect.Effect<void>
): Effect.Effect<void> =>
  pending === undefined ? after : Effect.zipRight(Effect.catchAll(pending, (e) => shell.storeFailed(e)), after)
