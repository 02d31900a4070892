import { describe, expect, it } from "@effect/vitest"
import { Either, Schedule } from "effect"
import { TripPolicy } from "effect-breaker"
import * as core from "../src/internal/core.js"
import { compile, type Options } from "../src/internal/options.js"
import { statsOf } from "./support/stats.js"

const { OFailure: F, OIgnored: I, OSuccess: S } = core

/** A `Config` built by the real option compiler. */
const config = (options: Omit<Options, "name">): core.Config => {
  const compiled = compile({ name: "svc", ...options })
  if (Either.isLeft(compiled)) throw new Error(`bad test options: ${compiled.left.message}`)
  return compiled.right.config
}

const T0 = 1_000_000

/** Admits a call in Closed/MetricsOnly and records its outcome at the same instant. */
const call = (s: core.State, now: number, outcome: core.OutcomeCode, durationMs = 0, hintMs = 0): void => {
  expect(core.admit(s, now)).toBe(core.Pass)
  core.record(s, now, s.generation, outcome, durationMs, hintMs)
}

interface Held {
  readonly generation: number
  readonly slot: number
  readonly ticket: number
}

/** Admits a half-open probe and returns the permit it holds. */
const probe = (s: core.State, now: number): Held => {
  expect(core.admit(s, now)).toBe(core.Probe)
  return { generation: s.generation, slot: s.outSlot, ticket: s.outTicket }
}

const finish = (s: core.State, now: number, p: Held, outcome: core.OutcomeCode, durationMs = 0, hintMs = 0): void =>
  core.recordProbe(s, now, p.generation, p.slot, p.ticket, outcome, durationMs, hintMs)

const rejectedFor = (s: core.State, now: number): number => {
  expect(core.admit(s, now)).toBe(core.Reject)
  return s.outRetryAfterMs
}

/** Trips a consecutive-failures breaker (threshold 1) at `now`. */
const tripNow = (s: core.State, now: number, hintMs = 0): void => {
  call(s, now, F, 0, hintMs)
  expect(s.tag).toBe("Open")
}

describe("initial", () => {
  it("starts Closed, generation 0, with empty counts", () => {
    const s = core.initial(config({}), T0)
    expect(core.snapshot(s, T0 + 250)).toEqual(statsOf({ breaker: "svc", enteredAt: T0, timeInStateMs: 250 }))
  })
})

