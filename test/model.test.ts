import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import * as core from "../src/internal/core.js"
import { type ConfigDesc, configArb, toConfig } from "./support/configArb.js"
import * as Model from "./support/referenceModel.js"

// ---------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------

type Op =
  | { readonly op: "wait"; readonly ms: number }
  /** Admit a call and record its outcome at once (when admitted). */
  | { readonly op: "call"; readonly outcome: Model.Outcome; readonly durationMs: number; readonly hintMs: number }
  /** Admit a call whose outcome comes later. */
  | { readonly op: "start" }
  /** Record the outcome of the `pick`-th pending call (modulo their number), in any order. */
  | {
    readonly op: "finish"
    readonly pick: number
    readonly outcome: Model.Outcome
    readonly durationMs: number
    readonly hintMs: number
  }
  | { readonly op: "manual"; readonly action: Model.Action }
  /** Compare full snapshots (they advance time windows, so not after every step). */
  | { readonly op: "look" }

const outcome = fc.constantFrom<Model.Outcome>("Success", "Success", "Success", "Failure", "Failure", "Ignored")
const durationMs = fc.oneof(
  { arbitrary: fc.constant(0), weight: 3 },
  { arbitrary: fc.constantFrom(50, 99, 100, 101, 499, 500, 999, 1_000, 5_000), weight: 2 }
)
const hintMs = fc.constantFrom(0, 0, 0, 1_500, 20_000, 3_600_000)

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant("wait" as const),
      ms: fc.oneof(
        fc.constantFrom(0, 1, 99, 100, 250, 499, 500, 999, 1_000, 2_000, 5_000, 10_000, 30_000, 1_000_000),
        fc.integer({ min: 0, max: 12_000 })
      )
    }),
    weight: 5
  },
  { arbitrary: fc.record({ op: fc.constant("call" as const), outcome, durationMs, hintMs }), weight: 8 },
  { arbitrary: fc.constant({ op: "start" as const }), weight: 2 },
  {
    arbitrary: fc.record({ op: fc.constant("finish" as const), pick: fc.nat(7), outcome, durationMs, hintMs }),
    weight: 3
  },
  {
    arbitrary: fc.record({
      op: fc.constant("manual" as const),
      action: fc.constantFrom<Model.Action>("forceOpen", "reset", "disable", "metricsOnly")
    }),
    weight: 1
  },
  { arbitrary: fc.constant({ op: "look" as const }), weight: 3 }
)

// ---------------------------------------------------------------------------
// Running core and model side by side
// ---------------------------------------------------------------------------

const codeOf = { Success: core.OSuccess, Failure: core.OFailure, Ignored: core.OIgnored } as const
const decisionName = ["Pass", "Probe", "Reject", "Bypass"] as const

interface Pending {
  readonly probe: boolean
  readonly coreGeneration: number
  readonly coreSlot: number
  readonly coreTicket: number
  readonly modelGeneration: number
  readonly token: Model.ProbeToken | undefined
}

/** What the generated runs exercised, to check the property is not vacuous. */
const seen = new Map<string, number>()
const see = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1)

const stateOf = (s: core.State) => ({
  state: s.tag,
  generation: s.generation,
  openings: s.openings,
  consecutiveFailures: s.consecutiveFailures,
  openUntil: s.tag === "Open" ? s.openUntil : undefined
})
const modelStateOf = (m: Model.ReferenceModel) => ({
  state: m.tag,
  generation: m.generation,
  openings: m.openings,
  consecutiveFailures: m.consecutiveFailures(),
  openUntil: m.tag === "Open" ? m.openUntil : undefined
})

const run = (desc: ConfigDesc, start: number, ops: ReadonlyArray<Op>): core.Snapshot => {
  const config = toConfig(desc)
  const s = core.initial(config, start)
  const m = new Model.ReferenceModel(config, start)
  const pending: Array<Pending> = []
  let now = start

  const noteTransition = (t: core.Transition | undefined) => {
    if (t) see(`${t.from}->${t.to}:${t.reason._tag}`)
  }

  const admitBoth = (step: string): Pending | undefined => {
    const decision = core.admit(s, now)
    const expected = m.admit(now)
    expect(decisionName[decision], `${step}: decision`).toBe(expected.decision)
    expect(s.outTransition, `${step}: admission transition`).toEqual(expected.transition)
    noteTransition(s.outTransition)
    if (decision === core.Reject) {
      expect(s.outRetryAfterMs, `${step}: retry-after`).toBe(expected.retryAfterMs)
      see(`reject:${s.tag}`)
      return undefined
    }
    return {
      probe: decision === core.Probe,
      coreGeneration: s.generation,
      coreSlot: s.outSlot,
      coreTicket: s.outTicket,
      modelGeneration: expected.generation,
      token: expected.token
    }
  }

  const finishBoth = (step: string, p: Pending, o: Model.Outcome, duration: number, hint: number) => {
    let expected: Model.Transition | undefined
    if (p.probe) {
      core.recordProbe(s, now, p.coreGeneration, p.coreSlot, p.coreTicket, codeOf[o], duration, hint)
      expected = m.recordProbe(now, p.modelGeneration, p.token!, o, duration, hint)
    } else {
      core.record(s, now, p.coreGeneration, codeOf[o], duration, hint)
      expected = m.record(now, p.modelGeneration, o, duration, hint)
    }
    expect(s.outTransition, `${step}: transition after ${o}`).toEqual(expected)
    noteTransition(s.outTransition)
  }

  ops.forEach((op, i) => {
    const step = `step ${i} (${JSON.stringify(op)}) at t=${now - start}`
    switch (op.op) {
      case "wait":
        now += op.ms
        break
      case "call": {
        const p = admitBoth(step)
        if (p) finishBoth(step, p, op.outcome, op.durationMs, op.hintMs)
        break
      }
      case "start": {
        const reclaimed = m.reclaimed
        const p = admitBoth(step)
        if (m.reclaimed > reclaimed) see("stalled permit reclaimed")
        if (p) pending.push(p)
        break
      }
      case "finish": {
        if (pending.length === 0) break
        const [p] = pending.splice(op.pick % pending.length, 1)
        if (p!.coreGeneration !== s.generation) see("late outcome")
        finishBoth(step, p!, op.outcome, op.durationMs, op.hintMs)
        break
      }
      case "manual": {
        const action = { forceOpen: core.forceOpen, reset: core.reset, disable: core.disable, metricsOnly: core.metricsOnly }[op.action]
        action(s, now)
        expect(s.outTransition, `${step}: manual transition`).toEqual(m.manual(op.action, now))
        break
      }
      case "look": {
        const { breaker, ...snap } = core.snapshot(s, now)
        expect(breaker).toBe("model")
        expect(snap, `${step}: snapshot`).toEqual(m.snapshot(now))
        if (snap.probesInFlight > 0) see("probes in flight")
        break
      }
    }
    expect(stateOf(s), `${step}: state`).toEqual(modelStateOf(m))
    for (const r of config.rates) {
      const w = s.windows[config.rates.indexOf(r)]!
      // Count windows can be compared without advancing anything
      if (r.window._tag === "LastCalls") {
        const calls = m.windowCalls(r, now)
        expect(w.calls, `${step}: ${r.kind} window calls`).toBe(calls.length)
      }
    }
  })
  return core.snapshot(s, now)
}

