/**
 * effect-breaker benchmark: per-call cost of the breaker against a bare Effect
 * step, cockatiel and opossum, in one process; concurrency; heap per breaker.
 *
 * Run on tsc output, never through tsx/esbuild (esbuild's keepNames wraps every
 * closure made per call in `__name(...)`, which doubles the breaker's cost):
 *
 *   tsc -p tsconfig.bench.json && node --expose-gc .bench/bench/breaker.bench.js
 *
 * `BENCH_ONLY=<key>[,<key>]` runs only those timing cases (for `--cpu-prof`);
 * `BENCH_QUICK=1` runs fewer rounds.
 */
import { circuitBreaker, ConsecutiveBreaker, handleAll } from "cockatiel"
import type * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import OpossumBreaker from "opossum"
import { CircuitBreaker, CircuitOpenError, Retry, TripPolicy } from "../src/index.js"
import { effect4Cases } from "./effect4.js"
import { setupFleet } from "./fleet.js"
import { type Case, awaitLoop, awaitRejectLoop, fiberLoop, measure, ns, ratio, settledMemory, table } from "./harness.js"

const quick = process.env["BENCH_QUICK"] === "1"
const only = process.env["BENCH_ONLY"]?.split(",").filter((s) => s.length > 0)
const WARMUP = quick ? 1 : 3
const ROUNDS = quick ? 3 : 9

class BenchError extends Data.TaggedError("BenchError")<{}> {}
const prebuiltError = new BenchError()
const value = 1
const succeed = Effect.succeed(value)
const fail = Effect.fail(prebuiltError)

const floorHandlers = {
  onSuccess: (a: number) => Effect.succeed(a),
  onFailure: (cause: Cause.Cause<never>) => Effect.failCause(cause)
}

const run = <A, E>(effect: Effect.Effect<A, E>): A => Effect.runSync(effect)

// --- breakers (made with the live Clock: the benchmark measures real time) --------------------------------------

const closed = run(CircuitBreaker.make({ name: "closed", policy: TripPolicy.consecutiveFailures(5) }))
const closedTimeWindow = run(CircuitBreaker.make({
  name: "closed-time-window",
  policy: TripPolicy.failureRate({ threshold: 0.5, minimumCalls: 10, window: TripPolicy.lastDuration("10 seconds") })
}))
const closedCountWindow = run(CircuitBreaker.make({
  name: "closed-count-window",
  policy: TripPolicy.failureRate({ threshold: 0.5, minimumCalls: 10, window: TripPolicy.lastCalls(100) })
}))
const open = run(CircuitBreaker.make({ name: "open", policy: TripPolicy.consecutiveFailures(5) }))
run(open.forceOpen)
const concurrent = run(CircuitBreaker.make({ name: "concurrent", policy: TripPolicy.consecutiveFailures(5) }))
// the default retry (3 retries, exponential from 100 ms, jittered), outside the closed breaker
const retry = run(Retry.make({ breaker: closed }))

// --- cockatiel 3.2.1 and opossum 9 -----------------------------------------------------------------------------

const syncValue = () => value
const cockatielClosed = circuitBreaker(handleAll, { halfOpenAfter: 30_000, breaker: new ConsecutiveBreaker(5) })
const cockatielOpen = circuitBreaker(handleAll, { halfOpenAfter: 1e9, breaker: new ConsecutiveBreaker(5) })
// opossum's typings ask for a promise-returning action, but it accepts a plain value (it checks `result.then`):
// both libraries get the same synchronous action.
const opossumAction = syncValue as unknown as () => Promise<number>
const opossumClosed = new OpossumBreaker(opossumAction)
const opossumClosedNoTimeout = new OpossumBreaker(opossumAction, { timeout: false })
const opossumOpen = new OpossumBreaker(opossumAction)
opossumOpen.open()

const promiseError = new Error("prebuilt")

// --- concurrency ------------------------------------------------------------------------------------------------

