/**
 * The rate-limit gate's store seam. A gate keeps its closed keys in a local
 * map (every check is local, no round trip); a shared store also tells every
 * other replica's gate of the same name when a key closes or opens, and tells
 * this gate what the others learnt (`onRemote`).
 *
 * The memory store (the default) shares nothing. `effect-breaker/redis`
 * provides a Redis one: a 429 seen by one replica holds every replica's calls
 * on that key until the reset.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"

/** One gate's link to its store. @internal */
export interface GateHandle {
  /** This replica learnt that `key` is closed until `untilMs` (epoch millis, the gate's Clock). */
  readonly close: (key: string, untilMs: number, now: number) => void
  /** This replica opened `key` by hand. */
  readonly open: (key: string) => void
  readonly release: () => void
}

/** @internal */
export interface GateStore {
  readonly name: string
  /** Links a gate; `onRemote(key, untilMs)` reports another replica's closing (`untilMs > 0`) or opening (`0`). */
  readonly open: (gate: string, onRemote: (key: string, untilMs: number) => void) => Effect.Effect<GateHandle>
}

const noop = () => {}
const localHandle: GateHandle = { close: noop, open: noop, release: noop }

/** Shares nothing: every gate is local to its process. @internal */
export const memoryGateStore: GateStore = { name: "memory", open: () => Effect.succeed(localHandle) }

/** @internal */
export class RateLimitGateStore extends Context.Reference<RateLimitGateStore>()(
  "effect-breaker/RateLimitGateStore",
  { defaultValue: (): GateStore => memoryGateStore }
) {}
