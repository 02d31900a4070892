/**
 * The breaker's side of the store seam: every way of making breakers opens its
 * circuit in the store provided; a store that decides admission with an effect,
 * awaits a failure's flush, pushes transitions in from outside, or fails, is
 * handled as `src/internal/store/types.ts` states (never a defect).
 */
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Exit, Fiber, Layer, Logger, Queue, Ref, TestClock } from "effect"
import { BreakerRegistry, CircuitBreaker, CircuitBreakerStore, TripPolicy } from "effect-breaker"
import { HttpBreakers } from "effect-breaker/http"
import { Policy } from "effect-breaker/llm"
import * as core from "../src/internal/core.js"
import { openMemory } from "../src/internal/store/memory.js"
import type { Circuit, CircuitStoreError as StoreError, OpenOptions, Store } from "../src/internal/store/types.js"

class Boom {
  readonly _tag = "Boom"
}

/** The memory store, recording which breakers it opened. */
const recording = (opened: Array<string>): Store => ({
  name: "recording",
  open: (options) => Effect.sync(() => (opened.push(options.config.name), openMemory(options)))
})

const storeError = (operation: StoreError["operation"]) =>
  new CircuitBreakerStore.CircuitStoreError({ store: "fake", breaker: "b", operation, detail: "connection refused" })

/**
 * A fleet-like store over a memory mirror: half-open admission goes "remote"
 * (an effect that can be made to fail), a failure's record returns an effect,
 * and `push` applies a transition decided elsewhere.
 */
const fleetLike = (policy: CircuitBreakerStore.StoreErrorPolicy, remoteFails: Ref.Ref<boolean>, flushed: Array<string>) => {
  let last: { circuit: Circuit; options: OpenOptions } | undefined
  const store: Store = {
    name: "fleet-like",
    open: (options) =>
      Effect.sync(() => {
        const mirror = openMemory(options)
        const s = mirror.state
        const circuit: Circuit = {
          state: s,
          onStoreError: policy,
          exactTime: true,
          admit: (now) =>
            (s.tag === "Open" && now >= s.openUntil) || s.tag === "HalfOpen" ? core.Remote : core.admit(s, now),
          admitRemote: (now) =>
            Effect.flatMap(Ref.get(remoteFails), (fails) => {
              if (fails) return Effect.fail(storeError("admit"))
              const decision = core.admit(s, now)
              return Effect.succeed({
                decision: decision as core.Decision,
                admittedIn: s.tag,
                generation: s.generation,
                slot: s.outSlot,
                ticket: s.outTicket,
                retryAfterMs: s.outRetryAfterMs,
                transition: s.outTransition
              })
            }),
          record: (now, generation, outcome, durationMs, retryAfterMs) => {
            core.record(s, now, generation, outcome, durationMs, retryAfterMs)
            if (outcome !== core.OFailure) return undefined
            return Effect.flatMap(Ref.get(remoteFails), (fails) =>
              fails ? Effect.fail(storeError("record")) : Effect.sync(() => void flushed.push(`failure@${now}`)))
          },
          recordProbe: (...args) => mirror.recordProbe(...args),
          control: (action, now) => {
            core.control(s, action, now)
            return Effect.flatMap(Ref.get(remoteFails), (fails) => fails ? Effect.fail(storeError("control")) : Effect.void)
          },
          export: (now) => mirror.export(now)
        }
        last = { circuit, options }
        return circuit
      })
  }
  /** Applies a transition decided by "another replica" and reports it, as a fleet store does. */
  const push = (t: core.RemoteTransition) =>
    Effect.sync(() => {
      const { circuit, options } = last!
      core.applyRemote(circuit.state, t)
      if (circuit.state.outTransition !== undefined) options.onTransition(circuit.state.outTransition)
    })
  return { layer: CircuitBreakerStore.layerStore(store), push }
}

const captureLogs = (lines: Array<string>) =>
  Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => void lines.push(String(message))))

describe("every way of making breakers goes through the provided store", () => {
  it.effect("make, layer, the registry, HttpBreakers, the LLM policy", () =>
    Effect.gen(function*() {
      const opened: Array<string> = []
      yield* Effect.gen(function*() {
        yield* CircuitBreaker.make({ name: "made" })
        yield* BreakerRegistry.make({ breakers: { "from-registry": {} } })
        const http = yield* HttpBreakers.make()
        yield* http.breakerFor("host.example")
        yield* Policy.make({ provider: "openai", model: "gpt-4o" })
      }).pipe(Effect.provide(CircuitBreakerStore.layerStore(recording(opened))))
      assert.includeMembers(opened, ["made", "from-registry", "http:host.example", "openai/gpt-4o"])
    }))

  it.effect("without a store in the context, the memory store", () =>
    Effect.gen(function*() {
      const store = yield* CircuitBreakerStore.CircuitBreakerStore
      assert.strictEqual(store, CircuitBreakerStore.memory)
    }))
})

