/**
 * Replicas as separate processes: three Node processes, each with its own
 * runtime, clock and Redis store, share one breaker through a real
 * redis-server while a real HTTP provider is down. Requests reaching the
 * provider are counted at the server: with the shared breaker they stay within
 * the trip threshold + the calls in flight (one per replica), against
 * replicas × threshold with per-process breakers. Each process's clock is a
 * TestClock that nothing moves: the one opening covers the run.
 */
import { assert, describe, it } from "@effect/vitest"
import { fileURLToPath } from "node:url"
import { startAll, useRedisServer } from "./process/harness.js"
import { downProvider, uniquePrefix } from "./support.js"

const server = useRedisServer()

const REPLICA = fileURLToPath(new URL("./process/replica.ts", import.meta.url))
const THRESHOLD = 5
const CALLS = 20

interface Result {
  readonly rejected: number
  readonly failed: number
  readonly state: string
}

/** Starts `n` replica processes, sets them off together once all are ready, and collects their results. */
const runReplicas = async (n: number, redis: string, prefix: string, providerUrl: string): Promise<Array<Result>> => {
  const replicas = await startAll(n, REPLICA, () => [redis, prefix, providerUrl, String(CALLS)])
  const results = await Promise.all(replicas.map((r) => r.request<Result>({ op: "run" })))
  await Promise.all(replicas.map((r) => r.stop()))
  return results
}

describe("Redis fleet store: replicas as separate processes", () => {
  it("three processes, provider down: requests reaching it stay within threshold + calls in flight (vs replicas × threshold)", async () => {
    const fleetProvider = await downProvider()
    const localProvider = await downProvider()
    try {
      const fleet = await runReplicas(3, server.url(), uniquePrefix(), fleetProvider.url)
      const local = await runReplicas(3, "local", "-", localProvider.url)
      const bound = THRESHOLD + 3 // one call in flight per replica when the shared circuit trips
      console.log(
        `3 processes x ${CALLS} calls, provider down: ${fleetProvider.requests()} requests reached it with the shared ` +
          `Redis breaker (bound ${bound}), ${localProvider.requests()} with per-process breakers`
      )
      assert.isAtMost(fleetProvider.requests(), bound)
      assert.isAtLeast(fleetProvider.requests(), THRESHOLD)
      assert.strictEqual(localProvider.requests(), 3 * THRESHOLD)
      for (const r of local) assert.deepStrictEqual(r, { rejected: CALLS - THRESHOLD, failed: THRESHOLD, state: "Open" })
      for (const r of fleet) assert.strictEqual(r.state, "Open")
      // every call either reached the provider (and failed) or was rejected without leaving
      assert.strictEqual(fleet.reduce((n, r) => n + r.failed + r.rejected, 0), 3 * CALLS)
      assert.strictEqual(fleet.reduce((n, r) => n + r.failed, 0), fleetProvider.requests())
    } finally {
      await Promise.all([fleetProvider.close(), localProvider.close()])
    }
  }, 60_000)
})
