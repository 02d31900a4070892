/**
 * The memory store: each breaker's state is one in-place `core.State` in this
 * process, updated by the core in one synchronous step per admission and per
 * record. The default store: `CircuitBreaker.make` uses it when no other store
 * is provided. Breakers are independent even when they share a name.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as core from "../core.js"
import { load, toData } from "../state.js"
import type { Circuit, CircuitStoreError, OpenOptions, RemoteAdmission, Store } from "./types.js"

/** @internal */
export class MemoryCircuit implements Circuit {
  readonly onStoreError = "local" as const
  constructor(readonly state: core.State) {}
  admit(now: number): number {
    return core.admit(this.state, now)
  }
  admitRemote(_now: number): Effect.Effect<RemoteAdmission, CircuitStoreError> {
    return Effect.dieMessage("the memory store never asks for a remote admission")
  }
  record(
    now: number,
    generation: number,
    outcome: core.OutcomeCode,
    durationMs: number,
    retryAfterMs: number,
    outputTokens?: number,
    firstTokenMs?: number
  ): undefined {
    core.record(this.state, now, generation, outcome, durationMs, retryAfterMs, outputTokens, firstTokenMs)
    return undefined
  }
  recordProbe(
    now: number,
    generation: number,
    slot: number,
    ticket: number,
    outcome: core.OutcomeCode,
    durationMs: number,
    retryAfterMs: number,
    outputTokens?: number,
    firstTokenMs?: number
  ): undefined {
    core.recordProbe(this.state, now, generation, slot, ticket, outcome, durationMs, retryAfterMs, outputTokens, firstTokenMs)
    return undefined
  }
  control(action: core.ManualAction, now: number): undefined {
    core.control(this.state, action, now)
    return undefined
  }
  export(_now: number) {
    return Effect.sync(() => toData(this.state))
  }
}

/** Opens a memory circuit: synchronous, used by the memory store and by fleet stores for their mirror. @internal */
export const openMemory = (options: Pick<OpenOptions, "config" | "now" | "restore">): MemoryCircuit => {
  const state = core.initial(options.config, options.now)
  if (options.restore !== undefined) load(state, options.restore)
  return new MemoryCircuit(state)
}

/** @internal */
export const memoryStore: Store = {
  name: "memory",
  open: (options) => Effect.sync(() => openMemory(options))
}
