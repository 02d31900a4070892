/**
 * The Redis store's options as a Schema, decoded once when the layer is built
 * with the one option mechanism (`settings/options.ts`): a bad option is an
 * `InvalidOptionError` naming its path (`redis.flushInterval`) and its value,
 * except the connection options (`url`, `client`, `redis`, or the whole options
 * given as a string): they may hold a password, so only what was expected is
 * said, never the value.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { InvalidOptionError } from "../errors.js"
import * as O from "../settings/options.js"
import * as S from "../settings/schema.js"
import type { Options } from "./layer.js"

const isObject = (u: unknown): u is object => typeof u === "object" && u !== null && !Array.isArray(u)

const OptionsSchema = S.expecting(
  Schema.Struct({
    client: O.optional(O.guarded(
      (u): u is object => isObject(u) && typeof (u as { duplicate?: unknown }).duplicate === "function",
      "an ioredis client (new Redis(...))"
    )),
    url: O.optional(S.expecting(Schema.String.pipe(Schema.pattern(/^rediss?:\/\//)), "a redis:// or rediss:// URL")),
    redis: O.optional(O.guarded(isObject, "ioredis options (an object: host, port, password, tls, ...)")),
    prefix: O.optional(O.nonEmpty),
    onStoreError: O.optional(S.expecting(Schema.Literal("local", "allow", "reject"), "\"local\", \"allow\" or \"reject\"")),
    time: O.optional(S.expecting(Schema.Literal("clock", "redis"), "\"clock\" or \"redis\"")),
    flushInterval: O.optional(O.duration(true)),
    resyncInterval: O.optional(O.duration(true)),
    commandTimeout: O.optional(O.duration(true)),
    connectTimeout: O.optional(O.duration(true)),
    keyTtl: O.optional(O.duration(true))
  }),
  "an options object ({ url: \"redis://...\" }, { client }, ...)"
)

/** The options the store runs on, defaults applied, durations in millis. @internal */
export interface Resolved {
  readonly prefix: string
  readonly onStoreError: "local" | "allow" | "reject"
  readonly redisTime: boolean
  readonly flushIntervalMs: number
  readonly resyncIntervalMs: number
  readonly commandTimeoutMs: number
  readonly connectTimeoutMs: number
  readonly ttlMs: number
}

// decoded by OptionsSchema first: a given duration is a finite DurationInput
const millis = (value: unknown, fallback: number): number => value === undefined ? fallback : S.toMillis(value)!

/** Decodes the options (option paths start with `redis`); the connection options are never echoed. @internal */
export const decode = (options: Options | undefined): Effect.Effect<Resolved, InvalidOptionError> =>
  Effect.map(O.checkSecret(OptionsSchema, options === undefined ? {} : options, ["url", "client", "redis"], "redis"), (o) => ({
    prefix: o.prefix ?? "effect-breaker:",
    onStoreError: o.onStoreError ?? "local",
    redisTime: o.time === "redis",
    flushIntervalMs: millis(o.flushInterval, 100),
    resyncIntervalMs: millis(o.resyncInterval, 1_000),
    commandTimeoutMs: millis(o.commandTimeout, 1_000),
    connectTimeoutMs: millis(o.connectTimeout, 2_000),
    ttlMs: millis(o.keyTtl, 24 * 3_600_000)
  }))
