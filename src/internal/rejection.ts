/**
 * What retry and failover do with a breaker's rejection (issue 9 finding 9).
 *
 * - **Open / ForcedOpen**: the circuit is known to be failing (or held open by
 *   an operator); `retryAfter` is the rest of the open time (Infinity when
 *   forced). Retry stops at once; failover goes to the next step.
 * - **HalfOpen** (every probe permit taken): a probe in flight is deciding now,
 *   so no time is known and `retryAfter` is zero. Retry tries again after its
 *   own (jittered) backoff, counted against `times` and `maxElapsed`, never after
 *   a figure from the rejection; failover goes to the next step at once (a
 *   step's own retry does not hold the call on a circuit that is busy probing).
 * - When every failover step rejected, the caller gets the rejection it can act
 *   on first: a HalfOpen one, else the Open one that reopens soonest.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import { CircuitOpenError } from "./errors.js"

/**
 * The breaker's rejection a failure is or carries: the error itself, or its
 * `cause` (how the `LanguageModel` wrappers report a rejection inside an
 * `AiError`, and how a caller's own error class may wrap one). Retry and
 * failover act on it the same way however it arrives.
 *
 * @internal
 */
export const rejectionOf = (u: unknown): CircuitOpenError | undefined =>
  u instanceof CircuitOpenError
    ? u
    : typeof u === "object" && u !== null && (u as { readonly cause?: unknown }).cause instanceof CircuitOpenError
    ? (u as { readonly cause: CircuitOpenError }).cause
    : undefined

/** A rejection because every half-open probe permit is taken. @internal */
export const isHalfOpenRejection = (u: unknown): boolean => rejectionOf(u)?.state === "HalfOpen"

/**
 * Whether a retry may retry a half-open rejection in this fiber: true by
 * default, false inside a failover step (the next step serves instead).
 *
 * @internal
 */
export const retryHalfOpen: FiberRef.FiberRef<boolean> = FiberRef.unsafeMake(true)

/** Runs a failover step: its retry does not wait on a half-open circuit. @internal */
export const asFailoverStep = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.locally(self, retryHalfOpen, false)

/** Of two rejections, the one a caller can act on first (HalfOpen first, then the soonest reopening). @internal */
export const sooner = (a: CircuitOpenError | undefined, b: CircuitOpenError): CircuitOpenError => {
  if (a === undefined) return b
  if (isHalfOpenRejection(a)) return a
  if (isHalfOpenRejection(b)) return b
  return Duration.lessThan(b.retryAfter, a.retryAfter) ? b : a
}
