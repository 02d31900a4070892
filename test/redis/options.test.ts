import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Config, ConfigProvider, Context, Effect, Layer } from "effect"
import { CircuitBreaker } from "effect-breaker"
import { RedisStore } from "effect-breaker/redis"
import { RedisServer } from "effect-breaker/testing"
import { startServer, uniquePrefix } from "./support.js"

let server: RedisServer.RedisServer
let close: () => Promise<void>
beforeAll(async () => {
  ;({ server, close } = await startServer())
})
afterAll(() => close())

const build = (options: RedisStore.Options) =>
  Effect.flip(Layer.build(RedisStore.layer(options))).pipe(
    Effect.flatMap((e) => (e._tag === "InvalidOptionError" ? Effect.succeed(e) : Effect.die(e)))
  )

describe("Redis fleet store: options", () => {
  it.scoped("a bad option is an InvalidOptionError naming the option and the value; a URL is never echoed", () =>
    Effect.gen(function*() {
      const policy = yield* build({ url: server.url, onStoreError: "ignore" as never })
      assert.strictEqual(policy._tag, "InvalidOptionError")
      assert.strictEqual(policy.option, "redis.onStoreError")
      assert.strictEqual(policy.value, "\"ignore\"")
      const interval = yield* build({ url: server.url, flushInterval: -5 })
      assert.strictEqual(interval.option, "redis.flushInterval")
      assert.strictEqual(interval.value, "-5")
      const url = yield* build({ url: "http://user:hunter2@redis.internal:6379" })
      assert.strictEqual(url.option, "redis.url")
      assert.notInclude(url.message, "hunter2")
      assert.strictEqual(url.value, "<redacted>")
      // a string that is not a redis URL (here a password-bearing host string) is not echoed either
      const bare = yield* build({ url: "user:hunter2@redis.internal:6379" })
      assert.strictEqual(bare.option, "redis.url")
      assert.notInclude(JSON.stringify(bare), "hunter2")
      // a cycle inside the ioredis options is a typed error, still without their content
      const cyclic: Record<string, unknown> = { password: "hunter2" }
      cyclic.self = cyclic
      const cycle = yield* build({ redis: cyclic as never })
      assert.match(cycle.option, /^redis\.redis/)
      assert.notInclude(JSON.stringify(cycle), "hunter2")
      const time = yield* build({ url: server.url, time: "ntp" as never })
      assert.strictEqual(time.option, "redis.time")
      // connection options given where a client is expected: named, never echoed (they may hold the password)
      const client = yield* build({ client: { host: "redis.internal", password: "hunter2" } as never })
      assert.strictEqual(client.option, "redis.client")
      assert.notInclude(JSON.stringify(client), "hunter2")
      // `redis` must be ioredis options: a URL string there is refused (it was silently ignored), not echoed
      const options = yield* build({ redis: "redis://:hunter2@redis.internal:6379" as never })
      assert.strictEqual(options.option, "redis.redis")
      assert.notInclude(JSON.stringify(options), "hunter2")
      const whole = yield* build("redis://:hunter2@redis.internal:6379" as never)
      assert.strictEqual(whole.option, "redis")
      assert.notInclude(JSON.stringify(whole), "hunter2")
    }))

  it.scoped("layerConfig reads the options from Config (e.g. REDIS_URL)", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const ctx = yield* Layer.build(
        RedisStore.layerConfig({ url: Config.string("REDIS_URL"), prefix: Config.succeed(prefix) })
      ).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["REDIS_URL", server.url]]))))
      const breaker = yield* CircuitBreaker.make({ name: "from-config" }).pipe(Effect.provide(ctx))
      assert.strictEqual(yield* breaker(Effect.succeed(1)), 1)
      const status = yield* Context.get(ctx, RedisStore.RedisFleet).status
      assert.isTrue(status.up)
      assert.strictEqual(status.breakers, 1)
    }))

  it.scoped("Redis unreachable at start: the layer still builds (after connectTimeout), breakers run on the policy", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(async () => {
        const net = await import("node:net")
        return new Promise<number>((resolve) => {
          const s = net.createServer().listen(0, "127.0.0.1", () => {
            const p = (s.address() as { port: number }).port
            s.close(() => resolve(p))
          })
        })
      })
      const ctx = yield* Layer.build(RedisStore.layer({ url: `redis://127.0.0.1:${port}`, connectTimeout: "200 millis" }))
      const breaker = yield* CircuitBreaker.make({ name: "nowhere" }).pipe(Effect.provide(ctx))
      assert.strictEqual(yield* breaker(Effect.succeed("local")), "local")
      assert.isFalse((yield* Context.get(ctx, RedisStore.RedisFleet).status).up)
    }))
})
