/**
 * The outage bound, counted at the server: a provider answering 503 for a
 * (simulated) minute under steady traffic receives at most trip threshold +
 * half-open probes per opening + requests in flight at the trip through the
 * policy, against traffic × (1 + retries) with the breaker disabled.
 *
 * Real sockets to the fake provider, simulated time: the policy is made under
 * the TestClock (no timeout: nothing must fire on real time), the test switches
 * the provider's behaviour at simulated seconds, and retry delays are fired by
 * `settle` moving the TestClock to them.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Queue, TestClock } from "effect"
import { fromHttpClientError } from "effect-breaker/http"
import { Policy } from "effect-breaker/llm"
import { Behavior, FakeProvider } from "effect-breaker/testing"
import { post, settle } from "./policy-support.js"

const KEY = "sk-test-outage0123456789abcdef"
const THRESHOLD = 5
const PERMITS = 1
const RETRIES = 2
const RATE = 3 // concurrent requests per simulated second
const OUTAGE_FROM = 30
const OUTAGE_TO = 90 // a one-minute outage
const END = 150

interface Run {
  readonly duringOutage: number
  readonly total: number
  readonly openings: number
  readonly succeeded: number
  readonly finalState: string
}

/** Steady traffic for END simulated seconds; the provider is down in [OUTAGE_FROM, OUTAGE_TO). */
const drive = (withBreaker: boolean) =>
  Effect.gen(function*() {
    const fake = yield* FakeProvider.make({ flavor: "openai", behavior: Behavior.ok("fine") })
    const policy = yield* Policy.make({
      provider: "openai",
      model: "gpt-4o",
      toProviderError: fromHttpClientError,
      timeout: Duration.infinity,
      breaker: {
        policy: { _tag: "ConsecutiveFailures", threshold: THRESHOLD },
        openDuration: "10 seconds",
        halfOpen: { permits: PERMITS, successesToClose: 1 }
      },
      retry: { times: RETRIES, base: "100 millis", jitter: 0 }
    })
    if (!withBreaker) yield* policy.breaker.disable
    const transitions = yield* policy.breaker.subscribe
    const call = post(fake.url, KEY).pipe(policy, Effect.either)
    let atOutageStart = 0
    let atOutageEnd = 0
    let succeeded = 0
    for (let t = 0; t < END; t++) {
      if (t === OUTAGE_FROM) {
        atOutageStart = yield* fake.requests
        yield* fake.setBehavior(Behavior.unavailable)
      }
      if (t === OUTAGE_TO) {
        atOutageEnd = yield* fake.requests
        yield* fake.setBehavior(Behavior.ok("back"))
      }
      const fiber = yield* Effect.fork(Effect.all(Array.from({ length: RATE }, () => call), { concurrency: "unbounded" }))
      const results = yield* settle(fiber)
      succeeded += results.filter((r) => r._tag === "Right").length
      const now = yield* TestClock.currentTimeMillis
      if ((t + 1) * 1000 > now) yield* TestClock.adjust((t + 1) * 1000 - now)
    }
    const stats = yield* policy.breaker.stats
    const events = yield* Queue.takeAll(transitions)
    return {
      duringOutage: atOutageEnd - atOutageStart,
      total: yield* fake.requests,
      openings: Chunk.toReadonlyArray(events).filter((e) => e.to === "Open").length,
      succeeded,
      finalState: stats.state
    } satisfies Run
  }).pipe(Effect.provide(NodeHttpClient.layerUndici))

describe("outage bound, counted at the fake provider", () => {
  it.scoped("a one-minute 503 outage at 3 req/s: bounded with the breaker, multiplied by retries without", () =>
    Effect.gen(function*() {
      const guarded = yield* drive(true)
      const bare = yield* drive(false)
      const bound = THRESHOLD + guarded.openings * PERMITS + (RATE - 1)
      console.log(
        `[outage-bound] provider down ${OUTAGE_TO - OUTAGE_FROM}s at ${RATE} req/s, ${RETRIES} retries: ` +
          `with breaker ${guarded.duringOutage} requests reached the provider (bound ${bound} = threshold ${THRESHOLD}` +
          ` + ${guarded.openings} openings × ${PERMITS} probe + ${RATE - 1} in flight); without breaker ${bare.duringOutage}`
      )
      const attempts = (OUTAGE_TO - OUTAGE_FROM) * RATE * (1 + RETRIES)
      expect(bare.duringOutage).toBe(attempts)
      expect(guarded.duringOutage).toBeGreaterThanOrEqual(THRESHOLD)
      expect(guarded.duringOutage).toBeLessThanOrEqual(bound)
      // a probe every 10 s of a 60 s outage: about six openings, not one per request
      expect(guarded.openings).toBeGreaterThanOrEqual(5)
      expect(guarded.openings).toBeLessThanOrEqual(8)
      // after the outage the first probe succeeds and the circuit closes: the traffic is served again
      expect(guarded.finalState).toBe("Closed")
      const healthy = (OUTAGE_FROM + (END - OUTAGE_TO)) * RATE
      expect(guarded.succeeded).toBeGreaterThanOrEqual(healthy - 10 * RATE)
      expect(bare.succeeded).toBe(healthy)
    }), { timeout: 60_000 })
})
