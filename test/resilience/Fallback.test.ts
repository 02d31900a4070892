import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Option, TestClock } from "effect"
import { InvalidOptionError } from "effect-breaker"
import { BadRequest, counted, Fallback, Unavailable } from "./lib.js"

const down = Effect.fail(new Unavailable({}))

describe("Fallback", () => {
  it.effect("the primary serves when it succeeds; a named value when it fails", () =>
    Effect.gen(function*() {
      const ok = yield* Fallback.serve(Effect.succeed("live"), { fallback: [Fallback.value("canned", "static")] })
      assert.deepStrictEqual(ok, { value: "live", servedBy: { _tag: "Primary" } })
      const fb = yield* Fallback.serve(down, { fallback: [Fallback.value("canned", "static")] })
      assert.deepStrictEqual(fb, { value: "canned", servedBy: { _tag: "Fallback", name: "static" } })
    }))

  it.effect("a chain: the first alternative that succeeds answers; the effect gets the primary's error", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const served = yield* down.pipe(
        Fallback.serve({
          fallback: [
            Fallback.effect("secondary", (e: Unavailable) => {
              seen.push(e._tag)
              return Effect.fail(new Unavailable({}))
            }),
            Fallback.effect("tertiary", Effect.succeed(42)),
            Fallback.value(0, "never")
          ]
        })
      )
      assert.deepStrictEqual(served, { value: 42, servedBy: { _tag: "Fallback", name: "tertiary" } })
      assert.deepStrictEqual(seen, ["Unavailable"])
    }))

  it.effect("when every alternative fails, the most recent error is returned", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(down.pipe(
        Fallback.orElse({ fallback: [Fallback.effect("secondary", Effect.fail(new BadRequest()))] })
      ))
      assert.strictEqual(error._tag, "BadRequest")
    }))

  it.effect("`when` decides which errors fall back; defects never do", () =>
    Effect.gen(function*() {
      const options = {
        fallback: [Fallback.value("canned")],
        when: (e: Unavailable | BadRequest) => e._tag === "Unavailable"
      }
      const bad = yield* Effect.flip(Fallback.orElse(Effect.fail(new BadRequest()) as Effect.Effect<string, Unavailable | BadRequest>, options))
      assert.strictEqual(bad._tag, "BadRequest")
      assert.strictEqual(yield* Fallback.orElse(down as Effect.Effect<string, Unavailable | BadRequest>, options), "canned")
      const defect = yield* Effect.exit(Fallback.orElse(Effect.die("bug"), { fallback: [Fallback.value("canned")] }))
      assert.isTrue(Exit.isFailure(defect) && Exit.causeOption(defect).pipe(Option.isSome))
    }))

  it.effect("last-good cache: filled by primary successes, served with its age, a miss when too old", () =>
    Effect.gen(function*() {
      const cache = yield* Fallback.makeCache<string>({ maxAge: "1 minute" })
      const dep = yield* counted((n) => n === 1 ? Effect.succeed("answer-1") : Effect.fail(new Unavailable({})))
      const ask = dep.call.pipe(Fallback.serve({ fallback: [Fallback.cached(cache, "q1"), Fallback.value("sorry")] }))
      assert.deepStrictEqual((yield* ask).servedBy, { _tag: "Primary" })
      yield* TestClock.adjust("5 seconds")
      const cached = yield* ask
      assert.strictEqual(cached.value, "answer-1")
      assert.strictEqual(cached.servedBy._tag, "Cache")
      assert.strictEqual(cached.servedBy._tag === "Cache" && Duration.toMillis(cached.servedBy.age), 5_000)
      yield* TestClock.adjust("55 seconds") // now 60 s old: expired
      const stale = yield* ask
      assert.deepStrictEqual(stale, { value: "sorry", servedBy: { _tag: "Fallback", name: "value" } })
      assert.strictEqual(yield* cache.size, 0)
    }))

  it.effect("the cache is keyed by request and bounded (least recently used evicted)", () =>
    Effect.gen(function*() {
      const cache = yield* Fallback.makeCache<number>({ maxAge: "1 hour", capacity: 2 })
      yield* cache.set("a", 1)
      yield* cache.set("b", 2)
      assert.isTrue(Option.isSome(yield* cache.get("a"))) // touch a: b is now the least recently used
      yield* cache.set("c", 3)
      assert.strictEqual(yield* cache.size, 2)
      assert.isTrue(Option.isNone(yield* cache.get("b")))
      assert.deepStrictEqual(Option.map(yield* cache.get("a"), (e) => e.value), Option.some(1))
      assert.deepStrictEqual(Option.map(yield* cache.get("c"), (e) => e.value), Option.some(3))
      const miss = yield* Effect.flip(down.pipe(Fallback.serve({ fallback: [Fallback.cached(cache, "other")] })))
      assert.strictEqual(miss._tag, "Unavailable", "a miss with nothing after it returns the primary's error")
    }))

  it.effect("a fallback annotates the current span; the primary path adds nothing", () =>
    Effect.gen(function*() {
      const attrs = (self: Effect.Effect<unknown, unknown>) =>
        Effect.flatMap(Effect.ignore(self), () => Effect.map(Effect.currentSpan, (s) => (s as any).attributes as Map<string, unknown>)).pipe(
          Effect.withSpan("call")
        )
      const onFallback = yield* attrs(Fallback.serve(down, { fallback: [Fallback.value("x", "static")] }))
      assert.strictEqual(onFallback.get("fallback.served_by"), "Fallback")
      assert.strictEqual(onFallback.get("fallback.name"), "static")
      assert.strictEqual(onFallback.get("fallback.trigger"), "Unavailable")
      const onPrimary = yield* attrs(Fallback.serve(Effect.succeed(1), { fallback: [Fallback.value(2)] }))
      assert.isFalse(onPrimary.has("fallback.served_by"))
    }))

  it.effect("bad cache options fail with InvalidOptionError", () =>
    Effect.gen(function*() {
      const e1 = yield* Effect.flip(Fallback.makeCache({ maxAge: "-5 seconds" }))
      assert.instanceOf(e1, InvalidOptionError)
      assert.strictEqual(e1.option, "cache.maxAge")
      const e2 = yield* Effect.flip(Fallback.makeCache({ maxAge: "1 minute", capacity: 0 }))
      assert.strictEqual(e2.option, "cache.capacity")
      assert.strictEqual(e2.value, "0")
    }))
})
