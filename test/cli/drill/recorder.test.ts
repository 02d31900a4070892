import { describe, expect, it } from "@effect/vitest"
import { Clock } from "effect"
import type { CircuitBreaker } from "effect-breaker"
import { Recorder } from "../../../src/cli/drill/recorder.js"

const transition = (over: Partial<CircuitBreaker.TransitionEvent>): CircuitBreaker.TransitionEvent => ({
  breaker: "openai",
  from: "Closed",
  to: "Open",
  at: 1_000,
  reason: { _tag: "ConsecutiveFailures", count: 5, threshold: 5 } as any,
  openUntil: 1_200,
  ...over
})

describe("drill recorder", () => {
  it("--fleet: a shared transition reported by every replica's mirror is one transition (openings are the fleet's)", () => {
    const recorder = new Recorder(Clock.make())
    // three replicas report the same shared opening, then each its own view of a later one
    for (let replica = 0; replica < 3; replica++) recorder.observer.onTransition!(transition({}))
    for (let replica = 0; replica < 3; replica++) recorder.observer.onTransition!(transition({ from: "HalfOpen", at: 1_400 }))
    recorder.observer.onTransition!(transition({ from: "Open", to: "HalfOpen", at: 1_300, openUntil: undefined }))
    expect(recorder.transitions.map((t) => `${t.from}->${t.to}`)).toEqual(["Closed->Open", "HalfOpen->Open", "Open->HalfOpen"])
  })
})
