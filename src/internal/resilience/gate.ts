/**
 * The keyed rate-limit gate: a bounded map of key → epoch millis until which
 * calls for that key fail fast.
 *
 * @internal
 */
import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import { pipeArguments } from "effect/Pipeable"
import * as Schema from "effect/Schema"
import { scrubShapes } from "../secrets.js"
import type { InvalidOptionError } from "../errors.js"
import { type GateHandle, type GateStore, RateLimitGateStore } from "./gateStore.js"
import { Lru } from "./lru.js"
import { annotateRateLimit } from "../telemetry/annotate.js"
import * as check from "../validate.js"
import type { Options } from "../../RateLimitGate.js"
import type { RateLimitGate } from "../../RateLimitGate.js"
import { dropPromise } from "../callback.js"
/** @internal */
export type { RateLimitGate } from "../../RateLimitGate.js"
/** @internal */
export type { Options } from "../../RateLimitGate.js"

/** @internal */
export class GateClosedError extends Schema.TaggedError<GateClosedError>()("GateClosedError", {
  gate: Schema.String,
  key: Schema.String,
  retryAfter: Schema.DurationFromMillis
}) {
  /** The key is scrubbed of key shapes: a gate keyed by API key (a common per-key limit) must not print it. */
  constructor(
    props: { readonly gate: string; readonly key: string; readonly retryAfter: Duration.Duration },
    options?: Schema.MakeOptions
  ) {
    super(typeof props.key === "string" ? { ...props, key: scrubShapes(props.key) } : props, options)
  }

  override get message(): string {
    return `Rate limit gate "${this.gate}" is closed for "${this.key}": retry after ${Duration.format(this.retryAfter)}`
  }
}

/** @internal */
export interface ClosedInfo {
  readonly gate: string
  readonly key: string
  readonly retryAfter: Duration.Duration
}

/** @internal */
export const TypeId: unique symbol = Symbol.for("effect-breaker/RateLimitGate")

const Proto = {
  [TypeId]: TypeId,
  pipe() {
    return pipeArguments(this, arguments)
  }
}