describe("a store that decides with effects", () => {
  const options = { name: "fleet", policy: TripPolicy.consecutiveFailures(1), openDuration: "1 second" } as const

  it.effect("half-open admission through admitRemote; a failure's flush runs before the failing call returns", () =>
    Effect.gen(function*() {
      const fails = yield* Ref.make(false)
      const flushed: Array<string> = []
      const fleet = fleetLike("local", fails, flushed)
      yield* Effect.gen(function*() {
        const breaker = yield* CircuitBreaker.make(options)
        yield* TestClock.setTime(10)
        yield* Effect.flip(breaker(Effect.fail(new Boom())))
        assert.deepStrictEqual(flushed, ["failure@10"])
        yield* TestClock.adjust("1 second")
        assert.strictEqual(yield* breaker(Effect.succeed("probe")), "probe")
        assert.strictEqual((yield* breaker.stats).state, "Closed")
      }).pipe(Effect.provide(fleet.layer))
    }))

  it.effect("a transition pushed in from outside is applied and reported to subscribers; a stale one is not", () =>
    Effect.gen(function*() {
      const fails = yield* Ref.make(false)
      const fleet = fleetLike("local", fails, [])
      yield* Effect.scoped(Effect.gen(function*() {
        const breaker = yield* CircuitBreaker.make(options)
        const events = yield* breaker.subscribe
        const reason = { _tag: "ConsecutiveFailures", failures: 3, threshold: 3 } as const
        yield* fleet.push({ generation: 5, to: "Open", at: 0, reason, openUntil: 30_000, openings: 1 })
        yield* fleet.push({ generation: 4, to: "Closed", at: 0, reason: { _tag: "Resynced" }, openUntil: undefined, openings: 0 })
        const stats = yield* breaker.stats
        assert.strictEqual(stats.state, "Open")
        assert.strictEqual(stats.generation, 5)
        assert.strictEqual(stats.retryAfterMs, 30_000)
        const error = yield* Effect.flip(breaker(Effect.succeed(1)))
        assert.strictEqual(error.state, "Open")
        const seen = Chunk.toReadonlyArray(yield* Queue.takeAll(events))
        assert.deepStrictEqual(seen.map((t) => [t.from, t.to, t.reason._tag]), [["Closed", "Open", "ConsecutiveFailures"]])
      })).pipe(Effect.provide(fleet.layer))
    }))

  for (const policy of ["local", "allow", "reject"] as const) {
    it.effect(`store down, onStoreError "${policy}": no defect, the policy decides, the error is logged`, () =>
      Effect.gen(function*() {
        const fails = yield* Ref.make(false)
        const fleet = fleetLike(policy, fails, [])
        const logs: Array<string> = []
        yield* Effect.gen(function*() {
          const breaker = yield* CircuitBreaker.make(options)
          yield* Effect.flip(breaker(Effect.fail(new Boom())))
          yield* TestClock.adjust("1 second")
          yield* Ref.set(fails, true)
          const exit = yield* Effect.exit(breaker(Effect.succeed("through")))
          if (policy === "reject") {
            assert.isTrue(Exit.isFailure(exit))
            assert.strictEqual((yield* Effect.flip(exit)).state, "Open")
          } else {
            assert.deepStrictEqual(exit, Exit.succeed("through"))
          }
          // "local" admitted a probe on the local state and recorded it there: the circuit closed locally.
          assert.strictEqual((yield* breaker.stats).state, policy === "local" ? "Closed" : "Open")
          // A failure whose flush fails keeps the caller's own error; manual control still applies locally.
          if (policy === "local") assert.deepStrictEqual(yield* Effect.flip(breaker(Effect.fail(new Boom()))), new Boom())
          yield* breaker.forceOpen
          assert.strictEqual((yield* breaker.stats).state, "ForcedOpen")
        }).pipe(Effect.provide(Layer.merge(fleet.layer, captureLogs(logs))))
        assert.isTrue(logs.some((l) => l.includes("connection refused") && l.includes(`onStoreError=${policy}`)), logs.join("\n"))
      }))
  }

  it.effect("an interrupted caller waiting on a remote admission leaves nothing behind", () =>
    Effect.gen(function*() {
      const fails = yield* Ref.make(false)
      const fleet = fleetLike("local", fails, [])
      yield* Effect.gen(function*() {
        const breaker = yield* CircuitBreaker.make(options)
        yield* Effect.flip(breaker(Effect.fail(new Boom())))
        yield* TestClock.adjust("1 second")
        const probe = yield* Effect.fork(breaker(Effect.never))
        yield* Effect.yieldNow()
        yield* Fiber.interrupt(probe)
        const stats = yield* breaker.stats
        assert.strictEqual(stats.state, "HalfOpen")
        assert.strictEqual(stats.probesInFlight, 0)
      }).pipe(Effect.provide(fleet.layer))
    }))
})
