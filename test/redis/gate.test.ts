import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Cause, Duration, Effect, Exit, Option, Ref, TestClock } from "effect"
import { RateLimitGate } from "effect-breaker"
import type { RedisServer } from "effect-breaker/testing"
import { eventually, inspect, replica, startServer, uniquePrefix } from "./support.js"

let server: RedisServer.RedisServer
let close: () => Promise<void>
beforeAll(async () => {
  ;({ server, close } = await startServer())
})
afterAll(() => close())

class RateLimited {
  readonly _tag = "RateLimited"
  constructor(readonly retryAfterSeconds: number) {}
}

/** What the provider said: a 429's retry-after. */
const resetAfter = (exit: Exit.Exit<unknown, unknown>): Duration.DurationInput | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  const error = Cause.failureOption(exit.cause)
  return Option.isSome(error) && error.value instanceof RateLimited ? Duration.seconds(error.value.retryAfterSeconds) : undefined
}

describe("Redis fleet store: the rate-limit gate is shared", () => {
  it.scoped("a 429 seen by one replica holds the other replicas' calls on that key until the reset (TestClock)", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const gates = yield* Effect.forEach([0, 1, 2], () =>
        Effect.flatMap(replica(server.url, { prefix }), (ctx) =>
          RateLimitGate.make({ name: "openai", resetAfter }).pipe(Effect.provide(ctx))))
      const [a, b, c] = gates as [RateLimitGate.RateLimitGate, RateLimitGate.RateLimitGate, RateLimitGate.RateLimitGate]
      const sent = yield* Ref.make(0)
      const send = (answer: Effect.Effect<string, RateLimited>) => Effect.zipRight(Ref.update(sent, (n) => n + 1), answer)

      // replica A hears a 429 with a 30 s reset for gpt-4o
      yield* Effect.flip(a.guard("gpt-4o")(send(Effect.fail(new RateLimited(30)))))
      // B and C hold their calls on that key (the message crosses real pub/sub: polled on the wall clock)
      yield* eventually(Effect.map(b.retryAfter("gpt-4o"), Option.isSome))
      yield* eventually(Effect.map(c.retryAfter("gpt-4o"), Option.isSome))
      const held = yield* Effect.flip(b.guard("gpt-4o")(send(Effect.succeed("sent"))))
      assert.strictEqual((held as any)._tag, "GateClosedError")
      assert.strictEqual(yield* Ref.get(sent), 1, "only A's call reached the provider")
      // other keys are not held
      assert.strictEqual(yield* c.guard("gpt-4o-mini")(send(Effect.succeed("sent"))), "sent")

      yield* TestClock.adjust("29 seconds")
      const stillHeld = yield* Effect.flip(c.guard("gpt-4o")(send(Effect.succeed("sent"))))
      assert.strictEqual((stillHeld as { _tag: string })._tag, "GateClosedError")
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* b.guard("gpt-4o")(send(Effect.succeed("sent"))), "sent")
      assert.strictEqual(yield* c.guard("gpt-4o")(send(Effect.succeed("sent"))), "sent")
    }))

  it.scoped("a replica started after the 429 learns the closed key from Redis; opening a key by hand opens it everywhere", () =>
    Effect.gen(function*() {
      const prefix = uniquePrefix()
      const a = yield* Effect.flatMap(replica(server.url, { prefix }), (ctx) =>
        RateLimitGate.make({ name: "anthropic", resetAfter }).pipe(Effect.provide(ctx)))
      yield* a.closeFor("claude", "1 minute")
      const redis = yield* inspect(server.url)
      yield* eventually(Effect.map(Effect.promise(() => redis.hexists(`${prefix}gate:{anthropic}`, "claude")), (n) => n === 1))
      const late = yield* Effect.flatMap(replica(server.url, { prefix }), (ctx) =>
        RateLimitGate.make({ name: "anthropic", resetAfter }).pipe(Effect.provide(ctx)))
      assert.isTrue(Option.isSome(yield* late.retryAfter("claude")))
      yield* late.open("claude")
      yield* eventually(Effect.map(a.retryAfter("claude"), Option.isNone))
    }))
})
