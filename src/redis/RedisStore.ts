/**
 * Breakers shared by a fleet of replicas through Redis, with no Redis round
 * trip on the healthy path.
 *
 * **Details**
 *
 * Provide {@link layer} where breakers (and rate-limit gates) are made, in
 * every replica, pointing at the same Redis. Each breaker then keeps a local
 * mirror of one shared circuit:
 *
 * - **Closed**: calls are admitted locally; outcomes are buffered and flushed
 *   in the background (successes every `flushInterval`, default 100 ms; a
 *   failure at once, with the successes before it). The shared window and the
 *   trip decision run atomically in Redis (Lua), so the fleet trips after the
 *   fleet-wide threshold, not each replica's.
 * - **Open** rejects locally from the shared `openUntil`. Transitions reach
 *   every replica by pub/sub, plus a resync every `resyncInterval` (default 1 s)
 *   for a lost message or a reconnect.
 * - **Half-open**: permits are fleet-wide leases (one Lua round trip per probe
 *   admission): exactly `halfOpen.permits` probes run across all replicas; a
 *   lease ends after `halfOpen.probeTimeout`, so a replica that dies holding one
 *   does not wedge the circuit.
 * - **Generations** fence outcomes: a call admitted before a transition (on any
 *   replica) changes nothing.
 * - **Manual control** (`forceOpen`, `reset`, `disable`, `metricsOnly`, the admin
 *   API) on any replica applies to all. A `reset` also installs that replica's
 *   configuration when the fleet's shared one differs (a warning is logged).
 * - **Time** comes from the caller's `Clock` (so `TestClock` drives tests):
 *   replicas' clocks must agree to well under the open duration and the probe
 *   timeout (NTP's few milliseconds are fine; a skew of d shifts an opening and
 *   a lease by d as seen by the other replicas). With `time: "redis"` the
 *   scripts use Redis `TIME` instead.
 * - **Rate-limit gates** made under the layer are shared too: a 429 seen by one
 *   replica holds every replica's calls on that key until the reset.
 * - **Redis unreachable** (`onStoreError`): `"local"` (default) keeps a local
 *   breaker per replica, seeded from the shared state last seen, and reconciles
 *   when Redis is back; `"allow"` lets calls through unrecorded; `"reject"`
 *   rejects them with `CircuitOpenError`. Never a defect; reported by the
 *   `effect_breaker_store_up` gauge, `effect_breaker_store_errors` counter and a
 *   warning log. ioredis reconnects by itself; the store resyncs on reconnect.
 *
 * Keys: `<prefix>{<name>}` (a hash, plus one list per count window) and
 * `<prefix>gate:{<gate>}`, expiring after `keyTtl` idle; channels
 * `<prefix>events`, `<prefix>gates`. Standalone Redis or Sentinel, 6.2 or later.
 *
 * **Example**
 *
 * ```ts
 * import { Effect } from "effect"
 * import { CircuitBreaker } from "effect-breaker"
 * import { RedisStore } from "effect-breaker/redis"
 *
 * const program = Effect.gen(function*() {
 *   const breaker = yield* CircuitBreaker.make({ name: "openai" })
 *   return yield* breaker(Effect.succeed("hello"))
 * }).pipe(Effect.provide(RedisStore.layer({ url: "redis://127.0.0.1:6379" })))
 * ```
 *
 * @since 0.2.0
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { Redis, RedisOptions } from "ioredis"
import type { InvalidOptionError } from "../internal/errors.js"
import type { MissingPeerError } from "../internal/peer.js"
import * as internal from "../internal/redis/layer.js"
import { RateLimitGateStore } from "../internal/resilience/gateStore.js"
import { CircuitBreakerStore } from "../internal/store/service.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** An ioredis client to copy the connection settings from (it is duplicated; yours is left alone). */
  readonly client?: Redis | undefined
  /** `redis://[:password@]host:port[/db]` (never logged). */
  readonly url?: string | undefined
  /** ioredis options (host, port, password, tls, sentinels, ...). */
  readonly redis?: RedisOptions | undefined
  /** Key and channel prefix. Default `"effect-breaker:"`. */
  readonly prefix?: string | undefined
  /** What breakers do while Redis is unreachable. Default `"local"`. */
  readonly onStoreError?: "local" | "allow" | "reject" | undefined
  /** Whose clock the shared decisions use: the caller's `Clock` (default) or Redis `TIME`. */
  readonly time?: "clock" | "redis" | undefined
  /** How often buffered successes are flushed. Default 100 ms. */
  readonly flushInterval?: Duration.DurationInput | undefined
  /** How often every breaker rereads its shared state. Default 1 second. */
  readonly resyncInterval?: Duration.DurationInput | undefined
  /** A Redis command slower than this counts as Redis unreachable. Default 1 second. */
  readonly commandTimeout?: Duration.DurationInput | undefined
  /** How long the layer waits for Redis when it starts (then starts on `onStoreError`, and keeps trying). Default 2 seconds. */
  readonly connectTimeout?: Duration.DurationInput | undefined
  /** Idle shared circuits expire after this. Default 1 day. */
  readonly keyTtl?: Duration.DurationInput | undefined
}

/**
 * What this replica has done with Redis.
 *
 * @since 0.2.0
 * @category models
 */
export interface Status extends internal.Status {}

/**
 * A running Redis fleet store.
 *
 * @since 0.2.0
 * @category models
 */
export interface RedisStore {
  /** Whether Redis is reachable, and counts: flushes, round trips callers waited for, resyncs, errors, outages. */
  readonly status: Effect.Effect<Status>
  /** Flushes every buffered outcome now, and waits for every command this replica has in flight. */
  readonly flush: Effect.Effect<void>
  /** Rereads every breaker's shared state now. */
  readonly resync: Effect.Effect<void>
}

/**
 * The running store, provided by {@link layer}.
 *
 * @since 0.2.0
 * @category tags
 */
export class RedisFleet extends Context.Tag("effect-breaker/redis/RedisFleet")<RedisFleet, RedisStore>() {}

/**
 * Connects and starts the store for the lifetime of the scope. Never fails
 * because Redis is down (it starts on `onStoreError` and keeps trying); fails
 * with `InvalidOptionError` on a bad option, and with `MissingPeerError`
 * (naming the `npm install` line) when ioredis is not installed.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make: (
  options?: Options
) => Effect.Effect<RedisStore & internal.RedisStore, InvalidOptionError | MissingPeerError, Scope.Scope> =
  internal.make

/**
 * Every breaker and rate-limit gate made where this layer is provided shares
 * its state through Redis.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  options?: Options
): Layer.Layer<RedisFleet | CircuitBreakerStore | RateLimitGateStore, InvalidOptionError | MissingPeerError> =>
  Layer.scopedContext(Effect.map(internal.make(options), (s) =>
    Context.make(RedisFleet, s).pipe(
      Context.add(CircuitBreakerStore, s.store),
      Context.add(RateLimitGateStore, s.gateStore)
    )))

/**
 * {@link layer} from `Config` (e.g. `Config.string("REDIS_URL")`).
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig = (
  options: Config.Config.Wrap<Omit<Options, "client" | "redis">>
): Layer.Layer<RedisFleet | CircuitBreakerStore | RateLimitGateStore, InvalidOptionError | MissingPeerError | ConfigError.ConfigError> =>
  Layer.unwrapEffect(Effect.map(Config.unwrap(options), (o) => layer(o)))