describe("Closed", () => {
  it("opens after `threshold` consecutive failures; a success breaks the run, Ignored does not", () => {
    const s = core.initial(config({ policy: TripPolicy.consecutiveFailures(3), openDuration: "30 seconds" }), T0)
    call(s, T0, F)
    call(s, T0, F)
    call(s, T0, S)
    expect(s.consecutiveFailures).toBe(0)
    call(s, T0 + 1, F)
    call(s, T0 + 2, F)
    call(s, T0 + 3, I)
    expect(s.tag).toBe("Closed")
    expect(s.consecutiveFailures).toBe(2)
    expect(s.outTransition).toBeUndefined()
    call(s, T0 + 4, F)
    expect(s.outTransition).toEqual({
      breaker: "svc",
      from: "Closed",
      to: "Open",
      at: T0 + 4,
      reason: { _tag: "ConsecutiveFailures", failures: 3, threshold: 3 },
      openUntil: T0 + 4 + 30_000
    })
    const snap = core.snapshot(s, T0 + 4)
    expect(snap).toMatchObject({ state: "Open", generation: 1, openings: 1, consecutiveFailures: 0, retryAfterMs: 30_000 })
  })

  it("the smallest consecutive threshold among `any` policies wins", () => {
    const s = core.initial(
      config({ policy: TripPolicy.any(TripPolicy.consecutiveFailures(4), TripPolicy.consecutiveFailures(2)) }),
      T0
    )
    call(s, T0, F)
    call(s, T0, F)
    expect(s.outTransition?.reason).toEqual({ _tag: "ConsecutiveFailures", failures: 2, threshold: 2 })
  })

  it("opens by failure rate only once the window holds minimumCalls, checked after a success too", () => {
    const s = core.initial(
      config({ policy: TripPolicy.failureRate({ threshold: 0.5, minimumCalls: 4, window: TripPolicy.lastCalls(4) }) }),
      T0
    )
    call(s, T0, F)
    call(s, T0, F)
    call(s, T0, F)
    expect(s.tag).toBe("Closed") // 100% failed but only 3 calls
    expect(core.snapshot(s, T0)).toMatchObject({ calls: 3, failures: 3, failureRate: 1 })
    call(s, T0 + 1, S, 0, 99_999) // the 4th call succeeds: 3/4 >= 0.5; a success's hint means nothing
    expect(s.outTransition).toEqual({
      breaker: "svc",
      from: "Closed",
      to: "Open",
      at: T0 + 1,
      reason: { _tag: "FailureRate", rate: 0.75, threshold: 0.5, calls: 4 },
      openUntil: T0 + 1 + 30_000
    })
  })

  it("a failure rate below the threshold over a full window does not trip, and old calls leave the count", () => {
    const s = core.initial(
      config({ policy: TripPolicy.failureRate({ threshold: 0.5, minimumCalls: 2, window: TripPolicy.lastCalls(3) }) }),
      T0
    )
    call(s, T0, S)
    call(s, T0, S)
    call(s, T0, F) // 1/3
    call(s, T0, S) // [S,F,S] 1/3
    expect(s.tag).toBe("Closed")
    call(s, T0, F) // [F,S,F] 2/3
    expect(s.tag).toBe("Open")
    expect(s.outTransition?.reason).toEqual({ _tag: "FailureRate", rate: 2 / 3, threshold: 0.5, calls: 3 })
  })

  it("rejects a count window smaller than minimumCalls when compiling options", () => {
    const compiled = compile({
      name: "svc",
      policy: TripPolicy.failureRate({ threshold: 0.5, minimumCalls: 10, window: TripPolicy.lastCalls(5) })
    })
    expect(Either.isLeft(compiled)).toBe(true)
    if (Either.isLeft(compiled)) {
      expect(compiled.left._tag).toBe("InvalidOptionError")
      expect(compiled.left.option).toBe("policy.window.size")
      expect(compiled.left.value).toBe("5")
    }
  })

  it("opens by failure rate over a time window, after older buckets aged out", () => {
    const s = core.initial(
      config({
        policy: TripPolicy.failureRate({
          threshold: 0.5,
          minimumCalls: 2,
          window: TripPolicy.lastDuration("10 seconds", 10)
        })
      }),
      T0
    )
    call(s, T0, F) // 1 call: below minimumCalls
    call(s, T0 + 10_000, S) // the failure is 10 buckets old: gone. Were it kept, 1/2 would trip here
    expect(s.tag).toBe("Closed")
    expect(core.snapshot(s, T0 + 10_000)).toMatchObject({ calls: 1, failures: 0 })
    call(s, T0 + 10_500, F) // [S, F] = 1/2
    expect(s.outTransition?.reason).toEqual({ _tag: "FailureRate", rate: 0.5, threshold: 0.5, calls: 2 })
  })

  it("opens by slow-call rate: a call of exactly `duration` is slow, a failure that was quick is not", () => {
    const s = core.initial(
      config({
        policy: TripPolicy.slowCallRate({
          duration: "1 second",
          threshold: 0.5,
          minimumCalls: 2,
          window: TripPolicy.lastCalls(2)
        })
      }),
      T0
    )
    call(s, T0, F, 10)
    call(s, T0, S, 999)
    expect(s.tag).toBe("Closed")
    expect(core.snapshot(s, T0)).toMatchObject({ calls: 2, slowCalls: 0, slowCallRate: 0 })
    call(s, T0, S, 1000)
    expect(s.outTransition?.reason).toEqual({ _tag: "SlowCallRate", rate: 0.5, threshold: 0.5, calls: 2 })
  })

  it("slowCallRate in a snapshot is the slow window's own rate, never above 1", () => {
    const s = core.initial(
      config({
        policy: TripPolicy.any(
          TripPolicy.failureRate({ threshold: 1, minimumCalls: 1, window: TripPolicy.lastCalls(1) }),
          TripPolicy.slowCallRate({ duration: 100, threshold: 1, minimumCalls: 10, window: TripPolicy.lastCalls(10) })
        )
      }),
      T0
    )
    for (let i = 0; i < 3; i++) call(s, T0, S, 500)
    expect(s.tag).toBe("Closed")
    const snap = core.snapshot(s, T0)
    expect(snap).toMatchObject({ calls: 1, failures: 0, slowCalls: 3 })
    expect(snap.slowCallRate).toBe(1) // 3 slow of the 3 calls the slow window holds
  })

  it("an outcome from another generation, or Ignored, changes nothing", () => {
    const s = core.initial(config({ policy: TripPolicy.consecutiveFailures(1) }), T0)
    core.record(s, T0, s.generation + 1, F, 0, 0)
    core.record(s, T0, s.generation, I, 0, 0)
    expect(s.tag).toBe("Closed")
    expect(core.snapshot(s, T0)).toMatchObject({ calls: 0, consecutiveFailures: 0, generation: 0 })
  })
})

