/**
 * The Redis fleet store's lines of the benchmark: the closed path with the
 * Redis store beside the memory store (same process, same run), the Redis
 * round trips a closed call waits for (0: outcomes are flushed in the
 * background) and the flushes per second that costs, and a probe admission's
 * round trips and added latency on loopback. Starts its own redis-server when
 * one is installed, and says so when not.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import { CircuitBreaker, TripPolicy } from "../src/index.js"
import { RedisStore } from "../src/redis/index.js"
import { RedisServer } from "../src/testing/index.js"
import { type Case, fiberLoop } from "./harness.js"

const succeed = Effect.succeed(1)

export interface Fleet {
  readonly url: string | undefined
  readonly cases: ReadonlyArray<Case>
  /** Measured after the timed rounds: round trips, flushes, probe latency. */
  readonly extras: () => Promise<FleetExtras | undefined>
  readonly close: () => Promise<void>
}

export interface FleetExtras {
  readonly roundTripsPerClosedCall: number
  readonly closedCallsMeasured: number
  readonly flushesPerSecond: number
  readonly probeAdmitRoundTrips: number
  readonly probeAddedP50Us: number
  readonly probeAddedP99Us: number
  readonly probeRedisP50Us: number
  readonly probeRedisP99Us: number
  readonly probeMemoryP50Us: number
  readonly probeMemoryP99Us: number
}

const quantile = (xs: ReadonlyArray<number>, q: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!
}

/** A probe's admission time, n times: a HalfOpen breaker whose probes end Ignored (the permit is freed, it stays HalfOpen). */
const probeLatencies = async (breaker: CircuitBreaker.CircuitBreaker, n: number): Promise<Array<number>> => {
  const out: Array<number> = []
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint()
    let admitted = 0n
    await Effect.runPromise(breaker(Effect.sync(() => {
      admitted = process.hrtime.bigint()
      return 1
    })))
    out.push(Number(admitted - t0) / 1_000)
  }
  return out
}

const probeOptions = (name: string): CircuitBreaker.Options => ({
  name,
  policy: TripPolicy.consecutiveFailures(1),
  openDuration: "1 millis",
  halfOpen: { permits: 1, successesToClose: 1_000_000 },
  // a success says nothing here, so a probe never closes the circuit: every call is a probe admission
  classify: (exit) => Exit.isSuccess(exit) ? { _tag: "Ignored" } : { _tag: "Failure", retryAfter: undefined }
})

const toHalfOpen = async (breaker: CircuitBreaker.CircuitBreaker) => {
  await Effect.runPromise(Effect.exit(breaker(Effect.fail("trip"))))
  await new Promise((r) => setTimeout(r, 5))
  await Effect.runPromise(breaker(succeed))
  const s = await Effect.runPromise(breaker.stats)
  if (s.state !== "HalfOpen") throw new Error(`sanity: probe breaker is ${s.state}, not HalfOpen`)
}