const startArb = fc.constantFrom(0, 1_700_000_000_123)
const opsArb = fc.array(opArb, { minLength: 1, maxLength: 100, size: "max" })

describe("core against the reference model", () => {
  it.prop("agrees on every decision, transition and snapshot", [configArb, startArb, opsArb], ([desc, start, ops]) => {
    run(desc, start, ops)
  }, { fastCheck: { numRuns: 600 } })

  it.prop(
    "agrees under heavy half-open traffic (consecutive policy, many pending probes)",
    [
      configArb.map((d) => ({ ...d, policy: { consecutive: 1 } })),
      startArb,
      fc.array(
        fc.oneof(
          { arbitrary: opArb, weight: 3 },
          { arbitrary: fc.constant<Op>({ op: "start" }), weight: 2 },
          { arbitrary: fc.constantFrom<Op>({ op: "wait", ms: 250 }, { op: "wait", ms: 2_000 }), weight: 2 }
        ),
        { minLength: 1, maxLength: 100, size: "max" }
      )
    ],
    ([desc, start, ops]) => {
      run(desc, start, ops)
    },
    { fastCheck: { numRuns: 250 } }
  )

  it("the generated runs reach every edge of the state machine", () => {
    const edges = [
      "Closed->Open:ConsecutiveFailures",
      "Closed->Open:FailureRate",
      "Closed->Open:SlowCallRate",
      "Open->HalfOpen:OpenDurationElapsed",
      "HalfOpen->Open:ProbeFailed",
      "HalfOpen->Closed:ProbesSucceeded",
      "reject:Open",
      "reject:HalfOpen",
      "reject:ForcedOpen",
      "late outcome",
      "stalled permit reclaimed",
      "probes in flight"
    ]
    const missing = edges.filter((e) => (seen.get(e) ?? 0) < 5)
    if (process.env.MODEL_COVERAGE) console.log(JSON.stringify(Object.fromEntries(seen)))
    expect(missing, JSON.stringify(Object.fromEntries(seen))).toEqual([])
  })

  it("a hand-written trace: time-window trip on a success, late outcomes, stalled probe reclaimed", () => {
    // The shape of trace the property prints on failure, readable on its own.
    const end = run(
      {
        policy: { failureRate: 0.5, minimumCalls: 2, window: { lastMs: 1_000, buckets: 4 } },
        open: 1_000,
        maxOpenMs: 2_000,
        permits: 2,
        successesToClose: 2,
        probeTimeoutMs: 500
      },
      0,
      [
        { op: "start" }, // A: admitted in Closed, finishes late
        { op: "call", outcome: "Failure", durationMs: 0, hintMs: 1_500 },
        { op: "call", outcome: "Success", durationMs: 0, hintMs: 0 }, // [F, S] = 1/2: trips; a success has no hint
        { op: "look" },
        { op: "finish", pick: 0, outcome: "Failure", durationMs: 0, hintMs: 3_600_000 }, // A is late: nothing
        { op: "wait", ms: 1_000 },
        { op: "start" }, // P1: Open -> HalfOpen
        { op: "start" }, // P2
        { op: "call", outcome: "Success", durationMs: 0, hintMs: 0 }, // rejected: both permits held
        { op: "look" },
        { op: "wait", ms: 500 },
        { op: "call", outcome: "Success", durationMs: 0, hintMs: 0 }, // reclaims P1's stalled permit, succeeds
        { op: "finish", pick: 0, outcome: "Success", durationMs: 0, hintMs: 0 }, // P1 is stale: nothing
        { op: "look" }
      ]
    )
    expect(end).toMatchObject({ state: "HalfOpen", openings: 1, probeSuccesses: 1, probesInFlight: 0, rejected: 1 })
  })
})