const CONCURRENT = 10_000
const items = Array.from({ length: CONCURRENT }, (_, i) => i)
const yielding = Effect.zipRight(Effect.yieldNow(), succeed)
const batches = (make: () => Effect.Effect<unknown, unknown>) => (n: number): Promise<void> =>
  Effect.runPromise(
    Effect.gen(function*() {
      for (let b = 0; b < n / CONCURRENT; b++) yield* make()
    })
  )
const concBare = () => Effect.forEach(items, () => succeed, { concurrency: "unbounded", discard: true })
const concBreaker = () => Effect.forEach(items, () => concurrent(succeed), { concurrency: "unbounded", discard: true })
const concBareYield = () => Effect.forEach(items, () => yielding, { concurrency: "unbounded", discard: true })
const concBreakerYield = () =>
  Effect.forEach(items, () => concurrent(yielding), { concurrency: "unbounded", discard: true })

// --- the cases ---------------------------------------------------------------------------------------------------

const N = 200_000
const cases: ReadonlyArray<Case> = [
  {
    key: "bareStepNs",
    label: "Effect: bare step",
    includes: "yield* Effect.succeed(1) in one fiber's loop",
    n: N,
    run: fiberLoop(() => succeed)
  },
  {
    key: "closedNs",
    label: "effect-breaker closed, consecutive(5)",
    includes: "yield* breaker(Effect.succeed(1)): wrap + admit + run + record",
    n: N,
    run: fiberLoop(() => closed(succeed))
  },
  {
    key: "closedTimeWindowNs",
    label: "effect-breaker closed, failureRate 10 s window",
    includes: "same, plus two clock reads and a bucketed time window",
    n: N,
    run: fiberLoop(() => closedTimeWindow(succeed))
  },
  {
    key: "closedCountWindowNs",
    label: "effect-breaker closed, failureRate last 100",
    includes: "same, count window of 100 calls (no clock read)",
    n: N,
    run: fiberLoop(() => closedCountWindow(succeed))
  },
  {
    key: "retryClosedNs",
    label: "effect-breaker retry(breaker), success path",
    includes: "yield* retry(breaker(Effect.succeed(1))): the retry's cost when nothing fails",
    n: N,
    run: fiberLoop(() => retry(closed(succeed)))
  },
  {
    key: "shellFloorNs",
    label: "Effect: suspend + matchCauseEffect, no logic",
    includes: "the breaker's Effect structure with empty handlers: its floor",
    n: N,
    run: fiberLoop(() => Effect.suspend(() => Effect.matchCauseEffect(succeed, floorHandlers)))
  },
  {
    key: "bareFailNs",
    label: "Effect: bare fail step",
    includes: "yield* Effect.exit(Effect.fail(prebuiltError))",
    n: N,
    run: fiberLoop(() => Effect.exit(fail))
  },
  {
    key: "rejectNs",
    label: "effect-breaker rejection (forced open)",
    includes: "yield* Effect.exit(breaker(..)): admit, new CircuitOpenError, fail",
    n: N,
    run: fiberLoop(() => Effect.exit(open(succeed)))
  },
  {
    key: "awaitBaselineNs",
    label: "Promise: bare await",
    includes: "await Promise.resolve(1)",
    n: N,
    run: awaitLoop(() => Promise.resolve(value))
  },
  {
    key: "awaitRejectBaselineNs",
    label: "Promise: bare rejected await",
    includes: "try { await Promise.reject(prebuiltError) } catch {}",
    n: N,
    run: awaitRejectLoop(() => Promise.reject(promiseError))
  },
  {
    key: "cockatielClosedNs",
    label: "cockatiel closed, Consecutive(5)",
    includes: "await policy.execute(() => 1)",
    n: N,
    run: awaitLoop(() => cockatielClosed.execute(syncValue))
  },
  {
    key: "cockatielRejectNs",
    label: "cockatiel rejection",
    includes: "await execute(..) rejecting with new BrokenCircuitError (stack)",
    n: N / 4,
    run: awaitRejectLoop(() => cockatielOpen.execute(syncValue))
  },
  {
    key: "opossumClosedNs",
    label: "opossum closed, defaults",
    includes: "await breaker.fire(): emits events, 10 s timeout timer per call",
    n: N / 4,
    run: awaitLoop(() => opossumClosed.fire())
  },
  {
    key: "opossumClosedNoTimeoutNs",
    label: "opossum closed, timeout: false",
    includes: "await breaker.fire() without the timer",
    n: N / 4,
    run: awaitLoop(() => opossumClosedNoTimeout.fire())
  },
  {
    key: "opossumRejectNs",
    label: "opossum rejection (breaker.open())",
    includes: "await fire() rejecting with new Error (stack) + reject event",
    n: N / 4,
    run: awaitRejectLoop(() => opossumOpen.fire())
  },
  {
    key: "concBareNs",
    label: "Effect: forEach 10,000 unbounded",
    includes: "per call: fork + join of Effect.succeed(1)",
    n: CONCURRENT,
    run: batches(concBare)
  },
  {
    key: "concBreakerNs",
    label: "effect-breaker: forEach 10,000 unbounded",
    includes: "same, each call through one shared breaker",
    n: CONCURRENT,
    run: batches(concBreaker)
  },
  {
    key: "concBareYieldNs",
    label: "Effect: forEach 10,000 unbounded, yielding",
    includes: "per call: fork, yieldNow, succeed (all 10,000 in flight)",
    n: CONCURRENT,
    run: batches(concBareYield)
  },
  {
    key: "concBreakerYieldNs",
    label: "effect-breaker: forEach 10,000, yielding",
    includes: "same, all 10,000 admitted before any records",
    n: CONCURRENT,
    run: batches(concBreakerYield)
  }
]

