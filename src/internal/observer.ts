/**
 * Hooks through which a breaker reports what it decides, synchronously, from the
 * code path that decides. Telemetry (metrics, spans, logs) plugs in here; with no
 * observer installed the hot path pays one length check.
 *
 * Observers come from two places, both read ONCE when a breaker is made:
 * - the `BreakerObservers` context reference (provide it to replace the list);
 * - the `currentObservers` fiber ref, to which layers such as
 *   `BreakerTelemetry.layerMetrics` ADD an observer (`addObserver`). Its join keeps the
 *   observers added by layers built concurrently (`Layer.mergeAll`), like
 *   Effect's own `Logger.add`, so telemetry layers compose in any order.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import type { OutcomeCode, StateTag, Transition } from "./core.js"
import type { InvalidOptionError } from "./errors.js"
import * as O from "./settings/options.js"

/** How admitted calls are traced. @internal */
export type TraceMode = "span" | "annotate"

/** @internal */
export interface Observer {
  /**
   * Called once when a breaker is made. The observer it returns replaces this one
   * for that breaker: precompute per-breaker instruments (tagged metrics) here so
   * the per-call hooks do no lookups.
   */
  readonly attach?: ((breaker: string, state: StateTag, now: number) => Observer) | undefined
  readonly onTransition?: ((transition: Transition) => void) | undefined
  /** A call that ran and was recorded (Pass or Probe). */
  readonly onCall?:
    | ((breaker: string, admittedIn: StateTag, outcome: OutcomeCode, slow: boolean, durationMs: number) => void)
    | undefined
  readonly onRejected?: ((breaker: string, state: StateTag, retryAfterMs: number) => void) | undefined
  /**
   * Runs in the fiber whose call (or manual action) caused the transition, right
   * after the breaker decided it: logs written here join that fiber's span and
   * reach its logger. Transitions are rare; the common path never builds it.
   */
  readonly transitionEffect?: ((transition: Transition) => Effect.Effect<void>) | undefined
  /** Runs in the rejected caller's fiber before it fails with `CircuitOpenError`. */
  readonly rejectionEffect?: ((breaker: string, state: StateTag, retryAfterMs: number) => Effect.Effect<void>) | undefined
  /**
   * The breaker is gone (its owner forgot its key): release what was made for
   * it (metric series) and ignore any later report from a call still in flight.
   */
  readonly detach?: (() => void) | undefined
  /** Trace every admitted call: its own child span, or attributes on the caller's span. First observer wins. */
  readonly trace?: TraceMode | undefined
}

/**
 * The observers a breaker reports to, read once when the breaker is made.
 *
 * @internal
 */
export class BreakerObservers extends Context.Reference<BreakerObservers>()(
  "effect-breaker/BreakerObservers",
  { defaultValue: (): ReadonlyArray<Observer> => [] }
) {}

const union = (left: ReadonlyArray<Observer>, right: ReadonlyArray<Observer>): ReadonlyArray<Observer> => {
  if (left === right || right.length === 0) return left
  if (left.length === 0) return right
  const out = left.slice()
  for (const o of right) if (!out.includes(o)) out.push(o)
  return out
}

/**
 * Observers added by layers. Joining a child fiber keeps both sides' observers,
 * so layers merged with `Layer.mergeAll` (built concurrently) all count.
 *
 * @internal
 */
export const currentObservers: FiberRef.FiberRef<ReadonlyArray<Observer>> = FiberRef.unsafeMake<
  ReadonlyArray<Observer>
>([], { join: union })

/**
 * A layer that adds an observer to every breaker made where it is provided.
 *
 * @internal
 */
export const addObserver = (observer: Observer): Layer.Layer<never> =>
  Layer.scopedDiscard(Effect.locallyScopedWith(currentObservers, (os: ReadonlyArray<Observer>) => union(os, [observer])))

/** Every observer in effect: the context list, then those added by layers. @internal */
export const allObservers = (
  fromContext: ReadonlyArray<Observer>,
  added: ReadonlyArray<Observer>
): ReadonlyArray<Observer> => union(fromContext, added)

/** The outcome names of the public `CircuitBreaker.Observer`, by core code. @internal */
const outcomeNames = ["Success", "Failure", "Ignored"] as const

/** The observer the public hook describes, as the breaker calls it. @internal */
export interface PublicObserver {
  readonly onTransition?: ((transition: Transition) => void) | undefined
  readonly onCall?:
    | ((breaker: string, admittedIn: StateTag, outcome: "Success" | "Failure" | "Ignored", slow: boolean, durationMs: number) => void)
    | undefined
  readonly onRejected?: ((breaker: string, state: StateTag, retryAfterMs: number) => void) | undefined
}

/**
 * Calls a user's hook without trusting it: a hook that throws, or returns a
 * promise that rejects, is skipped, so it
 * never turns into a defect that replaces the caller's value or error (the
 * breaker has already decided; the hook only watches).
 */
const guarded = <Args extends Array<any>>(f: ((...args: Args) => void) | undefined): ((...args: Args) => void) | undefined =>
  f === undefined ? undefined : (...args) => {
    try {
      const result: unknown = f(...args)
      // an async hook (TypeScript lets one stand for a `void` function) that rejects would be an unhandled
      // rejection, which ends a Node process by default: it observes nothing either
      if (typeof result === "object" && result !== null && typeof (result as PromiseLike<unknown>).then === "function") {
        ;(result as PromiseLike<unknown>).then(undefined, () => {})
      }
    } catch {
      // a throwing observer observes nothing (nor does one whose promise's `then` throws)
    }
  }

const hook = O.optional(O.func("a function (or undefined)"))
const PublicObserverOptions = O.options({ onTransition: hook, onCall: hook, onRejected: hook })

/**
 * A layer adding a public observer (its outcome codes named; each hook
 * guarded). The hooks are checked when the layer is built: anything but an
 * object of functions fails it with `InvalidOptionError` naming the hook.
 *
 * @internal
 */
export const layerObserver = (observer: PublicObserver): Layer.Layer<never, InvalidOptionError> =>
  Layer.unwrapEffect(Effect.map(O.check(PublicObserverOptions, observer), () => {
    const onCall = guarded(observer.onCall)
    return addObserver({
      onTransition: guarded(observer.onTransition),
      onRejected: guarded(observer.onRejected),
      onCall: onCall === undefined ? undefined : (breaker, admittedIn, outcome, slow, durationMs) =>
        onCall(breaker, admittedIn, outcomeNames[outcome], slow, durationMs)
    })
  }))
