import { describe, expect, it } from "@effect/vitest"
import { FastCheck } from "effect"
import { CountWindow, TimeWindow } from "../src/internal/window.js"

describe("CountWindow", () => {
  it("counts exactly while filling and as the ring wraps", () => {
    const w = new CountWindow(3)
    const seen: Array<[number, number]> = []
    for (const bad of [true, false, true, true, false, false, false]) {
      w.record(0, bad)
      seen.push([w.calls, w.bad])
    }
    // calls saturate at 3; bad counts only the last 3 outcomes:
    // [T] [T,F] [T,F,T] [F,T,T] [T,T,F] [T,F,F] [F,F,F]
    expect(seen).toEqual([[1, 1], [2, 1], [3, 2], [3, 2], [3, 2], [3, 1], [3, 0]])
  })

  it("a window of one holds only the last call", () => {
    const w = new CountWindow(1)
    w.record(0, true)
    expect([w.calls, w.bad]).toEqual([1, 1])
    w.record(0, false)
    expect([w.calls, w.bad]).toEqual([1, 0])
    w.record(0, true)
    expect([w.calls, w.bad]).toEqual([1, 1])
  })

  it("ignores time entirely", () => {
    const w = new CountWindow(2)
    w.record(0, true)
    w.advance(1e12)
    w.record(5, true)
    expect([w.calls, w.bad]).toEqual([2, 2])
  })

  it("reset empties it and the ring starts over", () => {
    const w = new CountWindow(3)
    for (let i = 0; i < 5; i++) w.record(0, true)
    w.reset()
    expect([w.calls, w.bad]).toEqual([0, 0])
    w.record(0, false)
    w.record(0, true)
    expect([w.calls, w.bad]).toEqual([2, 1])
    // wrapping over slots that held bad calls before the reset must not subtract them again
    for (let i = 0; i < 3; i++) w.record(0, false)
    expect([w.calls, w.bad]).toEqual([3, 0])
  })

  it.prop("equals a naive count of the last n outcomes", [
    FastCheck.integer({ min: 1, max: 12 }),
    FastCheck.array(FastCheck.oneof(FastCheck.boolean(), FastCheck.constant("reset" as const)), { maxLength: 80 })
  ], ([size, ops]) => {
    const w = new CountWindow(size)
    let log: Array<boolean> = []
    for (const op of ops) {
      if (op === "reset") {
        w.reset()
        log = []
      } else {
        w.record(0, op)
        log.push(op)
      }
      const last = log.slice(-size)
      expect([w.calls, w.bad]).toEqual([last.length, last.filter((b) => b).length])
    }
  })
})