describe("Open", () => {
  it("rejects until openUntil with the time left, then lets one call in as a half-open probe", () => {
    const s = core.initial(config({ policy: TripPolicy.consecutiveFailures(1), openDuration: "10 seconds" }), T0)
    tripNow(s, T0)
    expect(rejectedFor(s, T0)).toBe(10_000)
    expect(s.outTransition).toBeUndefined()
    expect(rejectedFor(s, T0 + 9_999)).toBe(1)
    expect(core.snapshot(s, T0 + 9_999)).toMatchObject({ state: "Open", rejected: 2, retryAfterMs: 1 })
    // Nothing happens without a call: the state is still Open after openUntil
    expect(core.snapshot(s, T0 + 50_000)).toMatchObject({ state: "Open", retryAfterMs: 0 })
    const p = probe(s, T0 + 10_000)
    expect(s.outTransition).toEqual({
      breaker: "svc",
      from: "Open",
      to: "HalfOpen",
      at: T0 + 10_000,
      reason: { _tag: "OpenDurationElapsed" },
      openUntil: undefined
    })
    expect(p.generation).toBe(2)
    expect(core.snapshot(s, T0 + 10_000)).toMatchObject({ state: "HalfOpen", rejected: 0, probesInFlight: 1 })
  })

  it("a zero open duration lets the very next call probe", () => {
    const s = core.initial(config({ policy: TripPolicy.consecutiveFailures(1), openDuration: 0 }), T0)
    tripNow(s, T0)
    probe(s, T0)
    expect(s.tag).toBe("HalfOpen")
  })

  it("a failure's retry-after lengthens the opening up to maxOpenDuration and never shortens it", () => {
    const cfg = config({ policy: TripPolicy.consecutiveFailures(1), openDuration: "10 seconds", maxOpenDuration: "1 minute" })
    const openFor = (hint: number) => {
      const s = core.initial(cfg, T0)
      tripNow(s, T0, hint)
      return s.openUntil - T0
    }
    expect(openFor(0)).toBe(10_000)
    expect(openFor(2_000)).toBe(10_000)
    expect(openFor(30_000)).toBe(30_000)
    expect(openFor(3_600_000)).toBe(60_000)
    // a hint above the cap never shortens a schedule longer than the cap
    const long = core.initial(config({ policy: TripPolicy.consecutiveFailures(1), openDuration: "2 minutes", maxOpenDuration: "1 minute" }), T0)
    tripNow(long, T0, 3_600_000)
    expect(long.openUntil - T0).toBe(120_000)
  })
})

