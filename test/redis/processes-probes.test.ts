/**
 * Half-open permits are fleet-wide across processes: three replica processes
 * (process/prober.ts, each its own runtime, TestClock, Redis connections and
 * mirror), kept alive for 100 rounds, race for the shared circuit's N probe
 * permits through a real redis-server. Each round: one replica trips the
 * circuit, every mirror rereads it, every process's clock is set past the open
 * time (the parent is the fleet's one clock: no process waits on the wall
 * clock for the breaker), then all three start many calls at once; the
 * admissions are counted fleet-wide while the probes hold their permits, then
 * the probes succeed and close the circuit for the next round.
 */
import { assert, describe, it } from "@effect/vitest"
import { fileURLToPath } from "node:url"
import { startAll, useRedisServer } from "./process/harness.js"
import { uniquePrefix } from "./support.js"

const server = useRedisServer()

const PROBER = fileURLToPath(new URL("./process/prober.ts", import.meta.url))
const N = 2 // halfOpen.permits
const RUNS = 100
const CALLS = 8 // concurrent calls per process each round
const OPEN_MS = 1_000 // the breaker's openDuration

interface Go {
  readonly admitted: number
  readonly rejected: number
  readonly tags: ReadonlyArray<string>
  readonly asked: number
}

describe("Redis fleet store: half-open permits across processes", () => {
  it("exactly N probes fleet-wide from three processes under contention, 100 runs out of 100", async () => {
    const prefix = uniquePrefix()
    const replicas = await startAll(3, PROBER, () => [server.url(), prefix, String(N)])
    const tally = new Map<number, number>() // probes admitted fleet-wide → rounds
    const wins = [0, 0, 0] // probes admitted per process, over the rounds
    let asked = 0 // admission round trips the processes sent to Redis
    let exact = 0
    let runs = 0
    let t = 1_700_000_000_000 // every process's TestClock is set to this
    const started = Date.now()
    for (let run = 0; run < RUNS; run++) {
      // one replica (each in turn) opens the shared circuit; every mirror rereads it
      assert.strictEqual(await replicas[run % 3]!.request({ op: "trip", at: t }), "Open", `run ${run}: trip`)
      const open = await Promise.all(replicas.map((r) => r.request<string>({ op: "sync" })))
      assert.deepStrictEqual(open, ["Open", "Open", "Open"], `run ${run}: every mirror open`)
      // the open time has passed on every process's clock, then all three race at once
      t += OPEN_MS
      await Promise.all(replicas.map((r) => r.request({ op: "arm", at: t })))
      const round = await Promise.all(replicas.map((r) => r.request<Go>({ op: "go", calls: CALLS })))
      const admitted = round.reduce((n, r) => n + r.admitted, 0)
      runs++
      tally.set(admitted, (tally.get(admitted) ?? 0) + 1)
      round.forEach((r, i) => (wins[i]! += r.admitted))
      asked += round.reduce((n, r) => n + r.asked, 0)
      for (const r of round) {
        assert.strictEqual(r.admitted + r.rejected, CALLS, `run ${run}: every call decided`)
        if (r.rejected > 0) assert.deepStrictEqual(r.tags, ["CircuitOpenError"], `run ${run}: rejections`)
      }
      // the probes succeed: N successes close the circuit for everyone
      const released = await Promise.all(replicas.map((r) => r.request<{ succeeded: number }>({ op: "release" })))
      const closed = await Promise.all(replicas.map((r) => r.request<string>({ op: "sync" })))
      if (admitted === N) exact++
      else {
        console.log(`run ${run}: ${admitted} probes admitted (${round.map((r) => r.admitted).join(" + ")})`)
        break // the circuit is not where the next round needs it
      }
      assert.strictEqual(released.reduce((n, r) => n + r.succeeded, 0), N, `run ${run}: probes succeeded`)
      assert.deepStrictEqual(closed, ["Closed", "Closed", "Closed"], `run ${run}: closed after ${N} probe successes`)
    }
    const tallyText = [...tally.entries()].sort(([a], [b]) => a - b).map(([k, v]) => `${k} probes: ${v} runs`).join(", ")
    console.log(
      `3 processes x ${CALLS} concurrent calls, permits ${N}: exactly ${N} probes fleet-wide in ${exact} runs out of ${RUNS} ` +
        `(${tallyText}); probes per process ${wins.join("/")}; ${(asked / runs).toFixed(1)} ` +
        `admission round trips to Redis per run; ${Date.now() - started} ms`
    )
    assert.strictEqual(exact, RUNS)
    // the race was a race: every process won probes in some rounds
    for (const w of wins) assert.isAbove(w, 0)
    await Promise.all(replicas.map((r) => r.stop()))
  }, 60_000)
})