/** @internal */
export const make = <Err = GateClosedError>(
  options: Options<Err> = {}
): Effect.Effect<RateLimitGate<Err>, InvalidOptionError> =>
  Effect.flatMap(Effect.zip(Effect.clock, RateLimitGateStore), ([clock, store]: [Clock.Clock, GateStore]) =>
    Effect.flatMap(check.validated(() => {
      check.object("gate", options)
      const name = check.nonEmptyString("gate.name", options.name, "gate")
      const maxKeys = check.integer("gate.maxKeys", options.maxKeys, 1, 10_000_000, 10_000)
      const maxResetMs = check.millis("gate.maxReset", options.maxReset, 3_600_000)
      const onClosed = check.func<(info: ClosedInfo) => Err>(
        "gate.onClosed",
        options.onClosed,
        "a function from { gate, key, retryAfter } to an error"
      )
      const resetAfter = check.func<(exit: Exit.Exit<unknown, unknown>) => Duration.DurationInput | undefined>(
        "gate.resetAfter",
        options.resetAfter,
        "a function from an Exit to a Duration or undefined"
      )
      const closed = new Lru<true>(maxKeys)
      const hints = new WeakMap<object, Duration.Duration>()

      // The gate's store: the memory one shares nothing; a fleet store (Redis) tells every replica.
      let link: GateHandle | undefined
      const closeUntil = (key: string, until: number, now: number, share = true) => {
        if (!(until > now)) return
        until = Math.min(until, now + maxResetMs)
        const current = closed.peek(key, now)
        if (current === undefined || current.expiresAt < until) {
          closed.set(key, true, until, now)
          if (share) link?.close(key, until, now)
        }
      }

      const closedError = (key: string, retryAfterMs: number): Err => {
        const retryAfter = Duration.millis(retryAfterMs)
        if (onClosed === undefined) {
          return new GateClosedError({ gate: name, key, retryAfter }, { disableValidation: true }) as Err
        }
        const error = onClosed({ gate: name, key, retryAfter })
        if (typeof error === "object" && error !== null) hints.set(error, retryAfter)
        return error
      }

      /** The failure for `key` if its gate is closed now, else undefined (and an expired entry is dropped). */
      const closedNow = (key: string): Effect.Effect<never, Err> | undefined => {
        const entry = closed.peek(key, 0)
        if (entry === undefined) return undefined
        const now = clock.unsafeCurrentTimeMillis()
        if (now >= entry.expiresAt) {
          closed.delete(key)
          return undefined
        }
        const waitMs = entry.expiresAt - now
        // the rejection path only: the span says the gate held the call, and for how long
        return Effect.zipRight(annotateRateLimit("rejected", waitMs), Effect.fail(closedError(key, waitMs)))
      }

      const learn = (key: string, exit: Exit.Exit<unknown, unknown>) => {
        let reset: Duration.DurationInput | undefined
        try {
          reset = resetAfter!(exit)
          if (dropPromise(reset)) return // an async learner teaches nothing
        } catch {
          return // a learner that throws teaches nothing
        }
        if (reset === undefined) return
        const ms = Duration.toMillis(Duration.decodeUnknown(reset).pipe(Option.getOrElse(() => Duration.zero)))
        const now = clock.unsafeCurrentTimeMillis()
        closeUntil(key, now + ms, now)
      }

      const guard = (key: string) => <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | Err, R> =>
        Effect.suspend((): Effect.Effect<A, E | Err, R> => {
          const rejected = closedNow(key)
          if (rejected !== undefined) return rejected
          if (resetAfter === undefined) return self
          // matchCauseEffect, not onExit: a caller's interruption teaches nothing and skips the handler
          return Effect.matchCauseEffect(self, {
            onSuccess: (a) => {
              learn(key, Exit.succeed(a))
              return Effect.succeed(a)
            },
            onFailure: (cause) => {
              learn(key, Exit.failCause(cause))
              return Effect.failCause(cause)
            }
          })
        })

      const gate: RateLimitGate<Err> = Object.assign(Object.create(Proto), {
        name,
        guard,
        check: (key: string) => Effect.suspend(() => closedNow(key) ?? Effect.void),
        closeFor: (key: string, duration: Duration.DurationInput) =>
          check.validated(() => {
            check.nonEmptyString("key", key)
            const ms = check.millis("duration", duration, NaN, { allowZero: true, allowInfinite: true })
            const now = clock.unsafeCurrentTimeMillis()
            closeUntil(key, now + ms, now)
          }),
        closeUntil: (key: string, epochMillis: number) =>
          check.validated(() => {
            check.nonEmptyString("key", key)
            check.number("epochMillis", epochMillis, -8.64e15, 8.64e15, NaN)
            closeUntil(key, epochMillis, clock.unsafeCurrentTimeMillis())
          }),
        open: (key: string) =>
          Effect.sync(() => {
            closed.delete(key)
            link?.open(key)
          }),
        retryAfter: (key: string) =>
          Effect.sync(() => {
            const now = clock.unsafeCurrentTimeMillis()
            const entry = closed.peek(key, now)
            return entry === undefined ? Option.none() : Option.some(Duration.millis(entry.expiresAt - now))
          }),
        size: Effect.sync(() => closed.sweep(clock.unsafeCurrentTimeMillis())),
        retryAfterOf: (error: unknown) =>
          error instanceof GateClosedError && error.gate === name
            ? error.retryAfter
            : typeof error === "object" && error !== null
            ? hints.get(error)
            : undefined
      })
      /** What another replica learnt: a key closed until `untilMs`, or opened (0). */
      const onRemote = (key: string, untilMs: number) => {
        if (untilMs === 0) closed.delete(key)
        else closeUntil(key, untilMs, clock.unsafeCurrentTimeMillis(), false)
      }
      return { gate, onRemote, linkTo: (h: GateHandle) => (link = h) }
    }), ({ gate, linkTo, onRemote }) => Effect.map(store.open(gate.name, onRemote), (h) => {
      linkTo(h)
      return gate
    })))