export const setupFleet = async (n: number): Promise<Fleet> => {
  if (!RedisServer.available()) {
    console.log(`redis-server is not installed: the Redis store lines are left out (${RedisServer.installHint})`)
    return { url: undefined, cases: [], extras: async () => undefined, close: async () => {} }
  }
  const scope = await Effect.runPromise(Scope.make())
  const server = await Effect.runPromise(Scope.extend(RedisServer.make(), scope))
  console.log(`redis-server started for the benchmark on ${server.url} (killed at the end)`)
  const ctx = await Effect.runPromise(Layer.buildWithScope(RedisStore.layer({ url: server.url, prefix: "bench:" }), scope))
  const fleet = Context.get(ctx, RedisStore.RedisFleet)
  const inFleet = <A, E>(e: Effect.Effect<A, E>) => Effect.runSync(Effect.provide(e, ctx))
  const redisClosed = inFleet(CircuitBreaker.make({ name: "closed", policy: TripPolicy.consecutiveFailures(5) }))
  const redisProbe = inFleet(CircuitBreaker.make(probeOptions("probe")))
  const memoryProbe = Effect.runSync(CircuitBreaker.make(probeOptions("probe")))
  await Effect.runPromise(redisClosed(succeed))
  await Effect.runPromise(fleet.flush) // waits for the first read of the shared state
  if (!(await Effect.runPromise(fleet.status)).up) throw new Error("sanity: the bench's Redis store is not up")

  // A server's event loop serves I/O between requests; a benchmark loop of synchronous calls would starve the
  // Redis connection (the background flush would time out and the store go local), so this case lets the event
  // loop turn every CHUNK calls (~1 µs per 10,000 calls) and checks afterwards that Redis never went away.
  // The memory store runs in the same loop shape beside it: a turn of the event loop also runs whatever other cases
  // left behind (opossum's timers, ...), so the ratio compares like with like.
  const CHUNK = 10_000
  const chunked = (breaker: CircuitBreaker.CircuitBreaker) => {
    const loop = fiberLoop(() => breaker(succeed))
    return async (calls: number) => {
      for (let done = 0; done < calls; done += CHUNK) {
        await loop(Math.min(CHUNK, calls - done))
        await new Promise((r) => setImmediate(r))
      }
    }
  }
  const runClosed = chunked(redisClosed)
  const memoryClosed = Effect.runSync(CircuitBreaker.make({ name: "closed", policy: TripPolicy.consecutiveFailures(5) }))
  const cases: ReadonlyArray<Case> = [{
    key: "memoryClosedChunkedNs",
    label: "effect-breaker closed, consecutive(5), memory store, event loop turned every 10,000 calls",
    includes: "the memory store in the Redis case's loop shape (its baseline)",
    n,
    run: chunked(memoryClosed)
  }, {
    key: "redisClosedNs",
    label: "effect-breaker closed, consecutive(5), Redis store, same loop",
    includes: "the shared circuit in Redis: admitted from the mirror, outcome buffered, flushed in the background",
    n,
    run: runClosed
  }]

  const extras = async (): Promise<FleetExtras> => {
    // round trips a closed call waits for, and the background flushes, over 1 s of closed calls
    const before = await Effect.runPromise(fleet.status)
    if (!before.up || before.downs > 0) throw new Error("sanity: Redis went away during the timed rounds")
    const t0 = Date.now()
    let calls = 0
    while (Date.now() - t0 < 1_000) {
      await runClosed(CHUNK)
      calls += CHUNK
    }
    await Effect.runPromise(fleet.flush)
    const after = await Effect.runPromise(fleet.status)
    if (!after.up || after.downs > 0) throw new Error("sanity: Redis went away while counting flushes")
    if (after.flushedCalls - before.flushedCalls !== calls) {
      throw new Error(`sanity: ${calls} closed calls but ${after.flushedCalls - before.flushedCalls} flushed to Redis`)
    }
    const seconds = (Date.now() - t0) / 1_000
    const shared = await Effect.runPromise(redisClosed.stats)
    if (shared.state !== "Closed") throw new Error("sanity: the Redis closed breaker left Closed")

    await toHalfOpen(redisProbe)
    await toHalfOpen(memoryProbe)
    const rtBefore = (await Effect.runPromise(fleet.status)).callerRoundTrips
    let rtAtAdmission = 0
    await Effect.runPromise(redisProbe(Effect.promise(async () => {
      rtAtAdmission = (await Effect.runPromise(fleet.status)).callerRoundTrips
    })))
    await probeLatencies(redisProbe, 200)
    await probeLatencies(memoryProbe, 200)
    const redisLat: Array<number> = []
    const memLat: Array<number> = []
    for (let r = 0; r < 5; r++) {
      redisLat.push(...await probeLatencies(redisProbe, 400))
      memLat.push(...await probeLatencies(memoryProbe, 400))
    }
    const p = (xs: Array<number>, q: number) => Number(quantile(xs, q).toFixed(1))
    return {
      roundTripsPerClosedCall: (after.callerRoundTrips - before.callerRoundTrips) / calls,
      closedCallsMeasured: calls,
      flushesPerSecond: Number(((after.flushes - before.flushes) / seconds).toFixed(1)),
      probeAdmitRoundTrips: rtAtAdmission - rtBefore,
      probeRedisP50Us: p(redisLat, 0.5),
      probeRedisP99Us: p(redisLat, 0.99),
      probeMemoryP50Us: p(memLat, 0.5),
      probeMemoryP99Us: p(memLat, 0.99),
      probeAddedP50Us: Number((quantile(redisLat, 0.5) - quantile(memLat, 0.5)).toFixed(1)),
      probeAddedP99Us: Number((quantile(redisLat, 0.99) - quantile(memLat, 0.99)).toFixed(1))
    }
  }
  return {
    url: server.url,
    cases,
    extras,
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