// --- sanity: each case does what its label says (a benchmark of the wrong thing is worse than none) --------------

const sanity = async (): Promise<void> => {
  const rejected = run(Effect.exit(open(succeed)))
  if (!(Exit.isFailure(rejected) && rejected.cause._tag === "Fail" && rejected.cause.error instanceof CircuitOpenError)) {
    throw new Error("sanity: the forced-open breaker did not reject with CircuitOpenError")
  }
  for (let i = 0; i < 5; i++) await cockatielOpen.execute(() => { throw promiseError }).catch(() => undefined)
  const cockatielError = await cockatielOpen.execute(syncValue).then(() => undefined, (e: unknown) => e)
  if (!(cockatielError instanceof Error && cockatielError.constructor.name === "BrokenCircuitError")) {
    throw new Error(`sanity: cockatiel did not open (${String(cockatielError)})`)
  }
  const opossumError = await opossumOpen.fire().then(() => undefined, (e: unknown) => e)
  if (!(opossumError instanceof Error && (opossumError as { code?: string }).code === "EOPENBREAKER")) {
    throw new Error(`sanity: opossum did not reject (${String(opossumError)})`)
  }
}

const checkCounted = (): void => {
  for (const [b, label] of [[closed, "closed"], [closedTimeWindow, "time window"], [concurrent, "concurrent"]] as const) {
    const s = run(b.stats)
    if (s.state !== "Closed") throw new Error(`sanity: ${label} breaker is ${s.state}`)
  }
  const tw = run(closedTimeWindow.stats)
  if (tw.calls === 0) throw new Error("sanity: the time-window breaker recorded nothing")
  const rejected = run(open.stats).rejected
  if (rejected === 0) throw new Error("sanity: the open breaker counted no rejections")
}

// --- memory -----------------------------------------------------------------------------------------------------

const BREAKERS = 10_000
const heapPerBreaker = (make: () => unknown): { readonly heap: number; readonly external: number } => {
  const keep: Array<unknown> = []
  const before = settledMemory()
  for (let i = 0; i < BREAKERS; i++) keep.push(make())
  const after = settledMemory()
  if (keep.length !== BREAKERS) throw new Error("unreachable")
  return { heap: (after.heap - before.heap) / BREAKERS, external: (after.external - before.external) / BREAKERS }
}