describe("HalfOpen", () => {
  const halfOpen = (options: Omit<Options, "name" | "policy" | "openDuration"> = {}) => {
    const s = core.initial(
      config({ policy: TripPolicy.consecutiveFailures(1), openDuration: "10 seconds", ...options }),
      T0
    )
    tripNow(s, T0)
    return s
  }
  const T1 = T0 + 10_000

  it("admits exactly `permits` probes and rejects the rest until the soonest permit times out", () => {
    const s = halfOpen({ halfOpen: { permits: 2, probeTimeout: "5 seconds" } })
    const a = probe(s, T1)
    const b = probe(s, T1 + 1_000)
    expect(new Set([a.slot, b.slot]).size).toBe(2)
    expect(a.ticket).not.toBe(b.ticket)
    // a half-open rejection names no time (a probe decides), not a's permit expiry at T1 + 5s
    expect(rejectedFor(s, T1 + 2_000)).toBe(0)
    expect(core.snapshot(s, T1 + 2_000)).toMatchObject({ probesInFlight: 2, rejected: 1, retryAfterMs: 0 })
    expect(core.admit(s, T1 + 5_000)).toBe(core.Probe) // a's stalled permit is reclaimed at its timeout
  })

  it("closes after `successesToClose` successes; a success frees its permit for the next probe", () => {
    const s = halfOpen({ halfOpen: { permits: 1, successesToClose: 2 } })
    const a = probe(s, T1)
    finish(s, T1 + 5, a, S)
    expect(s.tag).toBe("HalfOpen")
    expect(s.outTransition).toBeUndefined()
    expect(core.snapshot(s, T1 + 5)).toMatchObject({ probeSuccesses: 1, probesInFlight: 0, retryAfterMs: 0 })
    const b = probe(s, T1 + 6)
    finish(s, T1 + 7, b, S)
    expect(s.outTransition).toEqual({
      breaker: "svc",
      from: "HalfOpen",
      to: "Closed",
      at: T1 + 7,
      reason: { _tag: "ProbesSucceeded", successes: 2 },
      openUntil: undefined
    })
    expect(core.snapshot(s, T1 + 7)).toMatchObject({ state: "Closed", openings: 0, probeSuccesses: 0 })
  })

  it("a probe failure reopens for the schedule's next delay; closing starts the schedule over", () => {
    const s = core.initial(
      config({ policy: TripPolicy.consecutiveFailures(1), openDuration: Schedule.exponential("1 second") }),
      T0
    )
    tripNow(s, T0)
    expect(s.openUntil).toBe(T0 + 1_000)
    finish(s, T0 + 1_000, probe(s, T0 + 1_000), F)
    expect(s.outTransition).toMatchObject({ from: "HalfOpen", to: "Open", reason: { _tag: "ProbeFailed", slow: false } })
    expect([s.openings, s.openUntil]).toEqual([2, T0 + 3_000])
    finish(s, T0 + 3_000, probe(s, T0 + 3_000), F)
    expect([s.openings, s.openUntil]).toEqual([3, T0 + 7_000])
    finish(s, T0 + 7_000, probe(s, T0 + 7_000), S)
    expect([s.tag, s.openings]).toEqual(["Closed", 0])
    tripNow(s, T0 + 8_000)
    expect([s.openings, s.openUntil]).toEqual([1, T0 + 9_000])
  })

  it("a failing probe's retry-after lengthens the reopening", () => {
    const s = halfOpen()
    finish(s, T1, probe(s, T1), F, 0, 45_000)
    expect(s.openUntil).toBe(T1 + 45_000)
  })

  it("a slow probe reopens even when it succeeded; without a slow-call policy nothing is slow", () => {
    const s = core.initial(
      config({
        policy: TripPolicy.any(
          TripPolicy.consecutiveFailures(1),
          TripPolicy.slowCallRate({ duration: 500, threshold: 1, minimumCalls: 5, window: TripPolicy.lastCalls(5) })
        ),
        openDuration: "10 seconds"
      }),
      T0
    )
    tripNow(s, T0)
    finish(s, T1, probe(s, T1), S, 500, 99_999)
    expect(s.outTransition).toMatchObject({ from: "HalfOpen", to: "Open", reason: { _tag: "ProbeFailed", slow: true } })
    expect(s.openUntil).toBe(T1 + 10_000) // a success carries no retry hint

    const plain = halfOpen()
    finish(plain, T1, probe(plain, T1), S, 3_600_000)
    expect(plain.tag).toBe("Closed")
  })

  it("a stalled probe's permit is reclaimed after probeTimeout, and its late outcome changes nothing", () => {
    const s = halfOpen({ halfOpen: { permits: 1, probeTimeout: "5 seconds" } })
    const stalled = probe(s, T1)
    expect(rejectedFor(s, T1 + 4_999)).toBe(0) // rejected until the timeout, naming no time
    expect(core.snapshot(s, T1 + 5_000)).toMatchObject({ probesInFlight: 0, retryAfterMs: 0 })
    const fresh = probe(s, T1 + 5_000)
    expect(fresh.ticket).not.toBe(stalled.ticket)
    finish(s, T1 + 6_000, stalled, F, 0, 60_000)
    expect(s.tag).toBe("HalfOpen")
    expect(s.outTransition).toBeUndefined()
    expect(core.snapshot(s, T1 + 6_000)).toMatchObject({ probesInFlight: 1, calls: 0 })
    finish(s, T1 + 6_000, fresh, S)
    expect(s.tag).toBe("Closed")
  })

  it("an Ignored probe frees its permit without counting", () => {
    const s = halfOpen({ halfOpen: { permits: 1 } })
    const a = probe(s, T1)
    finish(s, T1 + 1, a, I)
    expect(s.tag).toBe("HalfOpen")
    expect(core.snapshot(s, T1 + 1)).toMatchObject({ probesInFlight: 0, probeSuccesses: 0, calls: 0 })
    // the same permit reported twice counts once at most
    finish(s, T1 + 1, a, F)
    expect(s.tag).toBe("HalfOpen")
    probe(s, T1 + 2)
  })
})

