/**
 * Shared counts across processes: three replica processes
 * (process/counter.ts, each its own runtime, TestClock, Redis connections and
 * mirror) send their share of 10,000 calls with seeded random outcomes at the
 * same time, each flushing in the background (failures at once) into one
 * shared circuit on a real redis-server. Each reports what it sent; after
 * every process has flushed, Redis's lifetime totals must equal the sum:
 * none lost, none counted twice.
 */
import { assert, describe, it } from "@effect/vitest"
import { Redis } from "ioredis"
import { fileURLToPath } from "node:url"
import { startAll, useRedisServer } from "./process/harness.js"
import { plan, tally } from "./process/plan.js"
import { uniquePrefix } from "./support.js"

const server = useRedisServer()

const COUNTER = fileURLToPath(new URL("./process/counter.ts", import.meta.url))
const CALLS = 10_000
const SHARES = [3_334, 3_333, 3_333]
const SEEDS = [42, 43, 44]

interface Sent {
  readonly success: number
  readonly failure: number
  readonly ignored: number
  readonly rejected: number
  readonly from: number
  readonly to: number
}

describe("Redis fleet store: shared counts across processes", () => {
  it("10,000 calls from three processes with random outcomes: the shared counts equal what was sent", async () => {
    const prefix = uniquePrefix()
    const replicas = await startAll(3, COUNTER, () => [server.url(), prefix])
    const started = Date.now()
    // all three send at once
    const sent = await Promise.all(
      replicas.map((r, i) => r.request<Sent>({ op: "send", seed: SEEDS[i], calls: SHARES[i] }, 30_000))
    )
    const statuses = await Promise.all(replicas.map((r) => r.request<{ flushes: number; up: boolean }>({ op: "flush" })))
    const redis = new Redis(server.url())
    const overlap = Math.min(...sent.map((s) => s.to)) - Math.max(...sent.map((s) => s.from))
    const [tc, tf] = await redis.hmget(`${prefix}{counts}`, "tc", "tf").finally(() => redis.quit())
    const total = sent.reduce(
      (t, s) => ({ success: t.success + s.success, failure: t.failure + s.failure, ignored: t.ignored + s.ignored }),
      { success: 0, failure: 0, ignored: 0 }
    )
    console.log(
      `3 processes sent ${sent.map((s) => s.success + s.failure + s.ignored).join(" + ")} calls: ${total.success} successes, ` +
        `${total.failure} failures, ${total.ignored} ignored; Redis counted ${tc} calls, ${tf} failures; ` +
        `flushes per process ${statuses.map((s) => s.flushes).join("/")}; all three sending together for ${overlap} ms ` +
        `of ${Date.now() - started} ms`
    )
    // each process sent its seeded share, every call ran (none rejected): what was sent is known independently
    sent.forEach(({ from: _, to: __, ...s }, i) =>
      assert.deepStrictEqual(s, { ...tally(plan(SEEDS[i]!, SHARES[i]!)), rejected: 0 })
    )
    assert.strictEqual(total.success + total.failure + total.ignored, CALLS)
    assert.strictEqual(Number(tc), total.success + total.failure)
    assert.strictEqual(Number(tf), total.failure)
    for (const s of statuses) assert.isTrue(s.up)
    await Promise.all(replicas.map((r) => r.stop()))
  }, 60_000)
})
