/**
 * Round-3 probes: an API key given where another option belongs (a pasted key
 * in `openDuration`, a settings file with the key in the wrong field, a map key
 * that is a key) is not printed back by the error that refuses it.
 * Table: entry point × key shape × rendering (message, String, JSON, Cause.pretty).
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer } from "effect"
import { BreakerRegistry, CircuitBreaker, RateLimitGate, Retry } from "effect-breaker"
import { HttpBreakers } from "effect-breaker/http"

const KEYS = {
  openai: "sk-proj-Abc0123456789defGHIjkl012345",
  anthropic: "sk-ant-api03-Zz0123456789abcdefghijkLMNOP",
  google: "AIzaSyA1234567890abcdefghijklmnopqrstu",
  azure: "9f86d081884c7d659a2feaa0c55ad015",
  groq: "gsk_0123456789abcdefghijABCDEFGHIJ"
}

const ENTRIES: ReadonlyArray<readonly [string, (key: string) => Effect.Effect<unknown, unknown>]> = [
  ["CircuitBreaker openDuration", (k) => CircuitBreaker.make({ name: "x", openDuration: k as never })],
  ["CircuitBreaker policy", (k) => CircuitBreaker.make({ name: "x", policy: k as never })],
  ["CircuitBreaker policy.threshold", (k) => CircuitBreaker.make({ name: "x", policy: { _tag: "ConsecutiveFailures", threshold: k } as never })],
  ["CircuitBreaker policy._tag", (k) => CircuitBreaker.make({ name: "x", policy: { _tag: k } as never })],
  ["Retry times", (k) => Retry.make({ times: k as never })],
  ["HttpBreakers maxKeys", (k) => HttpBreakers.make({ maxKeys: k as never })],
  ["BreakerRegistry breakers.x.openDuration", (k) => BreakerRegistry.make({ breakers: { x: { openDuration: k as never } } })],
  ["BreakerRegistry a breaker named by a key", (k) => BreakerRegistry.make({ breakers: { [k]: { openDuration: "nope" as never } } })],
  ["BreakerRegistry.layerJson", (k) => Layer.build(BreakerRegistry.layerJson({ breakers: { x: { policy: k } } })).pipe(Effect.scoped)]
]

describe("a key given as an option's value is not printed back", () => {
  for (const [entry, make] of ENTRIES) {
    for (const [kind, key] of Object.entries(KEYS)) {
      it.effect(`${entry} / ${kind}`, () =>
        Effect.gen(function*() {
          const exit = yield* Effect.exit(make(key))
          expect(Exit.isFailure(exit)).toBe(true)
          if (Exit.isSuccess(exit)) return
          const error = Cause.squash(exit.cause) as Error
          const all = [error.message, String(error), JSON.stringify(error), Cause.pretty(exit.cause)].join("\n")
          expect(all).not.toContain(key.slice(-16))
          expect(all).toMatch(/Invalid|invalid|expected/)
        }))
    }
  }
})

describe("a rate-limit gate keyed by an API key does not print it when it rejects", () => {
  for (const [kind, key] of Object.entries(KEYS)) {
    it.effect(kind, () =>
      Effect.gen(function*() {
        const gate = yield* RateLimitGate.make({ name: "per-key" })
        yield* gate.closeFor(key, "5 seconds")
        const error = yield* Effect.flip(gate.guard(key)(Effect.succeed("sent")))
        expect(error._tag).toBe("GateClosedError")
        const all = [error.message, String(error), JSON.stringify(error)].join("\n")
        expect(all).not.toContain(key.slice(-16))
        expect(all).toContain("per-key")
      }))
  }
})
