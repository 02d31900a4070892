/**
 * Releasing a breaker whose key is forgotten (issue 9 finding 1): everything
 * made for it goes with it.
 *
 * - its metric series leave Effect's global registry (observers' `detach`,
 *   see telemetry/series.ts), so exports and scrapes stop carrying them;
 * - its transitions `PubSub` is shut down, so `events` streams end and
 *   `subscribe` queues are released instead of waiting forever on a breaker
 *   nobody calls any more;
 * - its span options and pass handlers live on its shell and go with it.
 *
 * The breaker itself keeps working for calls already holding it (they run and
 * are recorded in its state, unobserved). Releasing twice is harmless.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { shellOf } from "./breaker.js"

/** Releases a breaker `make` built (anything else is left alone): takes the public or the internal type. @internal */
export const releaseBreaker = (breaker: object): void => {
  const shell = shellOf(breaker)
  if (shell === undefined) return
  for (const o of shell.observers) o.detach?.()
  shell.release()
}

/** Makes a breaker that is released when the current scope closes (its layer is released). @internal */
export const scopedBreaker = <B extends object, E, R>(make: Effect.Effect<B, E, R>): Effect.Effect<B, E, R | Scope.Scope> =>
  Effect.tap(make, (breaker) => Effect.addFinalizer(() => Effect.sync(() => releaseBreaker(breaker))))
