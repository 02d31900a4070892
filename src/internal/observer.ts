/**
 * Hooks through which a breaker reports what it decides, synchronously, from the
 * code path that decides. Telemetry (metrics, logs) plugs in here; with no
 * observer installed the hot path pays one length check.
 *
 * @internal
 */
import * as Context from "effect/Context"
import type { OutcomeCode, StateTag, Transition } from "./core.js"

/** @internal */
export interface Observer {
  readonly onTransition?: ((transition: Transition) => void) | undefined
  /** A call that ran and was recorded (Pass or Probe). */
  readonly onCall?:
    | ((breaker: string, admittedIn: StateTag, outcome: OutcomeCode, slow: boolean, durationMs: number) => void)
    | undefined
  readonly onRejected?: ((breaker: string, state: StateTag, retryAfterMs: number) => void) | undefined
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