const CALLS = 1_000_000
const heapOverCalls = async () => {
  const breaker = run(CircuitBreaker.make({
    name: "flat",
    policy: TripPolicy.failureRate({ threshold: 0.5, minimumCalls: 10, window: TripPolicy.lastCalls(100) })
  }))
  // One call in ten fails: the window fills and turns over, the circuit stays closed.
  const loop = (n: number) =>
    Effect.runPromise(Effect.gen(function*() {
      for (let i = 0; i < n; i++) yield* Effect.exit(breaker(i % 10 === 0 ? fail : succeed))
    }))
  await loop(10_000) // warm
  const before = settledMemory()
  await loop(CALLS)
  const after = settledMemory()
  const stats = run(breaker.stats)
  if (stats.state !== "Closed" || stats.calls !== 100 || stats.failures !== 10) {
    throw new Error(`sanity: unexpected window after ${CALLS} calls: ${JSON.stringify(stats)}`)
  }
  return { before, after }
}

// --- main -------------------------------------------------------------------------------------------------------

/** Stops what the fleet and Effect 4.1 cases hold (the redis-server, connections) even when a sanity check throws. */
let release: () => Promise<void> = async () => {}

const main = async (): Promise<void> => {
  await sanity()
  // The Redis store (its own redis-server when one is installed) and Effect 4.1's breaker, measured in the same rounds.
  const fleet = await setupFleet(N)
  const effect4 = await effect4Cases(N, fleet.url)
  let released = false
  release = async () => {
    if (released) return
    released = true
    await fleet.close()
    await effect4.close()
  }
  // Right after the memory store's closed case in each round (same conditions: not after the allocation-heavy
  // concurrency cases, whose garbage the next case pays for), and before the time-window case, whose sanity check
  // below needs its last calls within its 10 s window.
  const at = cases.findIndex((c) => c.key === "closedNs") + 1
  const all = [...cases.slice(0, at), ...fleet.cases, ...effect4.cases, ...cases.slice(at)]
  const selected = only === undefined ? all : all.filter((c) => only.includes(c.key))
  const t0 = Date.now()
  const results = await measure(selected, { warmup: WARMUP, rounds: only === undefined ? ROUNDS : ROUNDS * 4 })
  opossumClosed.shutdown()
  opossumClosedNoTimeout.shutdown()
  opossumOpen.shutdown()
  if (only !== undefined) {
    for (const c of selected) {
      const r = results.get(c.key)!
      console.log(`${c.key}: cpu ${ns(r.cpu)} ns, wall ${ns(r.wall)} ns`)
    }
    await release()
    return
  }
  checkCounted()
  const fleetExtras = await fleet.extras()
  await release()
  const m = (k: string) => results.get(k)!.cpu
  const w = (k: string) => results.get(k)!.wall
  const baselineOf: Record<string, string> = {
    closedNs: "bareStepNs",
    closedTimeWindowNs: "bareStepNs",
    closedCountWindowNs: "bareStepNs",
    retryClosedNs: "closedNs",
    shellFloorNs: "bareStepNs",
    rejectNs: "bareFailNs",
    cockatielClosedNs: "awaitBaselineNs",
    opossumClosedNs: "awaitBaselineNs",
    opossumClosedNoTimeoutNs: "awaitBaselineNs",
    cockatielRejectNs: "awaitRejectBaselineNs",
    opossumRejectNs: "awaitRejectBaselineNs",
    concBreakerNs: "concBareNs",
    concBreakerYieldNs: "concBareYieldNs",
    memoryClosedChunkedNs: "closedNs",
    redisClosedNs: "memoryClosedChunkedNs",
    effect4ClosedNs: "closedNs",
    effect4RejectNs: "rejectNs",
    effect4RedisClosedNs: "redisClosedNs"
  }
  const rows = selected.map((c) => {
    const base = baselineOf[c.key]
    const med = m(c.key)
    return [
      c.label,
      ns(med),
      ns(w(c.key)),
      base === undefined ? "baseline" : ratio(med, m(base)),
      base === undefined ? "" : ns(med - m(base)),
      c.includes
    ]
  })
  console.log(`\neffect-breaker bench: node ${process.version}, ${WARMUP} warm-up + ${ROUNDS} rounds, median ns per call\n(cpu = this process's CPU time per call, the figure compared; wall = elapsed time, noisier on a shared machine)\n`)
  console.log(table(["case", "cpu ns", "wall ns", "vs baseline", "+ns", "one call includes"], rows))
  console.log(`\nversus the promise libraries (same process):`)
  console.log(
    table(["comparison", "ratio", "", "", ""], [
      ["cockatiel closed / effect-breaker closed", ratio(m("cockatielClosedNs"), m("closedNs")), "", "", ""],
      ["opossum closed / effect-breaker closed", ratio(m("opossumClosedNs"), m("closedNs")), "", "", ""],
      ["cockatiel rejection / effect-breaker rejection", ratio(m("cockatielRejectNs"), m("rejectNs")), "", "", ""],
      ["opossum rejection / effect-breaker rejection", ratio(m("opossumRejectNs"), m("rejectNs")), "", "", ""]
    ].map((r) => r.slice(0, 2)))
  )

  const has = (k: string) => results.has(k)
  console.log(`\nshared state in Redis, and Effect 4.1's own breaker (same process, same rounds):`)
  console.log(table(["comparison", "value"], [
    ...(has("redisClosedNs")
      ? [
        ["closed path, Redis store / memory store (same loop)", ratio(m("redisClosedNs"), m("memoryClosedChunkedNs"))],
        ["closed path, Redis store / memory store's closedNs (plain loop)", ratio(m("redisClosedNs"), m("closedNs"))],
        ["Redis round trips a closed call waits for", `${fleetExtras!.roundTripsPerClosedCall} (over ${ns(fleetExtras!.closedCallsMeasured)} calls)`],
        ["background flushes per second, one replica", `${fleetExtras!.flushesPerSecond}`],
        ["Redis round trips of a probe admission", `${fleetExtras!.probeAdmitRoundTrips}`],
        [
          "probe admission, Redis store, p50 / p99 (loopback)",
          `${fleetExtras!.probeRedisP50Us} / ${fleetExtras!.probeRedisP99Us} µs`
        ],
        ["probe admission, memory store, p50 / p99", `${fleetExtras!.probeMemoryP50Us} / ${fleetExtras!.probeMemoryP99Us} µs`],
        ["added by Redis, p50 / p99", `${fleetExtras!.probeAddedP50Us} / ${fleetExtras!.probeAddedP99Us} µs`]
      ]
      : [["Redis store", "not measured: no redis-server"]]),
    ["Effect 4.1 closed (memory store) / effect-breaker closed", ratio(m("effect4ClosedNs"), m("closedNs"))],
    ["Effect 4.1 rejection (memory store) / effect-breaker rejection", ratio(m("effect4RejectNs"), m("rejectNs"))],
    ...(has("effect4RedisClosedNs")
      ? [[
        "Effect 4.1 closed, Redis store (2 round trips per call) / effect-breaker closed, Redis store",
        ratio(m("effect4RedisClosedNs"), m("redisClosedNs"))
      ]]
      : [])
  ]))

  const perBreaker = heapPerBreaker(() =>
    run(CircuitBreaker.make({
      name: "many",
      policy: TripPolicy.failureRate({ threshold: 0.5, minimumCalls: 10, window: TripPolicy.lastCalls(100) })
    }))
  )
  const perConsecutive = heapPerBreaker(() => run(CircuitBreaker.make({ name: "many" })))
  const flat = await heapOverCalls()
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KiB`
  console.log(`\nmemory (after global.gc()):`)
  console.log(table(["measure", "heap", "off-heap (ArrayBuffers)", "total"], [
    [
      `per breaker, failureRate lastCalls(100), ${BREAKERS.toLocaleString("en-US")} made`,
      `${ns(perBreaker.heap)} B`,
      `${ns(perBreaker.external)} B`,
      `${ns(perBreaker.heap + perBreaker.external)} B`
    ],
    [
      `per breaker, consecutiveFailures(5), ${BREAKERS.toLocaleString("en-US")} made`,
      `${ns(perConsecutive.heap)} B`,
      `${ns(perConsecutive.external)} B`,
      `${ns(perConsecutive.heap + perConsecutive.external)} B`
    ],
    [`one breaker, heap before ${CALLS.toLocaleString("en-US")} calls`, kb(flat.before.heap), kb(flat.before.external), ""],
    [`one breaker, heap after ${CALLS.toLocaleString("en-US")} calls`, kb(flat.after.heap), kb(flat.after.external), ""],
    [
      "growth over those calls",
      `${ns(flat.after.heap - flat.before.heap)} B`,
      `${ns(flat.after.external - flat.before.external)} B`,
      `${((flat.after.heap + flat.after.external - flat.before.heap - flat.before.external) / CALLS).toFixed(4)} B/call`
    ]
  ]))
  console.log(`\n(${((Date.now() - t0) / 1000).toFixed(1)} s)`)

  const concurrentRatio = m("concBreakerNs") / m("concBareNs")
  const json = {
    bareStepNs: Math.round(m("bareStepNs")),
    closedNs: Math.round(m("closedNs")),
    closedTimeWindowNs: Math.round(m("closedTimeWindowNs")),
    rejectNs: Math.round(m("rejectNs")),
    retryClosedNs: Math.round(m("retryClosedNs")),
    retrySuccessOverheadNs: Math.round(m("retryClosedNs") - m("closedNs")),
    cockatielClosedNs: Math.round(m("cockatielClosedNs")),
    cockatielRejectNs: Math.round(m("cockatielRejectNs")),
    opossumClosedNs: Math.round(m("opossumClosedNs")),
    opossumRejectNs: Math.round(m("opossumRejectNs")),
    concurrentRatio: Number(concurrentRatio.toFixed(3)),
    heapBytesPerBreaker: Math.round(perBreaker.heap + perBreaker.external),
    closedCountWindowNs: Math.round(m("closedCountWindowNs")),
    bareFailNs: Math.round(m("bareFailNs")),
    awaitBaselineNs: Math.round(m("awaitBaselineNs")),
    awaitRejectBaselineNs: Math.round(m("awaitRejectBaselineNs")),
    opossumClosedNoTimeoutNs: Math.round(m("opossumClosedNoTimeoutNs")),
    concurrentYieldingRatio: Number((m("concBreakerYieldNs") / m("concBareYieldNs")).toFixed(3)),
    heapBytesPerBreakerOnHeap: Math.round(perBreaker.heap),
    heapBytesPerConsecutiveBreaker: Math.round(perConsecutive.heap + perConsecutive.external),
    shellFloorNs: Math.round(m("shellFloorNs")),
    wallClosedNs: Math.round(w("closedNs")),
    wallRejectNs: Math.round(w("rejectNs")),
    timeBase: "process cpu time per call (median of rounds)",
    heapGrowthBytesOver1MCalls: flat.after.heap + flat.after.external - flat.before.heap - flat.before.external,
    redisClosedNs: has("redisClosedNs") ? Math.round(m("redisClosedNs")) : null,
    redisClosedRatio: has("redisClosedNs") ? Number((m("redisClosedNs") / m("memoryClosedChunkedNs")).toFixed(3)) : null,
    redisClosedVsPlainLoopRatio: has("redisClosedNs") ? Number((m("redisClosedNs") / m("closedNs")).toFixed(3)) : null,
    memoryClosedChunkedNs: has("memoryClosedChunkedNs") ? Math.round(m("memoryClosedChunkedNs")) : null,
    redisRoundTripsPerClosedCall: fleetExtras?.roundTripsPerClosedCall ?? null,
    redisFlushesPerSecond: fleetExtras?.flushesPerSecond ?? null,
    probeAdmitRoundTrips: fleetExtras?.probeAdmitRoundTrips ?? null,
    probeAdmitAddedP50Us: fleetExtras?.probeAddedP50Us ?? null,
    probeAdmitAddedP99Us: fleetExtras?.probeAddedP99Us ?? null,
    effect4ClosedNs: Math.round(m("effect4ClosedNs")),
    effect4RejectNs: Math.round(m("effect4RejectNs")),
    effect4RedisClosedNs: has("effect4RedisClosedNs") ? Math.round(m("effect4RedisClosedNs")) : null
  }
  console.log(JSON.stringify(json))
}

main().catch(async (e) => {
  console.error(e)
  process.exitCode = 1
  await release()
})
