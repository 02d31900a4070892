/**
 * Structured log lines for transitions and rejections, written in the fiber
 * whose call caused them (so they join its span as events and reach its logger).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { Reason, StateTag, Transition } from "../core.js"
import type { Observer } from "../observer.js"
import { ATTR_BREAKER_NAME, ATTR_BREAKER_RETRY_AFTER_MS, ATTR_BREAKER_STATE, stateLabel, transitionFields } from "./attributes.js"

const pct = (x: number): string => `${Math.round(x * 1000) / 10}%`

/** A one-line human summary of why a transition happened. @internal */
export const describeReason = (reason: Reason): string => {
  switch (reason._tag) {
    case "ConsecutiveFailures":
      return `${reason.failures} consecutive failures (threshold ${reason.threshold})`
    case "FailureRate":
      return `failure rate ${pct(reason.rate)} over ${reason.calls} calls (threshold ${pct(reason.threshold)})`
    case "SlowCallRate":
      return `slow-call rate ${pct(reason.rate)} over ${reason.calls} calls (threshold ${pct(reason.threshold)})`
    case "OpenDurationElapsed":
      return "open duration elapsed"
    case "ProbeFailed":
      return reason.slow ? "a half-open probe was slow" : "a half-open probe failed"
    case "ProbesSucceeded":
      return `${reason.successes} half-open probes succeeded`
    case "Manual":
      return `manual ${reason.action}`
    case "Resynced":
      return "caught up with the shared state"
  }
}

const verb: { readonly [K in StateTag]: string } = {
  Closed: "closed",
  Open: "opened",
  HalfOpen: "half-opened",
  ForcedOpen: "forced open",
  Disabled: "disabled",
  MetricsOnly: "set to metrics-only"
}

/** The message of a transition's log line. @internal */
export const transitionMessage = (t: Transition): string => {
  const openFor = t.openUntil !== undefined ? ` for ${Math.max(0, t.openUntil - t.at)} ms` : ""
  return `circuit ${t.breaker} ${verb[t.to]}${openFor}: ${describeReason(t.reason)}`
}

/** WARN when calls stop flowing normally (open, forced open, disabled); INFO otherwise. @internal */
export const transitionLevel = (t: Transition): "Warning" | "Info" =>
  t.to === "Open" || t.to === "ForcedOpen" || t.to === "Disabled" ? "Warning" : "Info"

/** @internal */
export const logTransition = (t: Transition): Effect.Effect<void> =>
  Effect.annotateLogs(
    transitionLevel(t) === "Warning" ? Effect.logWarning(transitionMessage(t)) : Effect.logInfo(transitionMessage(t)),
    transitionFields(t)
  )

/** @internal */
export const logRejection = (breaker: string, state: StateTag, retryAfterMs: number): Effect.Effect<void> =>
  Effect.annotateLogs(Effect.logDebug(`circuit ${breaker} rejected a call (${stateLabel[state]})`), {
    [ATTR_BREAKER_NAME]: breaker,
    [ATTR_BREAKER_STATE]: stateLabel[state],
    [ATTR_BREAKER_RETRY_AFTER_MS]: retryAfterMs
  })

/** @internal */
export const observer: Observer = { transitionEffect: logTransition, rejectionEffect: logRejection }
