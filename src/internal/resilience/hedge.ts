/**
 * Hedging: start a fallback alongside a slow primary without cancelling the
 * primary, answer with the first success.
 *
 * The primary runs in a daemon fiber tracked by the hedge (and interrupted when
 * the scope the hedge was made in closes), so it outlives a caller answered by the fallback and
 * its breaker still records its outcome; closing that scope interrupts any
 * primary still running. The caller's interruption interrupts both sides.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as MetricKey from "effect/MetricKey"
import { pipeArguments } from "effect/Pipeable"
import type * as Scope from "effect/Scope"
import type { Hedge as PublicHedge, HedgeOptions } from "../../Fallback.js"
import type { InvalidOptionError } from "../errors.js"
import { update } from "../telemetry/metrics.js"
import { acquireSeries, ownSeries } from "../telemetry/series.js"
import * as check from "../validate.js"
import { dropPromise } from "../callback.js"

/** @internal */
export const TypeId: unique symbol = Symbol.for("effect-breaker/Hedge")

/** Why the fallback started: the primary was slower than the delay, or it failed first. @internal */
export type Trigger<E> =
  | { readonly _tag: "Slow"; readonly after: Duration.Duration }
  | { readonly _tag: "Failed"; readonly error: E }

/** Who answered, with what, and whether the hedge fired (the primary outlived the delay). @internal */
export interface Outcome<A> {
  readonly winner: "primary" | "fallback"
  readonly value: A
  readonly fired: boolean
}

/** @internal */
export type Options = HedgeOptions

/** The public `Hedge` and what the serve functions call. @internal */
export interface Hedge extends PublicHedge {
  /** `accept`, when given, replaces the hedge's `when` for this call. */
  readonly run: <A, E, R, B, E2, R2>(
    self: Effect.Effect<A, E, R>,
    fallback: (trigger: Trigger<E>) => Effect.Effect<B, E2, R2>,
    accept?: (error: E) => boolean
  ) => Effect.Effect<Outcome<A | B>, E | E2, R | R2>
}

/** Span attribute names. @internal */
export const ATTR_HEDGE_FIRED = "hedge.fired"
/** @internal */
export const ATTR_HEDGE_SERVED_BY = "hedge.served_by"

/** The hedge counter's key. @internal */
export const hedgesKey = MetricKey.counter("effect_breaker_hedges", {
  description: "Hedges fired (the primary outlived the delay), by who answered: primary, fallback or none",
  incremental: true
})

const Proto = {
  [TypeId]: TypeId,
  pipe() {
    return pipeArguments(this, arguments)
  }
}

/** @internal */
export const isHedge = (u: unknown): u is Hedge => typeof u === "object" && u !== null && TypeId in u

/** The typed error of a failure that may start the fallback early, or undefined (defects, interruption, rejected errors). */
const acceptedError = <E>(cause: Cause.Cause<E>, when: ((error: E) => boolean) | undefined): { readonly error: E } | undefined => {
  if (Cause.isDie(cause) || Cause.isInterrupted(cause)) return undefined
  const failure = Cause.failureOption(cause)
  if (failure._tag === "None") return undefined
  if (when !== undefined) {
    try {
      const verdict: unknown = when(failure.value)
      if (dropPromise(verdict) || !verdict) return undefined // an async predicate answers nothing (as if it threw)
    } catch {
      return undefined // a predicate that throws does not start the fallback
    }
  }
  return { error: failure.value }
}

/**
 * A forked side never fails: it runs `Effect.exit(self)`, so its fiber ends
 * with a success holding the side's own exit. A failing fiber is logged by
 * Effect as "Fiber terminated with an unhandled error" with its full cause, a
 * channel outside the library's redaction: nothing the library forks may end
 * with an unhandled failure. `flat` reads the side's exit back (an interrupted
 * fiber's own interruption passes through).
 */
type Side<A, E> = Fiber.RuntimeFiber<Exit.Exit<A, E>, never>
const flat = <A, E>(exit: Exit.Exit<Exit.Exit<A, E>, never>): Exit.Exit<A, E> =>
  exit._tag === "Success" ? exit.value : Exit.failCause(exit.cause)
const awaitSide = <A, E>(side: Side<A, E>): Effect.Effect<Exit.Exit<A, E>> => Effect.map(Fiber.await(side), flat)

