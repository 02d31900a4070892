/**
 * A fleet: three replicas of a service share one breaker per provider through
 * Redis. Five failures seen anywhere open the circuit everywhere; a force-open
 * on one replica reaches the others; healthy calls never wait for Redis.
 *
 * Each "replica" here is its own `RedisStore.layer` (its own connections and
 * local mirror), as separate processes would be. Point `REDIS_URL` at your
 * Redis, or run it as is: it starts a throwaway redis-server when one is
 * installed.
 *
 * Run it: `npx tsx examples/fleet.ts`
 */
import { Console, Context, Effect, Layer } from "effect"
import { CircuitBreaker, TripPolicy } from "effect-breaker"
import { RedisStore } from "effect-breaker/redis"
import { RedisServer } from "effect-breaker/testing"

class ProviderDown {
  readonly _tag = "ProviderDown"
}

const options: CircuitBreaker.Options = {
  name: "openai",
  policy: TripPolicy.consecutiveFailures(5),
  openDuration: "30 seconds"
}

/** One replica: a Redis store layer of its own, and its breaker for the provider. */
const replica = (url: string) =>
  Effect.gen(function*() {
    const store = yield* Layer.build(RedisStore.layer({ url, onStoreError: "local" }))
    const breaker = yield* CircuitBreaker.make(options).pipe(Effect.provide(store))
    return { breaker, fleet: Context.get(store, RedisStore.RedisFleet) }
  })

/** Polls (on the wall clock) until every replica sees `state`: how long a transition takes to cross pub/sub. */
const allSee = (replicas: ReadonlyArray<{ breaker: CircuitBreaker.CircuitBreaker }>, state: CircuitBreaker.State) =>
  Effect.gen(function*() {
    const start = Date.now()
    for (const r of replicas) {
      while ((yield* r.breaker.stats).state !== state) yield* Effect.sleep("1 millis")
    }
    return Date.now() - start
  })

export const program = (url: string) =>
  Effect.gen(function*() {
    const replicas = yield* Effect.all([replica(url), replica(url), replica(url)])
    const [a, b, c] = replicas
    // Healthy: calls are admitted from each replica's mirror, outcomes flushed in the background.
    for (const r of replicas) yield* r.breaker(Effect.succeed("hello"))
    // The provider goes down: five failures, spread over the replicas, open the shared circuit.
    for (let i = 0; i < 5; i++) yield* Effect.exit(replicas[i % 3]!.breaker(Effect.fail(new ProviderDown())))
    const openedIn = yield* allSee(replicas, "Open")
    const rejected = yield* Effect.flip(c.breaker(Effect.succeed("not sent")))
    yield* Console.log(`after 5 failures across 3 replicas every replica is Open (${openedIn} ms); C: ${rejected.message}`)
    // An operator resets on one replica: it applies to all.
    yield* b.breaker.reset
    const closedIn = yield* allSee(replicas, "Closed")
    yield* Console.log(`reset on B: every replica Closed in ${closedIn} ms`)
    const status = yield* a.fleet.status
    yield* Console.log(`replica A: Redis up ${status.up}, round trips callers waited for ${status.callerRoundTrips}, flushes ${status.flushes}`)
    return { rejected: rejected._tag, opened: true, closed: true }
  }).pipe(Effect.scoped)

/** Uses `REDIS_URL`, or starts a throwaway redis-server (installed?) for the lifetime of the program. */
const main = Effect.gen(function*() {
  const given = process.env["REDIS_URL"]
  if (given !== undefined) return yield* program(given)
  if (!RedisServer.available()) return yield* Console.error(`no REDIS_URL and no redis-server: ${RedisServer.installHint}`)
  const server = yield* RedisServer.make()
  return yield* program(server.url)
}).pipe(Effect.scoped)

if (import.meta.url === `file://${process.argv[1]}`) Effect.runPromise(main).catch((e) => console.error(e))
