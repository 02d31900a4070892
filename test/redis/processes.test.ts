/**
 * Replicas as separate processes: three Node processes, each with its own
 * runtime, clock and Redis store, share one breaker through a real
 * redis-server while a real HTTP provider is down. Requests reaching the
 * provider are counted at the server: with the shared breaker they stay within
 * the trip threshold + the calls in flight (one per replica), against
 * replicas × threshold with per-process breakers. Wall clock (one opening of a
 * minute covers the run).
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import * as Http from "node:http"
import type * as Net from "node:net"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import type { RedisServer } from "effect-breaker/testing"
import { startServer, uniquePrefix } from "./support.js"

let server: RedisServer.RedisServer
let close: () => Promise<void>
beforeAll(async () => {
  ;({ server, close } = await startServer())
})
afterAll(() => close())

const REPLICA = fileURLToPath(new URL("./process/replica.ts", import.meta.url))
const THRESHOLD = 5
const CALLS = 20

/** A provider that is down: answers 503 to everything and counts what reaches it. */
const downProvider = () =>
  new Promise<{ url: string; requests: () => number; close: () => Promise<void> }>((resolve) => {
    let requests = 0
    const s = Http.createServer((_req, res) => {
      requests++
      res.writeHead(503, { "content-type": "application/json" }).end("{\"error\":\"overloaded\"}")
    })
    s.keepAliveTimeout = 1
    s.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(s.address() as Net.AddressInfo).port}/v1`,
        requests: () => requests,
        close: () => new Promise<void>((r) => s.close(() => r()))
      }))
  })

interface Result {
  readonly rejected: number
  readonly failed: number
  readonly state: string
}

/** Starts `n` replica processes, releases them together once all are ready, and collects their results. */
const runReplicas = async (n: number, redis: string, prefix: string, providerUrl: string): Promise<Array<Result>> => {
  const children = Array.from({ length: n }, () =>
    spawn(process.execPath, ["--import", "tsx", REPLICA, redis, prefix, providerUrl, String(CALLS)], {
      stdio: ["pipe", "pipe", "pipe"]
    }))
  const lines = children.map((child) => {
    const out: Array<string> = []
    let stderr = ""
    child.stderr.on("data", (d) => (stderr += String(d)))
    const waiters: Array<() => void> = []
    createInterface({ input: child.stdout }).on("line", (line) => {
      out.push(line)
      for (const w of waiters.splice(0)) w()
    })
    const next = (i: number) =>
      new Promise<string>((resolve, reject) => {
        const check = () => (out[i] !== undefined ? resolve(out[i]!) : waiters.push(check))
        child.once("exit", (code) => out[i] === undefined && reject(new Error(`replica exited ${code}: ${stderr}`)))
        check()
      })
    return { child, next }
  })
  for (const l of lines) assert.strictEqual(await l.next(0), "ready")
  for (const l of lines) l.child.stdin.write("go\n")
  const results = await Promise.all(lines.map((l) => l.next(1).then((line) => JSON.parse(line) as Result)))
  await Promise.all(lines.map((l) => new Promise((r) => l.child.exitCode !== null ? r(undefined) : l.child.once("exit", r))))
  return results
}

describe("Redis fleet store: replicas as separate processes", () => {
  it("three processes, provider down: requests reaching it stay within threshold + calls in flight (vs replicas × threshold)", async () => {
    const fleetProvider = await downProvider()
    const localProvider = await downProvider()
    try {
      const fleet = await runReplicas(3, server.url, uniquePrefix(), fleetProvider.url)
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