/**
 * The primary's exit if it ends before `sleep` does, else `undefined`. Cheaper
 * than `Effect.timeoutOption(Fiber.await(primary))` (one timer fiber, fiber
 * observers instead of a race of two forked fibers); the timer is interrupted
 * as soon as the primary ends, and on the caller's interruption.
 */
const firstOf = <A, E>(
  primary: Side<A, E>,
  sleep: Effect.Effect<void>
): Effect.Effect<Exit.Exit<A, E> | undefined> =>
  Effect.flatMap(Effect.forkDaemon(sleep), (timer) =>
    Effect.async<Exit.Exit<A, E> | undefined>((resume) => {
      let done = false
      const onPrimary = (exit: Exit.Exit<Exit.Exit<A, E>, never>) => {
        if (done) return
        done = true
        timer.removeObserver(onTimer)
        timer.unsafeInterruptAsFork(FiberId.none)
        resume(Effect.succeed(flat(exit)))
      }
      const onTimer = () => {
        if (done) return
        done = true
        primary.removeObserver(onPrimary)
        resume(Effect.succeed(undefined))
      }
      primary.addObserver(onPrimary)
      if (!done) timer.addObserver(onTimer)
      return Effect.sync(() => {
        done = true
        primary.removeObserver(onPrimary)
        timer.removeObserver(onTimer)
        timer.unsafeInterruptAsFork(FiberId.none)
      })
    }))

/**
 * The primaries running in a hedge's scope: a daemon fiber is added when it
 * starts and removed when it ends; closing the scope interrupts those left.
 * (`FiberSet.run` does the same with more bookkeeping: ~5 µs more per call.)
 */
const liveFibers: Effect.Effect<
  { readonly set: Set<Fiber.RuntimeFiber<any, any>>; readonly add: (fiber: Fiber.RuntimeFiber<any, any>) => void },
  never,
  Scope.Scope
> = Effect.map(
  Effect.acquireRelease(
    Effect.sync(() => new Set<Fiber.RuntimeFiber<any, any>>()),
    (set) => Fiber.interruptAll(set)
  ),
  (set) => ({
    set,
    add: (fiber: Fiber.RuntimeFiber<any, any>) => {
      set.add(fiber)
      fiber.addObserver(() => set.delete(fiber))
    }
  })
)

