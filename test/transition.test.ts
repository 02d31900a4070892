/**
 * The pure transition function over the state as data against the in-place
 * path the memory store runs: over random configurations and event sequences,
 * both give the same decisions and the same states, every state reached passes
 * the Schema and the consistency checks, and survives JSON unchanged.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import * as core from "../src/internal/core.js"
import { decode, initialData, toData } from "../src/internal/state.js"
import { applyInPlace, type Event, step } from "../src/internal/transition.js"
import { TripPolicy } from "effect-breaker"
import { compile } from "../src/internal/options.js"
import { configArb, toConfig } from "./support/configArb.js"

type Op =
  | { readonly op: "wait"; readonly ms: number }
  | { readonly op: "admit" }
  /** Record the outcome of the `pick`-th admitted call (modulo their number); `stale` moves its generation back. */
  | {
    readonly op: "finish"
    readonly pick: number
    readonly outcome: core.OutcomeCode
    readonly durationMs: number
    readonly hintMs: number
    readonly stale: boolean
    /** What a success reports of its work: output tokens (0: unknown) and time to first token (-1: unknown). */
    readonly tokens: number
    readonly firstTokenMs: number
  }
  | { readonly op: "control"; readonly action: core.ManualAction }
  /** A transition decided elsewhere, `ahead` generations after the current one (0: a stale message). */
  | { readonly op: "remote"; readonly to: core.StateTag; readonly ahead: number; readonly openFor: number }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constantFrom(0, 1, 250, 1_000, 5_000).map((ms) => ({ op: "wait" as const, ms })), weight: 2 },
  { arbitrary: fc.constant({ op: "admit" as const }), weight: 4 },
  {
    arbitrary: fc.record({
      op: fc.constant("finish" as const),
      pick: fc.nat(20),
      outcome: fc.constantFrom<core.OutcomeCode>(core.OSuccess, core.OSuccess, core.OFailure, core.OFailure, core.OIgnored),
      durationMs: fc.constantFrom(0, 50, 600, 2_000),
      hintMs: fc.constantFrom(0, 0, 3_000, 600_000),
      stale: fc.boolean(),
      tokens: fc.constantFrom(0, 0, 10, 200),
      firstTokenMs: fc.constantFrom(-1, -1, 100, 900)
    }),
    weight: 4
  },
  {
    arbitrary: fc.constantFrom<core.ManualAction>("forceOpen", "reset", "disable", "metricsOnly").map((action) => ({
      op: "control" as const,
      action
    })),
    weight: 1
  },
  {
    arbitrary: fc.record({
      op: fc.constant("remote" as const),
      to: fc.constantFrom<core.StateTag>("Closed", "Open", "HalfOpen", "ForcedOpen"),
      ahead: fc.constantFrom(0, 1, 3),
      openFor: fc.constantFrom(0, 1_000, 30_000)
    }),
    weight: 1
  }
)

interface Admitted {
  readonly probe: boolean
  readonly generation: number
  readonly slot: number
  readonly ticket: number
}