describe("late outcomes", () => {
  it("a call admitted before a trip cannot change the state the trip created", () => {
    const s = core.initial(config({ policy: TripPolicy.consecutiveFailures(2), openDuration: "10 seconds" }), T0)
    expect(core.admit(s, T0)).toBe(core.Pass)
    const oldGen = s.generation
    call(s, T0, F)
    call(s, T0, F)
    expect(s.tag).toBe("Open")
    const before = core.snapshot(s, T0 + 1)
    core.record(s, T0 + 1, oldGen, F, 0, 3_600_000)
    expect(s.outTransition).toBeUndefined()
    expect(core.snapshot(s, T0 + 1)).toEqual(before)
    // nor the HalfOpen or Closed states that follow
    const p = probe(s, T0 + 10_000)
    core.record(s, T0 + 10_001, oldGen, S, 0, 0)
    expect(core.snapshot(s, T0 + 10_001)).toMatchObject({ state: "HalfOpen", probeSuccesses: 0, probesInFlight: 1 })
    finish(s, T0 + 10_002, p, S)
    expect(s.tag).toBe("Closed")
    core.record(s, T0 + 10_003, oldGen, F, 0, 0)
    expect(core.snapshot(s, T0 + 10_003)).toMatchObject({ state: "Closed", consecutiveFailures: 0, calls: 0 })
  })

  it("a probe from an earlier half-open episode changes nothing in a later one", () => {
    const s = core.initial(
      config({ policy: TripPolicy.consecutiveFailures(1), openDuration: 1_000, halfOpen: { permits: 2 } }),
      T0
    )
    tripNow(s, T0)
    const old = probe(s, T0 + 1_000)
    finish(s, T0 + 1_000, probe(s, T0 + 1_000), F) // reopens
    probe(s, T0 + 3_000) // next episode; `old` held slot 0 of the previous one
    finish(s, T0 + 3_000, old, F)
    expect(s.tag).toBe("HalfOpen")
    expect(core.snapshot(s, T0 + 3_000)).toMatchObject({ probesInFlight: 1, openings: 2 })
  })
})

