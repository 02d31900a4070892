/**
 * Stable names and encodings shared by spans, metrics and logs. Values are
 * breaker names and small enums only: never a request, a header or a key.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Exit from "effect/Exit"
import type { OutcomeCode, Reason, StateTag, Transition } from "../core.js"

/** Span attribute names. @internal */
export const ATTR_BREAKER_NAME = "breaker.name"
/** @internal */
export const ATTR_BREAKER_STATE = "breaker.state"
/** @internal */
export const ATTR_BREAKER_OUTCOME = "breaker.outcome"
/** @internal */
export const ATTR_BREAKER_SLOW = "breaker.slow"
/** @internal */
export const ATTR_BREAKER_RETRY_AFTER_MS = "breaker.retry_after_ms"
/** @internal */
export const ATTR_RETRY_ATTEMPT = "retry.attempt"
/** @internal */
export const ATTR_FALLBACK_SERVED_BY = "fallback.served_by"
/** @internal */
export const ATTR_FALLBACK_KIND = "fallback.kind"
/** @internal */
export const ATTR_RATE_LIMIT_DECISION = "rate_limit.decision"
/** @internal */
export const ATTR_RATE_LIMIT_WAIT_MS = "rate_limit.wait_ms"

/** Span event names. @internal */
export const EVENT_TRANSITION = "breaker.transition"
/** @internal */
export const EVENT_REJECTED = "breaker.rejected"
/** @internal */
export const EVENT_RETRY = "retry.attempt"
/** @internal */
export const EVENT_FALLBACK = "fallback.served"

/** The name of the span a call gets in "span" mode: low cardinality (one per breaker). @internal */
export const spanName = (breaker: string): string => `breaker ${breaker}`

/** Lower snake case state labels, used as attribute values and metric tags. @internal */
export const stateLabel: { readonly [K in StateTag]: string } = {
  Closed: "closed",
  Open: "open",
  HalfOpen: "half_open",
  ForcedOpen: "forced_open",
  Disabled: "disabled",
  MetricsOnly: "metrics_only"
}

/**
 * The numeric encoding of the state gauge: 0 closed, 1 open, 2 half_open,
 * 3 forced_open, 4 disabled, 5 metrics_only.
 *
 * @internal
 */
export const stateCode: { readonly [K in StateTag]: number } = {
  Closed: 0,
  Open: 1,
  HalfOpen: 2,
  ForcedOpen: 3,
  Disabled: 4,
  MetricsOnly: 5
}

/** Indexed by `OutcomeCode`. @internal */
export const outcomeLabel: readonly [string, string, string] = ["success", "failure", "ignored"]

/** @internal */
export const outcomeOf = (code: OutcomeCode): string => outcomeLabel[code]

/** The figures behind a transition, flat, for span events and log annotations. @internal */
export const reasonFields = (reason: Reason): Record<string, string | number | boolean> => {
  switch (reason._tag) {
    case "ConsecutiveFailures":
      return { "breaker.reason": "consecutive_failures", "breaker.failures": reason.failures, "breaker.threshold": reason.threshold }
    case "FailureRate":
    case "SlowCallRate":
      return {
        "breaker.reason": reason._tag === "FailureRate" ? "failure_rate" : "slow_call_rate",
        "breaker.rate": reason.rate,
        "breaker.threshold": reason.threshold,
        "breaker.calls": reason.calls
      }
    case "OpenDurationElapsed":
      return { "breaker.reason": "open_duration_elapsed" }
    case "ProbeFailed":
      return { "breaker.reason": "probe_failed", "breaker.slow": reason.slow }
    case "ProbesSucceeded":
      return { "breaker.reason": "probes_succeeded", "breaker.successes": reason.successes }
    case "Manual":
      return { "breaker.reason": "manual", "breaker.action": reason.action }
    case "Resynced":
      return { "breaker.reason": "resynced" }
  }
}

/** All attributes of a transition span event / log line. @internal */
export const transitionFields = (t: Transition): Record<string, string | number | boolean> => {
  const fields: Record<string, string | number | boolean> = {
    [ATTR_BREAKER_NAME]: t.breaker,
    "breaker.from": stateLabel[t.from],
    "breaker.to": stateLabel[t.to],
    ...reasonFields(t.reason)
  }
  if (t.openUntil !== undefined) fields["breaker.open_for_ms"] = Math.max(0, t.openUntil - t.at)
  return fields
}

/** What a span says about an error: its tag or class name only. */
class WithheldError extends Error {
  constructor(kind: string) {
    super(`${kind} (details withheld by effect-breaker)`)
    this.name = kind
    this.stack = `${kind}: details withheld by effect-breaker`
  }
}

const kindOf = (e: unknown): string =>
  typeof e === "object" && e !== null && typeof (e as { _tag?: unknown })._tag === "string"
    ? (e as { _tag: string })._tag
    : e instanceof Error
    ? e.constructor.name
    : typeof e

/**
 * The exit a breaker span ends with: a failure keeps only its tag (or class name),
 * since errors of HTTP/LLM clients can carry request headers (API keys). Our own
 * `CircuitOpenError` and interruptions pass unchanged.
 *
 * @internal
 */
export const redactExit = (exit: Exit.Exit<unknown, unknown>): Exit.Exit<unknown, unknown> => {
  if (exit._tag === "Success" || Cause.isInterruptedOnly(exit.cause)) return exit
  const error = Cause.squash(exit.cause)
  if (kindOf(error) === "CircuitOpenError") return exit
  return Exit.failCause(Cause.fail(new WithheldError(kindOf(error))))
}
