/**
 * Provider failover: an ordered list of steps, each behind its own breaker.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { pipeArguments } from "effect/Pipeable"
import { CircuitOpenError, type InvalidOptionError } from "../errors.js"
import { isCircuitBreaker } from "../../CircuitBreaker.js"
import type { CircuitBreaker } from "../../CircuitBreaker.js"
import { primary, type Served, type ServedBy } from "./fallback.js"
import { isRetry, type Retry } from "./retry.js"
import { asFailoverStep, sooner } from "../rejection.js"
import * as check from "../validate.js"
import type { Failover } from "../../Fallback.js"
/** @internal */
export type { Failover } from "../../Fallback.js"

/** @internal */
export interface Step<I, A, E, R> {
  readonly name: string
  readonly run: Effect.Effect<A, E, R> | ((input: I) => Effect.Effect<A, E, R>)
  readonly breaker: CircuitBreaker
  readonly retry?: Retry<E> | undefined
}

/** @internal */
export interface Options<E> {
  readonly while?: ((error: E) => boolean) | undefined
}

/** @internal */
export const TypeId: unique symbol = Symbol.for("effect-breaker/Failover")

interface Compiled {
  readonly name: string
  readonly served: ServedBy
  readonly attempt: (input: unknown) => Effect.Effect<unknown, unknown, unknown>
}

const compileStep = (path: string, step: Step<any, any, any, any>, index: number): Compiled => {
  check.object(path, step)
  const name = check.nonEmptyString(`${path}.name`, step.name)
  if (!isCircuitBreaker(step.breaker)) check.invalid(`${path}.breaker`, step.breaker, "a CircuitBreaker (CircuitBreaker.make)")
  if (step.retry !== undefined && !isRetry(step.retry)) check.invalid(`${path}.retry`, step.retry, "a Retry (Retry.make)")
  if (!Effect.isEffect(step.run) && typeof step.run !== "function") {
    check.invalid(`${path}.run`, step.run, "an Effect or a function from the input to an Effect")
  }
  const { breaker, retry, run } = step
  const call: (input: unknown) => Effect.Effect<unknown, unknown, unknown> = Effect.isEffect(run)
    ? () => run
    : (input) => Effect.suspend(() => (run as (input: unknown) => Effect.Effect<unknown, unknown, unknown>)(input))
  // retry OUTSIDE the breaker: each attempt goes through admission; an opening ends the retry at once
  // a half-open rejection goes to the next step at once: the step's retry does not wait on the probe (internal/rejection.ts)
  const attempt = retry === undefined
    ? (input: unknown) => breaker(call(input))
    : (input: unknown) => asFailoverStep(retry(breaker(call(input)) as Effect.Effect<unknown, any, unknown>))
  return { name, served: index === 0 ? primary : { _tag: "Fallback", name }, attempt }
}

const Proto = {
  [TypeId]: TypeId,
  pipe() {
    return pipeArguments(this, arguments)
  }
}

/** @internal */
export const make = <I, A, E, R>(
  steps: ReadonlyArray<Step<I, A, E, R>>,
  options: Options<E> = {}
): Effect.Effect<Failover<I, A, E, R>, InvalidOptionError> =>
  check.validated(() => {
    if (!Array.isArray(steps) || steps.length === 0) check.invalid("steps", steps, "a non-empty array of steps")
    check.object("options", options)
    const keepGoing = check.func<(error: E) => boolean>("options.while", options.while, "a function from the error to boolean")
    const compiled = steps.map((s, i) => compileStep(`steps[${i}]`, s, i))
    const names = compiled.map((c) => c.name)
    const stop = (error: unknown): boolean => {
      if (keepGoing === undefined) return false
      try {
        return !keepGoing(error as E)
      } catch {
        return true // a predicate that throws does not send the request elsewhere
      }
    }

    const from = (
      i: number,
      input: unknown,
      lastError: unknown,
      ran: boolean,
      soonest: CircuitOpenError | undefined
    ): Effect.Effect<Served<unknown>, unknown, unknown> => {
      if (i === compiled.length) {
        if (ran) return Effect.fail(lastError)
        return Effect.zipRight(
          Effect.annotateCurrentSpan({ "failover.all_open": true, "failover.steps": names.join(",") }),
          Effect.fail(soonest!)
        )
      }
      const step = compiled[i]!
      return Effect.matchEffect(step.attempt(input), {
        onSuccess: (value): Effect.Effect<Served<unknown>> =>
          i === 0 ? Effect.succeed({ value, servedBy: step.served }) : Effect.as(
            Effect.annotateCurrentSpan({ "failover.served_by": step.name, "failover.step": i }),
            { value, servedBy: step.served }
          ),
        onFailure: (error) => {
          if (error instanceof CircuitOpenError) return from(i + 1, input, lastError, ran, sooner(soonest, error))
          if (stop(error)) return Effect.fail(error)
          return from(i + 1, input, error, true, soonest)
        }
      })
    }

    const serve = (input: I) => from(0, input, undefined, false, undefined)
    const failover = (input: I) => Effect.map(serve(input), (s) => s.value)
    return Object.assign(Object.setPrototypeOf(failover, Proto), { serve, names }) as unknown as Failover<I, A, E, R>
  })
