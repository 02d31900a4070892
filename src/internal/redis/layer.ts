/**
 * Building the Redis fleet store: options checked once, connections made,
 * background flush/resync started, everything released with the scope.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { InvalidOptionError } from "../errors.js"
import { importPeer, type MissingPeerError } from "../peer.js"
import type { Store } from "../store/types.js"
import type { GateStore } from "../resilience/gateStore.js"
import * as conn from "./connection.js"
import { decode as decodeOptions } from "./options.js"
import { type Counters, Fleet } from "./fleet.js"
import type * as Public from "../../redis/RedisStore.js"

/** The store's options, as `RedisStore.layer` takes them. @internal */
export type Options = Public.Options

/** @internal */
export interface Status extends Counters {
  readonly up: boolean
  readonly breakers: number
}

/** @internal */
export interface RedisStore {
  readonly store: Store
  readonly gateStore: GateStore
  readonly status: Effect.Effect<Status>
  readonly flush: Effect.Effect<void>
  readonly resync: Effect.Effect<void>
}

/** @internal */
export const make = (options: Options = {}): Effect.Effect<RedisStore, InvalidOptionError | MissingPeerError, Scope.Scope> =>
  Effect.gen(function*() {
    const o = yield* decodeOptions(options)
    const clock = yield* Effect.clock
    const runtime = yield* Effect.runtime<never>()
    const fleet = new Fleet(o, clock, runtime)
    // ioredis is an optional peer: loaded here, so a missing one fails the layer with MissingPeerError and its npm line
    const { Redis } = yield* importPeer("effect-breaker/redis", () => import("ioredis"))
    fleet.connection = conn.make(
      Redis,
      { client: options.client, url: options.url, redis: options.redis, commandTimeoutMs: o.commandTimeoutMs },
      [fleet.channel, fleet.gateChannel],
      {
        onReady: () => fleet.ready(),
        onDown: (reason) => fleet.down(reason),
        onMessage: (channel, message) => fleet.message(channel, message)
      }
    )
    yield* Effect.addFinalizer(() =>
      Effect.promise(() =>
        fleet.flushAll().then(() => {
          fleet.closing = true
          return fleet.connection.quit()
        })
      )
    )
    yield* Effect.promise(async () => {
      await conn.connect(fleet.connection, o.connectTimeoutMs)
      // wait for the first reconcile (there is nothing to reconcile yet: it just marks the store up)
      const deadline = Date.now() + o.connectTimeoutMs
      while (!fleet.up && fleet.connection.ready() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2))
    })
    // The background loop runs on the live clock: it is plumbing (like ioredis's reconnect timer), while every time
    // the breakers decide by still comes from the caller's Clock.
    let sinceResync = 0
    yield* Effect.forkScoped(
      Effect.forever(
        Effect.zipRight(
          Effect.sleep(Duration.millis(o.flushIntervalMs)),
          Effect.promise(() => {
            sinceResync += o.flushIntervalMs
            const resync = sinceResync >= o.resyncIntervalMs
            if (resync) sinceResync = 0
            return fleet.flushAll().then(() => (resync ? fleet.resyncAll() : undefined))
          })
        )
      ).pipe(Effect.withClock(Clock.make()), Effect.interruptible)
    )
    const gateStore: GateStore = {
      name: "redis",
      open: (gate, onRemote) =>
        Effect.gen(function*() {
          const listener = { name: gate, onRemote }
          yield* fleet.addGate(listener)
          return {
            close: (key: string, untilMs: number, now: number) => fleet.gateClose(gate, key, untilMs, now),
            open: (key: string) => fleet.gateOpen(gate, key),
            release: () => fleet.removeGate(listener)
          }
        })
    }
    const store: RedisStore = {
      store: { name: "redis", open: (opts) => fleet.open(opts) },
      gateStore,
      status: Effect.sync(() => ({
        ...fleet.counters,
        up: fleet.up,
        breakers: [...fleet.circuits.values()].reduce((n, s) => n + s.size, 0)
      })),
      flush: Effect.promise(() => fleet.settled()),
      resync: Effect.promise(() => fleet.resyncAll())
    }
    return store
  })