const run = (config: core.Config, start: number, ops: ReadonlyArray<Op>): void => {
  const inPlace = core.initial(config, start)
  let data = initialData(config, start)
  expect(toData(inPlace)).toEqual(data)
  let now = start
  const admitted: Array<Admitted> = []
  ops.forEach((op, i) => {
    let event: Event | undefined
    switch (op.op) {
      case "wait":
        now += op.ms
        return
      case "admit":
        event = { _tag: "Admit" }
        break
      case "finish": {
        if (admitted.length === 0) return
        const [a] = admitted.splice(op.pick % admitted.length, 1)
        const generation = op.stale ? a!.generation - 1 : a!.generation
        const common = {
          generation,
          outcome: op.outcome,
          durationMs: op.durationMs,
          retryAfterMs: op.hintMs,
          outputTokens: op.tokens,
          firstTokenMs: op.firstTokenMs < 0 ? NaN : op.firstTokenMs
        }
        event = a!.probe ? { _tag: "RecordProbe", slot: a!.slot, ticket: a!.ticket, ...common } : { _tag: "Record", ...common }
        break
      }
      case "control":
        event = { _tag: "Control", action: op.action }
        break
      case "remote":
        event = {
          _tag: "Remote",
          transition: {
            generation: inPlace.generation + op.ahead,
            to: op.to,
            at: now,
            reason: { _tag: "Manual", action: "reset" },
            openUntil: op.to === "Open" ? now + op.openFor : undefined,
            openings: op.to === "Closed" ? 0 : 1
          }
        }
        break
    }
    const step_ = `step ${i} ${JSON.stringify(op)}`
    const fromInPlace = applyInPlace(inPlace, event, now)
    const pure = step(config, data, event, now)
    expect(pure.decided, `${step_}: decision`).toEqual(fromInPlace)
    const next = toData(inPlace)
    expect(pure.state, `${step_}: state`).toEqual(next)
    // The pure function did not touch its input.
    expect(data, `${step_}: input unchanged`).not.toBe(pure.state)
    data = pure.state
    // Every reachable state is valid data and survives JSON.
    const decoded = decode(config, JSON.parse(JSON.stringify(data)))
    if (Either.isLeft(decoded)) throw new Error(`${step_}: reachable state rejected: ${decoded.left.message}`)
    expect(decoded.right, `${step_}: JSON round trip`).toEqual(data)
    if (event._tag === "Admit" && (fromInPlace.decision === core.Pass || fromInPlace.decision === core.Probe)) {
      admitted.push({
        probe: fromInPlace.decision === core.Probe,
        generation: fromInPlace.generation,
        slot: fromInPlace.slot,
        ticket: fromInPlace.ticket
      })
    }
  })
}

const compiled = (policy: TripPolicy.TripPolicy): core.Config => {
  const c = compile({ name: "work", policy, openDuration: 1_000, halfOpen: { permits: 2, probeTimeout: 2_000 } })
  if (Either.isLeft(c)) throw new Error(c.left.message)
  return c.right.config
}

/** Slow-call policies judged against the work a call reports. */
const workRelative: ReadonlyArray<core.Config> = [
  compiled(TripPolicy.slowCallRate({
    perOutputToken: "5 millis",
    timeToFirstToken: "500 millis",
    threshold: 0.5,
    minimumCalls: 2,
    window: TripPolicy.lastCalls(5)
  })),
  compiled(TripPolicy.any(
    TripPolicy.consecutiveFailures(3),
    TripPolicy.slowCallRate({
      duration: "1 second",
      perOutputToken: "2 millis",
      threshold: 0.6,
      minimumCalls: 3,
      window: TripPolicy.lastDuration("5 seconds", 5)
    })
  ))
]

describe("the pure transition function", () => {
  it.prop(
    "equals the in-place path on every decision and state; every state reached is valid data",
    [configArb, fc.constantFrom(0, 1_700_000_000_123), fc.array(opArb, { minLength: 1, maxLength: 80 })],
    ([desc, start, ops]) => {
      run(toConfig(desc), start, ops)
    },
    { fastCheck: { numRuns: 300 } }
  )

  it.prop(
    "the same with work-relative slow calls (outcomes reporting output tokens and time to first token)",
    [fc.constantFrom(...workRelative), fc.constantFrom(0, 1_700_000_000_123), fc.array(opArb, { minLength: 1, maxLength: 80 })],
    ([config, start, ops]) => {
      run(config, start, ops)
    },
    { fastCheck: { numRuns: 150 } }
  )

  it("does not change the data it is given", () => {
    const config = toConfig({ policy: { consecutive: 1 }, open: 1_000, maxOpenMs: 0, permits: 1, successesToClose: 1, probeTimeoutMs: 500 })
    const before = initialData(config, 0)
    const copy = JSON.parse(JSON.stringify(before))
    const admitted = step(config, before, { _tag: "Admit" }, 0)
    const tripped = step(config, admitted.state, {
      _tag: "Record",
      generation: 0,
      outcome: core.OFailure,
      durationMs: 0,
      retryAfterMs: 0
    }, 10)
    expect(before).toEqual(copy)
    expect(tripped.state.tag).toBe("Open")
    expect(tripped.state.openUntil).toBe(1_010)
    expect(tripped.decided.transition?.to).toBe("Open")
  })
})