describe("TimeWindow", () => {
  it("bucket width is ceil(duration / buckets), at least 1 ms", () => {
    expect(new TimeWindow(1000, 10).width).toBe(100)
    expect(new TimeWindow(1000, 3).width).toBe(334)
    expect(new TimeWindow(5, 10).width).toBe(1)
  })

  it("buckets age out one by one", () => {
    // 4 buckets of 250 ms over one second
    const w = new TimeWindow(1000, 4)
    w.record(0, true) // bucket 0
    w.record(260, false) // bucket 1
    w.record(510, true) // bucket 2
    w.record(510, true) // bucket 2
    w.record(999, false) // bucket 3
    expect([w.calls, w.bad]).toEqual([5, 3])
    w.advance(1000) // epoch 4: bucket 0 leaves
    expect([w.calls, w.bad]).toEqual([4, 2])
    w.advance(1249) // still epoch 4
    expect([w.calls, w.bad]).toEqual([4, 2])
    w.advance(1250) // epoch 5: bucket 1 leaves
    expect([w.calls, w.bad]).toEqual([3, 2])
    w.advance(1500) // epoch 6: bucket 2 leaves
    expect([w.calls, w.bad]).toEqual([1, 0])
    w.advance(1750) // epoch 7: bucket 3 leaves
    expect([w.calls, w.bad]).toEqual([0, 0])
  })

  it("a call recorded after an idle gap lands in a fresh bucket, not an old one", () => {
    const w = new TimeWindow(1000, 4)
    w.record(0, true)
    w.record(2600, false) // epoch 10 reuses slot 2; slots 1..3 and 0 aged out on the way
    expect([w.calls, w.bad]).toEqual([1, 0])
    w.advance(3500) // epoch 14: the call at 2600 (epoch 10) is now 4 buckets old
    expect([w.calls, w.bad]).toEqual([0, 0])
  })

  it("a jump longer than the whole window clears it", () => {
    const w = new TimeWindow(1000, 10)
    for (let t = 0; t < 1000; t += 50) w.record(t, t % 100 === 0)
    expect([w.calls, w.bad]).toEqual([20, 10])
    w.advance(1_000 + 1e9)
    expect([w.calls, w.bad]).toEqual([0, 0])
    w.record(1_000 + 1e9, true)
    expect([w.calls, w.bad]).toEqual([1, 1])
  })

  it("a clock going backwards records into the newest bucket and keeps totals consistent", () => {
    const w = new TimeWindow(1000, 4)
    w.record(900, true) // epoch 3
    w.record(100, false) // clock went back to epoch 0: counted in the newest bucket
    expect([w.calls, w.bad]).toEqual([2, 1])
    w.advance(0)
    expect([w.calls, w.bad]).toEqual([2, 1])
    // both calls leave together when epoch 3 ages out, and totals never go negative
    w.advance(1999) // epoch 7: buckets 4..7 cleared, epoch 3 is out
    expect([w.calls, w.bad]).toEqual([0, 0])
    w.record(2000, true)
    expect([w.calls, w.bad]).toEqual([1, 1])
  })

  it("reset empties it and forgets the epoch", () => {
    const w = new TimeWindow(1000, 4)
    w.record(5000, true)
    w.record(5100, true)
    w.reset()
    expect([w.calls, w.bad]).toEqual([0, 0])
    // after a reset, an earlier time is a fresh start, not "the clock went back"
    w.record(0, false)
    expect([w.calls, w.bad]).toEqual([1, 0])
    w.advance(1000)
    expect([w.calls, w.bad]).toEqual([0, 0])
  })

  const step = FastCheck.oneof(
    { arbitrary: FastCheck.record({ dt: FastCheck.integer({ min: 0, max: 400 }), bad: FastCheck.boolean() }), weight: 6 },
    { arbitrary: FastCheck.record({ dt: FastCheck.integer({ min: 0, max: 5000 }), bad: FastCheck.constant(null) }), weight: 2 },
    { arbitrary: FastCheck.constant("reset" as const), weight: 1 }
  )

  it.prop("equals a naive count of calls whose bucket is within the window (monotone clock)", [
    FastCheck.constantFrom(1, 7, 100, 1000, 2500),
    FastCheck.integer({ min: 1, max: 12 }),
    FastCheck.integer({ min: 0, max: 2_000_000_000_000 }),
    FastCheck.array(step, { maxLength: 80 })
  ], ([duration, buckets, start, steps]) => {
    const w = new TimeWindow(duration, buckets)
    const width = Math.ceil(duration / buckets)
    let now = start
    let log: Array<{ t: number; bad: boolean }> = []
    for (const s of steps) {
      if (s === "reset") {
        w.reset()
        log = []
      } else {
        now += s.dt
        if (s.bad === null) w.advance(now)
        else {
          w.record(now, s.bad)
          log.push({ t: now, bad: s.bad })
        }
      }
      w.advance(now)
      const inWindow = log.filter((c) => Math.floor(c.t / width) > Math.floor(now / width) - buckets)
      expect([w.calls, w.bad]).toEqual([inWindow.length, inWindow.filter((c) => c.bad).length])
    }
  })

  it.prop("never holds negative or more-bad-than-calls totals, whatever the clock does", [
    FastCheck.integer({ min: 1, max: 10 }),
    FastCheck.array(FastCheck.record({ t: FastCheck.integer({ min: 0, max: 20_000 }), bad: FastCheck.boolean() }), {
      maxLength: 60
    })
  ], ([buckets, calls]) => {
    const w = new TimeWindow(1000, buckets)
    let recorded = 0
    for (const c of calls) {
      w.record(c.t, c.bad)
      recorded++
      expect(w.calls).toBeGreaterThanOrEqual(1)
      expect(w.calls).toBeLessThanOrEqual(recorded)
      expect(w.bad).toBeGreaterThanOrEqual(0)
      expect(w.bad).toBeLessThanOrEqual(w.calls)
    }
    w.advance(1e9)
    expect([w.calls, w.bad]).toEqual([0, 0])
  })
})
