/**
 * Shared setup of the Redis tests: one real redis-server per test file (on a
 * random loopback port, persistence off), and replicas = separate Redis store
 * layers (own connections, own mirrors) sharing it.
 */
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { RedisStore } from "effect-breaker/redis"
import { RedisServer } from "effect-breaker/testing"
import { Redis } from "ioredis"
import * as Http from "node:http"
import type * as Net from "node:net"

/** Starts the file's redis-server, failing with the install hint when the binary is missing (nothing is skipped). */
export const startServer = async (): Promise<{ server: RedisServer.RedisServer; close: () => Promise<void> }> => {
  if (!RedisServer.available()) {
    throw new Error(`The Redis tests need a real redis-server: ${RedisServer.installHint}`)
  }
  const scope = await Effect.runPromise(Scope.make())
  const server = await Effect.runPromise(Scope.extend(RedisServer.make(), scope))
  return { server, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

/** A replica: its own store layer (own connections and mirrors), built in the current scope. */
export const replica = (
  url: string,
  options: Omit<RedisStore.Options, "url"> = {}
): Effect.Effect<Context.Context<RedisStore.RedisFleet>, never, Scope.Scope> =>
  Layer.build(RedisStore.layer({ url, flushInterval: "20 millis", resyncInterval: "200 millis", ...options })).pipe(
    Effect.orDie
  )

/** The running store of a replica. */
export const fleetOf = (ctx: Context.Context<RedisStore.RedisFleet>) => Context.get(ctx, RedisStore.RedisFleet)

let prefixes = 0
/** A key prefix of its own for each test, so tests in one file never share circuits. */
export const uniquePrefix = (): string => `t${process.pid}-${++prefixes}-${Date.now() % 100000}:`

/** A plain client for asserting on what Redis holds. */
export const inspect = (url: string) =>
  Effect.acquireRelease(
    Effect.sync(() => new Redis(url, { lazyConnect: false })),
    (r) => Effect.promise(() => r.quit().catch(() => {}))
  )

/** Waits (wall clock) until `f` holds: only for propagation checks across connections. */
export const eventually = <E, R>(
  f: Effect.Effect<boolean, E, R>,
  timeoutMs = 2_000
): Effect.Effect<number, E | Error, R> =>
  Effect.gen(function*() {
    const start = Date.now()
    while (!(yield* f)) {
      if (Date.now() - start > timeoutMs) return yield* Effect.fail(new Error(`condition not met within ${timeoutMs} ms`))
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 1)))
    }
    return Date.now() - start
  })

/** A provider that is down: a real HTTP server on 127.0.0.1 answering 503 to everything, counting what reaches it. */
export const downProvider = () =>
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