describe("manual states", () => {
  const cfg = config({ policy: TripPolicy.consecutiveFailures(2), openDuration: "10 seconds" })

  it("MetricsOnly records like Closed but never trips", () => {
    const s = core.initial(cfg, T0)
    core.metricsOnly(s, T0)
    expect(s.outTransition).toMatchObject({ from: "Closed", to: "MetricsOnly", reason: { _tag: "Manual", action: "metricsOnly" } })
    for (let i = 0; i < 10; i++) call(s, T0 + i, F)
    expect(core.snapshot(s, T0 + 10)).toMatchObject({ state: "MetricsOnly", calls: 10, failures: 10, consecutiveFailures: 10 })
    core.metricsOnly(s, T0 + 10)
    expect(s.outTransition).toBeUndefined()
  })

  it("Disabled lets every call through and records nothing", () => {
    const s = core.initial(cfg, T0)
    core.disable(s, T0)
    for (let i = 0; i < 5; i++) {
      expect(core.admit(s, T0)).toBe(core.Bypass)
      core.record(s, T0, s.generation, F, 0, 0)
    }
    expect(core.snapshot(s, T0)).toMatchObject({ state: "Disabled", calls: 0, failures: 0, consecutiveFailures: 0 })
  })

  it("ForcedOpen rejects with an infinite retry-after, once entered stays put", () => {
    const s = core.initial(cfg, T0)
    core.forceOpen(s, T0)
    expect(s.outTransition).toMatchObject({ from: "Closed", to: "ForcedOpen", at: T0, openUntil: undefined })
    expect(rejectedFor(s, T0 + 1e9)).toBe(Infinity)
    core.forceOpen(s, T0 + 1e9)
    expect(s.outTransition).toBeUndefined()
    expect(core.snapshot(s, T0 + 1e9)).toMatchObject({ state: "ForcedOpen", retryAfterMs: Infinity, rejected: 1, generation: 1 })
  })

  it("reset closes from any state and clears counts, openings and permits", () => {
    const s = core.initial(config({ policy: TripPolicy.consecutiveFailures(1), openDuration: 1_000 }), T0)
    call(s, T0, S)
    tripNow(s, T0)
    finish(s, T0 + 1_000, probe(s, T0 + 1_000), F)
    probe(s, T0 + 3_000)
    expect(core.snapshot(s, T0 + 3_000)).toMatchObject({ state: "HalfOpen", openings: 2, probesInFlight: 1 })
    core.reset(s, T0 + 3_001)
    expect(s.outTransition).toEqual({
      breaker: "svc",
      from: "HalfOpen",
      to: "Closed",
      at: T0 + 3_001,
      reason: { _tag: "Manual", action: "reset" },
      openUntil: undefined
    })
    expect(core.snapshot(s, T0 + 3_001)).toMatchObject({
      state: "Closed",
      openings: 0,
      probesInFlight: 0,
      probeSuccesses: 0,
      calls: 0,
      consecutiveFailures: 0,
      rejected: 0,
      retryAfterMs: 0
    })
    tripNow(s, T0 + 4_000)
    expect(s.openUntil).toBe(T0 + 5_000) // the schedule starts over
  })

  it("every manual action from ForcedOpen/Disabled/MetricsOnly moves the generation on", () => {
    const s = core.initial(cfg, T0)
    const tags: Array<string> = []
    for (const act of [core.forceOpen, core.disable, core.metricsOnly, core.reset, core.reset]) {
      const g = s.generation
      act(s, T0)
      expect(s.generation).toBe(g + 1)
      tags.push(`${s.outTransition?.from}->${s.outTransition?.to}`)
    }
    expect(tags).toEqual(["Closed->ForcedOpen", "ForcedOpen->Disabled", "Disabled->MetricsOnly", "MetricsOnly->Closed", "Closed->Closed"])
  })
})