/** @internal */
export const make = (options: Options): Effect.Effect<Hedge, InvalidOptionError, Scope.Scope> =>
  Effect.flatMap(
    check.validated(() => {
      check.object("hedge", options)
      if (options.delay === undefined) check.invalid("hedge.delay", undefined, "a finite duration such as \"150 millis\"")
      const delayMs = check.millis("hedge.delay", options.delay, NaN, { allowZero: true })
      const name = check.nonEmptyString("hedge.name", options.name, "hedge")
      const when = check.func<(error: unknown) => boolean>("hedge.when", options.when, "a function from the error to boolean")
      return { delay: Duration.millis(delayMs), name, when }
    }),
    (c) =>
      Effect.map(Effect.zipLeft(liveFibers, acquireSeries(`hedge\u0000${c.name}`)), (fibers): Hedge => {
        const { delay, name } = c
        // the hedge's series are released with its scope (telemetry/series.ts), like a breaker's with its key
        const metric = {
          primary: ownSeries(`hedge\u0000${name}`, hedgesKey, { hedge: name, served_by: "primary" }),
          fallback: ownSeries(`hedge\u0000${name}`, hedgesKey, { hedge: name, served_by: "fallback" }),
          none: ownSeries(`hedge\u0000${name}`, hedgesKey, { hedge: name, served_by: "none" })
        }
        const slow: Trigger<never> = { _tag: "Slow", after: delay }
        const sleep = Effect.sleep(delay)

        const fired = (servedBy: "primary" | "fallback" | "none"): Effect.Effect<void> =>
          Effect.suspend(() => {
            update(metric[servedBy], 1)
            return Effect.annotateCurrentSpan({ [ATTR_HEDGE_FIRED]: true, [ATTR_HEDGE_SERVED_BY]: servedBy })
          })

        const run = <A, E, R, B, E2, R2>(
          self: Effect.Effect<A, E, R>,
          fallback: (trigger: Trigger<E>) => Effect.Effect<B, E2, R2>,
          accept?: (error: E) => boolean
        ): Effect.Effect<Outcome<A | B>, E | E2, R | R2> => {
          const when = accept ?? c.when
          return Effect.uninterruptibleMask((restore) =>
            // the primary lives in the hedge's set: it is not interrupted when the caller is answered by the fallback
            Effect.flatMap(Effect.tap(Effect.forkDaemon(Effect.exit(restore(self))), fibers.add), (primary) => {
              let second: Side<B, E2> | undefined

              // both failed: the fallback's failure first (the last resort's, as in Fallback.serve), the primary's kept beside it
              const both = (p: Cause.Cause<E>, f: Cause.Cause<E2>): Effect.Effect<never, E | E2> =>
                Effect.failCause(Cause.parallel<E | E2, E | E2>(f, p))
              const answer = (winner: Outcome<unknown>["winner"], value: A | B, hedged: boolean): Outcome<A | B> => ({
                winner,
                value,
                fired: hedged
              })

              const onPrimary = (p: Exit.Exit<A, E>, f: Side<B, E2>): Effect.Effect<Outcome<A | B>, E | E2> => {
                if (p._tag === "Success") {
                  return Effect.zipRight(Fiber.interrupt(f), Effect.as(fired("primary"), answer("primary", p.value, true)))
                }
                if (acceptedError(p.cause, when) === undefined) {
                  return Effect.zipRight(Effect.zipRight(Fiber.interrupt(f), fired("none")), Effect.failCause(p.cause))
                }
                return Effect.flatMap(awaitSide(f), (fx) =>
                  fx._tag === "Success"
                    ? Effect.as(fired("fallback"), answer("fallback", fx.value, true))
                    : Effect.zipRight(fired("none"), both(p.cause, fx.cause)))
              }

              const onFallback = (f: Exit.Exit<B, E2>): Effect.Effect<Outcome<A | B>, E | E2> => {
                if (f._tag === "Success") return Effect.as(fired("fallback"), answer("fallback", f.value, true))
                return Effect.flatMap(awaitSide(primary), (p) =>
                  p._tag === "Success"
                    ? Effect.as(fired("primary"), answer("primary", p.value, true))
                    : Effect.zipRight(fired("none"), both(p.cause, f.cause)))
              }

              // the awaits never fail: each raced side resolves to that fiber's flattened exit
              const race = (f: Side<B, E2>) =>
                Effect.raceWith(awaitSide(primary), awaitSide(f), {
                  onSelfDone: (exit, other) =>
                    Effect.zipRight(Fiber.interrupt(other), Exit.isSuccess(exit) ? onPrimary(exit.value, f) : Effect.failCause(exit.cause)),
                  onOtherDone: (exit, other) =>
                    Effect.zipRight(Fiber.interrupt(other), Exit.isSuccess(exit) ? onFallback(exit.value) : Effect.failCause(exit.cause))
                })

              const startSecond = Effect.uninterruptible(
                Effect.map(Effect.fork(Effect.exit(restore(Effect.suspend(() => fallback(slow))))), (f) => (second = f))
              )

              const body = Effect.flatMap(firstOf(primary, sleep), (p) => {
                if (p === undefined) return Effect.flatMap(startSecond, race)
                if (p._tag === "Success") return Effect.succeed(answer("primary", p.value, false))
                const accepted = acceptedError(p.cause, when)
                if (accepted === undefined) return Effect.failCause(p.cause)
                // failed before the delay (an open circuit rejects at once): the fallback runs now
                return Effect.matchCauseEffect(Effect.suspend(() => fallback({ _tag: "Failed", error: accepted.error })), {
                  onSuccess: (value) => Effect.succeed(answer("fallback", value, false)),
                  onFailure: (f) => both(p.cause, f)
                })
              })

              return Effect.onInterrupt(
                restore(body),
                () =>
                  second === undefined
                    ? Effect.asVoid(Fiber.interrupt(primary))
                    : Effect.asVoid(Effect.zipRight(Fiber.interrupt(primary), Fiber.interrupt(second)))
              )
            })
          )
        }

        return Object.assign(Object.create(Proto), {
          name,
          delay,
          inFlight: Effect.sync(() => fibers.set.size),
          run
        }) as Hedge
      })
  )
