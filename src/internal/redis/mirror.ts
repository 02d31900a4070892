/**
 * Keeping a circuit's local mirror in step with the shared state: adopting
 * what Redis says (a transition decided elsewhere is applied as the core would
 * and reported), and turning the mirror into a local breaker when Redis is
 * unreachable.
 *
 * @internal
 */
import * as core from "../core.js"
import type { LuaTransition, RedisCircuit } from "./circuit.js"
import type { Summary } from "./fleet.js"

/**
 * Makes the mirror agree with the shared state. A newer generation is a
 * transition: applied as the core would and reported unless `report` is
 * false (the caller reports it). Returns that transition.
 */
export const adopt = (
  c: RedisCircuit,
  sum: Summary,
  t: LuaTransition | undefined,
  report = true
): core.Transition | undefined => {
  const s = c.state
  if (c.shared === undefined || sum.gen >= c.shared.gen) c.shared = sum
  let transition: core.Transition | undefined
  if (sum.gen !== s.generation && !c.synced && sum.tag === s.tag) {
    // The first read: the local start was the shared state all along, under the shared generation.
    if (c.pendingGen === s.generation) c.pendingGen = sum.gen
    c.aliasGen = s.generation
    s.generation = sum.gen
    s.enteredAt = sum.entered
  } else if (sum.gen > s.generation) {
    c.busyUntil = 0
    c.aliasGen = -1
    if (sum.tag === s.tag) {
      // e.g. the mirror already showed half-open (the open time passed here too): the move is still reported
      if (t !== undefined && t.to === sum.tag && t.from !== t.to) {
        transition = {
          breaker: c.config.name,
          from: t.from,
          to: t.to,
          at: t.at,
          reason: t.reason,
          openUntil: t.to === "Open" ? t.openUntil : undefined
        }
      }
      s.generation = sum.gen
      s.enteredAt = sum.entered
    } else {
      core.applyRemote(s, {
        generation: sum.gen,
        to: sum.tag,
        at: t !== undefined && t.to === sum.tag ? t.at : sum.entered,
        reason: t !== undefined && t.to === sum.tag ? t.reason : lastReason(sum),
        openUntil: sum.tag === "Open" ? sum.until : undefined,
        openings: sum.openings
      })
      transition = s.outTransition
      s.outTransition = undefined
    }
  } else if (sum.gen < s.generation) return undefined
  if (sum.tag === "HalfOpen" && sum.pi < c.config.permits) c.busyUntil = 0
  s.openUntil = sum.until
  s.openings = sum.openings
  s.consecutiveFailures = sum.cf
  s.probeSuccesses = sum.ps
  s.calls = sum.calls
  s.failures = sum.fails
  s.slowCalls = sum.slow
  // the fleet's live probe leases, as the mirror's permits (what `stats` counts as probes in flight)
  const permits = s.permits
  for (let i = 0, k = 0; i < permits.length; i += 2, k++) {
    permits[i] = sum.tag === "HalfOpen" && k < sum.pi ? sum.now - c.offset : NaN
  }
  for (let i = 0; i < s.windows.length; i++) {
    const w = s.windows[i]!
    const c = sum.w[i]
    if (c !== undefined) {
      w.calls = c[0]
      w.bad = c[1]
    }
  }
  if (transition !== undefined && report) c.onTransition(transition)
  return transition
}


/** Redis became unreachable: from now on this state is a local breaker (policy "local"). */
export const goLocal = (c: RedisCircuit, now: number): void => {
  const s = c.state
  for (const w of s.windows) w.reset()
  c.local = true
  c.busyUntil = 0
  c.asking = 0
  c.holds.clear()
  if (c.onStoreError !== "local") {
    c.takeBatch()
    return
  }
  // The outcomes not flushed yet are this replica's latest evidence: the local breaker starts from them.
  const taken = c.takeBatch()
  if (taken === undefined || taken.gen !== s.generation) return
  const p = taken.batch.split(",").map(Number)
  for (let i = 0; i < p.length; i += 4) {
    const failed = (p[i]! & 1) !== 0
    const slow = (p[i]! & 2) !== 0
    for (let k = 0; k < p[i + 1]!; k++) {
      core.record(s, now, s.generation, failed ? core.OFailure : core.OSuccess, slow ? Infinity : 0, p[i + 2]!)
      const t = s.outTransition
      if (t !== undefined) {
        c.localReason = t.reason
        c.onTransition(t)
      }
    }
  }
}

/** Why the shared state is what it is, for a transition a replica only learnt by reading it (it missed the message). */
const lastReason = (sum: Summary): core.Reason => {
  try {
    if (sum.lr !== undefined) return JSON.parse(sum.lr) as core.Reason
  } catch {
    // fall through
  }
  return { _tag: "Resynced" }
}
