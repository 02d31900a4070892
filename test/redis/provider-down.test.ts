import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect, type Scope, TestClock } from "effect"
import { CircuitBreaker, TripPolicy } from "effect-breaker"
import type { RedisServer } from "effect-breaker/testing"
import { downProvider, replica, startServer, uniquePrefix } from "./support.js"

let server: RedisServer.RedisServer
let close: () => Promise<void>
beforeAll(async () => {
  ;({ server, close } = await startServer())
})
afterAll(() => close())

/** The down provider (a real HTTP server on 127.0.0.1 answering 503), for the lifetime of the scope. */
const down: Effect.Effect<{ url: string; requests: () => number }, never, Scope.Scope> = Effect.acquireRelease(
  Effect.promise(downProvider),
  (provider) => Effect.promise(provider.close)
)

const THRESHOLD = 5
const OPENINGS = 5
const CALLS_PER_PHASE = 20

const call = (url: string) =>
  Effect.tryPromise(() => fetch(url, { method: "POST" })).pipe(
    Effect.flatMap((r) => r.ok ? Effect.succeed(r.status) : Effect.fail(`status ${r.status}`))
  )

/**
 * Three replicas, each one caller sending calls one after another, while the
 * provider stays down: a phase of calls, then the open duration passes (TestClock),
 * OPENINGS times. Returns the requests that reached the provider.
 */
const run = (breakers: ReadonlyArray<CircuitBreaker.CircuitBreaker>, provider: { url: string; requests: () => number }) =>
  Effect.gen(function*() {
    for (let phase = 0; phase <= OPENINGS; phase++) {
      yield* Effect.forEach(
        breakers,
        (b) => Effect.repeatN(Effect.exit(b(call(provider.url))), CALLS_PER_PHASE - 1),
        { concurrency: "unbounded", discard: true }
      )
      yield* TestClock.adjust("10 seconds")
    }
    return provider.requests()
  })

const options = {
  name: "provider",
  policy: TripPolicy.consecutiveFailures(THRESHOLD),
  openDuration: "10 seconds",
  halfOpen: { permits: 1 }
} as const

describe("Redis fleet store: three replicas, provider down", () => {
  it.scoped("requests reaching the provider stay within threshold + probes per opening + calls in flight", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const fleetProvider = yield* down
      const fleet = yield* Effect.forEach([0, 1, 2], () =>
        Effect.flatMap(replica(server.url, { prefix }), (ctx) => CircuitBreaker.make(options).pipe(Effect.provide(ctx))))
      const fleetRequests = yield* run(fleet, fleetProvider)

      const localProvider = yield* down
      const local = yield* Effect.forEach([0, 1, 2], () => CircuitBreaker.make(options))
      const localRequests = yield* run(local, localProvider)

      const inFlight = 3 // one caller per replica
      const bound = THRESHOLD + OPENINGS * options.halfOpen.permits + inFlight
      console.log(
        `provider down, 3 replicas x ${(OPENINGS + 1) * CALLS_PER_PHASE} calls, ${OPENINGS} reopenings: ` +
          `${fleetRequests} requests reached the provider with the shared Redis breaker (bound ${bound}), ` +
          `${localRequests} with per-process breakers (${(localRequests / fleetRequests).toFixed(1)}x)`
      )
      assert.isAtMost(fleetRequests, bound)
      assert.strictEqual(localRequests, 3 * (THRESHOLD + OPENINGS))
      assert.isAtLeast(localRequests / fleetRequests, 2)
    }))
})
