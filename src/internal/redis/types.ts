/**
 * The fleet store's data shapes: the shared state and replies as the Lua
 * scripts return them, the store's options and counters.
 *
 * @internal
 */
import type * as core from "../core.js"
import type { StoreErrorPolicy } from "../store/types.js"
import type { LuaTransition } from "./circuit.js"

/** The shared state as the scripts return it. @internal */
export interface Summary {
  readonly tag: core.StateTag
  readonly gen: number
  readonly entered: number
  readonly until: number
  readonly openings: number
  readonly cf: number
  readonly ps: number
  readonly calls: number
  readonly fails: number
  readonly slow: number
  /** Lifetime totals of recorded calls and failures. */
  readonly tc: number
  readonly tf: number
  readonly w: ReadonlyArray<readonly [number, number]>
  /** Probes holding a live lease. */
  readonly pi: number
  /** The time the script ran at (the caller's, or Redis TIME). */
  readonly now: number
  /** The last transition's reason, as JSON (absent before the first transition). */
  readonly lr?: string
}

/** @internal */
export interface Reply {
  readonly d?: number
  readonly sl?: number
  readonly tk?: number
  readonly ra?: number
  readonly s: Summary
  readonly t?: LuaTransition
  readonly x?: number
  readonly m?: number
  readonly r?: number
  /** `ebExport`: each window's contents. */
  readonly wd?: ReadonlyArray<{ readonly l?: ReadonlyArray<string>; readonly e?: number; readonly c?: ReadonlyArray<number>; readonly b?: ReadonlyArray<number> }>
}

/** @internal */
export interface FleetOptions {
  readonly prefix: string
  readonly onStoreError: StoreErrorPolicy
  readonly redisTime: boolean
  readonly flushIntervalMs: number
  readonly resyncIntervalMs: number
  readonly ttlMs: number
}

/** What a replica has done with Redis, for the benchmark, tests and operators. @internal */
export interface Counters {
  /** Batches of outcomes flushed (background and prompt). */
  flushes: number
  flushedCalls: number
  /** Round trips a caller waited for, but a failure's flush: probe admissions, probe outcomes, manual control, export. */
  callerRoundTrips: number
  /** Flushes a failing caller waited for (its failure, with the successes buffered before it). */
  failureFlushes: number
  resyncs: number
  messages: number
  errors: number
  /** Times Redis became unreachable, and reachable again. */
  downs: number
  ups: number
}

/** @internal */
export interface GateListener {
  readonly name: string
  readonly onRemote: (key: string, untilMs: number) => void
}
