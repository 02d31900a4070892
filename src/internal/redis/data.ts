/**
 * The shared state as the core's data and back: a restored breaker's state
 * as the seed script takes it, and the export script's windows as window data.
 *
 * @internal
 */
import type * as core from "../core.js"
import { type BreakerState, toData } from "../state.js"
import type { Reply } from "./fleet.js"

/** A restored state, as the seed script takes it (a count window's calls oldest first). @internal */
export const seedData = (state: core.State): unknown => {
  const d = toData(state)
  return {
    tag: d.tag,
    gen: d.generation,
    entered: d.enteredAt,
    until: d.openUntil,
    openings: d.openings,
    cf: d.consecutiveFailures,
    ps: d.probeSuccesses,
    ticket: d.ticket,
    calls: d.calls,
    fails: d.failures,
    slow: d.slowCalls,
    w: d.windows.map((w) => {
      if (w._tag === "LastDuration") return { e: w.epoch, c: w.calls, b: w.bad }
      const oldest = w.calls < w.size ? 0 : w.next
      let l = ""
      for (let k = 0; k < w.calls; k++) {
        const slot = (oldest + k) % w.size
        l += (w.bits[Math.floor(slot / 30)]! >>> (slot % 30)) & 1 ? "1" : "0"
      }
      return { l }
    })
  }
}

/** The shared windows (the export script's reply) as the core's window data. @internal */
export const windowsData = (config: core.Config, reply: Reply): BreakerState["windows"] => {
const wd = Array.isArray(reply.wd) ? reply.wd : []
return config.rates.map((r, i) => {
    const d = wd[i] ?? {}
    if (r.window._tag === "LastCalls") {
      const size = r.window.size
      const last = (Array.isArray(d.l) ? d.l as ReadonlyArray<string> : []).slice(-size)
      const bits = new Array<number>(Math.ceil(size / 30)).fill(0)
      let bad = 0
      last.forEach((bit, slot) => {
        if (bit === "1") {
          bits[Math.floor(slot / 30)] = bits[Math.floor(slot / 30)]! | (1 << (slot % 30))
          bad++
        }
      })
      return { _tag: "LastCalls", size, next: last.length % size, calls: last.length, bad, bits }
    }
    const buckets = r.window.buckets
    const list = (xs: unknown) => Array.from({ length: buckets }, (_, k) => Array.isArray(xs) ? Number(xs[k] ?? 0) : 0)
    return {
      _tag: "LastDuration",
      durationMs: r.window.durationMs,
      buckets,
      epoch: typeof d.e === "number" ? d.e : -1,
      calls: list(d.c),
      bad: list(d.b)
    }
  })
}
