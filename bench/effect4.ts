/**
 * Effect 4.1's own keyed CircuitBreaker (`effect4/persistence`, installed under
 * the npm alias `effect4`), for the side-by-side lines of the benchmark: its
 * memory store's closed path and rejection, and (when a redis-server runs) its
 * Redis store's closed path: two Lua round trips per call, admit and record.
 */
import { Effect, Exit, Layer, ManagedRuntime } from "effect4"
import { CircuitBreaker, Redis } from "effect4/persistence"
import { Redis as IoRedis } from "ioredis"
import type { Case } from "./harness.js"

const succeed = Effect.succeed(1)
const fail = Effect.fail("boom")

/** A loop of n steps in one Effect 4 fiber (the same shape as the harness's `fiberLoop`). */
const loop4 = (runtime: ManagedRuntime.ManagedRuntime<any, any>, step: () => Effect.Effect<unknown, unknown, any>) =>
(n: number): Promise<void> =>
  runtime.runPromise(Effect.gen(function*() {
    for (let i = 0; i < n; i++) yield* step()
  }) as Effect.Effect<void, never, any>)

/** Effect 4's `Redis` service over ioredis (its CircuitBreaker uses `send` and `eval`). */
const ioredisLayer = (url: string) =>
  Layer.effect(
    Redis.Redis,
    Effect.gen(function*() {
      const client = new IoRedis(url)
      yield* Effect.addFinalizer(() => Effect.promise(() => client.quit()))
      const send = <A>(command: string, ...args: ReadonlyArray<string>) =>
        Effect.tryPromise({
          try: () => client.call(command, ...args) as Promise<A>,
          catch: (cause) => new Redis.RedisError({ cause })
        })
      return yield* Redis.make({
        send,
        subscribe: () => Effect.succeed(Effect.void),
        connect: Effect.succeed({ send, close: Effect.void })
      })
    })
  )

/** The Effect 4.1 cases, and a release for what they hold. */
export const effect4Cases = async (
  n: number,
  redisUrl: string | undefined
): Promise<{ readonly cases: ReadonlyArray<Case>; readonly close: () => Promise<void> }> => {
  const memory = ManagedRuntime.make(CircuitBreaker.layerStoreMemory())
  const make = (runtime: ManagedRuntime.ManagedRuntime<any, any>, trip: number) =>
    runtime.runPromise(Effect.scoped(Effect.gen(function*() {
      return yield* CircuitBreaker.make({ tripPolicy: CircuitBreaker.consecutive(trip), openDuration: "1 hour" })
    })) as Effect.Effect<CircuitBreaker.CircuitBreaker, never, any>)
  const closed = await make(memory, 5)
  const open = await make(memory, 1)
  await memory.runPromise(Effect.exit(fail.pipe(open.execute({ key: "open" }))))
  const rejected = await memory.runPromise(Effect.exit(succeed.pipe(open.execute({ key: "open" }))))
  if (!Exit.isFailure(rejected)) throw new Error("sanity: Effect 4's breaker did not open")
  const cases: Array<Case> = [
    {
      key: "effect4ClosedNs",
      label: "Effect 4.1 CircuitBreaker closed, memory store",
      includes: "succeed(1).pipe(breaker.execute({ key })) in an Effect 4 fiber loop",
      n: n / 10,
      run: loop4(memory, () => succeed.pipe(closed.execute({ key: "closed" })))
    },
    {
      key: "effect4RejectNs",
      label: "Effect 4.1 CircuitBreaker rejection, memory store",
      includes: "Effect.exit(..) of a call on an open key: CircuitBreakerError(CircuitOpen)",
      n: n / 10,
      run: loop4(memory, () => Effect.exit(succeed.pipe(open.execute({ key: "open" }))))
    }
  ]
  let redis: ManagedRuntime.ManagedRuntime<any, any> | undefined
  if (redisUrl !== undefined) {
    redis = ManagedRuntime.make(
      CircuitBreaker.layerStoreRedis({ prefix: "effect4-bench:" }).pipe(Layer.provide(ioredisLayer(redisUrl)))
    )
    const redisClosed = await make(redis, 5)
    const ok = await redis.runPromise(succeed.pipe(redisClosed.execute({ key: "closed" })))
    if (ok !== 1) throw new Error("sanity: Effect 4's Redis breaker did not pass a call")
    cases.push({
      key: "effect4RedisClosedNs",
      label: "Effect 4.1 CircuitBreaker closed, Redis store",
      includes: "same, Redis store: admit + record, two Lua round trips per call (loopback)",
      n: n / 100,
      run: loop4(redis, () => succeed.pipe(redisClosed.execute({ key: "closed" })))
    })
  }
  return {
    cases,
    close: async () => {
      await memory.dispose()
      if (redis !== undefined) await redis.dispose()
    }
  }
}
