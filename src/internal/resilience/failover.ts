/**
 * Failover: an ordered list of steps, each behind its own breaker (and retry)
 * or its own policy (a `Resilience`, e.g. an LLM `Policy`). The one
 * implementation behind `Fallback.failover` and `Policy.failover`.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { pipeArguments } from "effect/Pipeable"
import { isCircuitBreaker } from "../breaker.js"
import type { CallOptions } from "../../Resilience.js"
import { CircuitOpenError, InvalidOptionError } from "../errors.js"
import { asFailoverStep, rejectionOf, sooner } from "../rejection.js"
import { annotateAttributes, annotateFallback } from "../telemetry/annotate.js"
import * as check from "../validate.js"
import { type Alternative, type LastGoodCache, primary, type Served, type ServedBy, checkServeOptions, serveUnchecked } from "./fallback.js"
import { type Hedge, isHedge, type Trigger } from "./hedge.js"
import { checkCall, isResilience } from "./policy.js"
import { isRetry } from "./retry.js"
import type { Failover, FailoverOptions, FailoverServeOptions, Step } from "../../Fallback.js"
import { dropPromise } from "../callback.js"
/** @internal */
export type { Failover } from "../../Fallback.js"

/** The failover made from `Steps`. @internal */
export type Made<Steps extends ReadonlyArray<Step<any, any, any, any>>> = Failover<
  Step.Input<Steps[number]>,
  Step.Success<Steps[number]>,
  Step.Error<Steps[number]>,
  Step.Context<Steps[number]>
>

/** @internal */
export const TypeId: unique symbol = Symbol.for("effect-breaker/Failover")

/** @internal */
export const isFailover = (u: unknown): u is Failover<unknown, unknown, unknown, unknown> =>
  typeof u === "function" && TypeId in u

type Call = (input: unknown) => Effect.Effect<unknown, unknown, unknown>

interface Compiled {
  readonly name: string
  readonly served: ServedBy
  readonly attributes: Readonly<Record<string, string | number>>
  readonly attempt: (input: unknown, call: CallOptions) => Effect.Effect<unknown, unknown, unknown>
}

const noAttributes: Readonly<Record<string, string | number>> = Object.freeze({})

const compileStep = (path: string, step: Step<any, any, any, any>, index: number): Compiled => {
  check.object(path, step)
  const run = step.run
  if (!Effect.isEffect(run) && typeof run !== "function") {
    check.invalid(`${path}.run`, run, "an Effect or a function from the input to an Effect")
  }
  const call: Call = Effect.isEffect(run) ? () => run : (input) => Effect.suspend(() => (run as Call)(input))
  const served = (name: string): ServedBy => index === 0 ? primary : { _tag: "Fallback", name }
  // a half-open rejection goes to the next step at once: the step's retry does not wait on the probe (internal/rejection.ts)
  if ("policy" in step && step.policy !== undefined) {
    const policy = step.policy
    if (!isResilience(policy)) check.invalid(`${path}.policy`, policy, "a policy (Resilience.make or Policy.make)")
    const name = check.nonEmptyString(`${path}.name`, step.name, policy.name)
    return {
      name,
      served: served(name),
      attributes: policy.attributes,
      attempt: (input, options) => asFailoverStep(policy.with(options)(call(input)))
    }
  }
  const { breaker, retry } = step as { readonly breaker: unknown; readonly retry?: unknown }
  const name = check.nonEmptyString(`${path}.name`, step.name)
  if (!isCircuitBreaker(breaker)) {
    return check.invalid(`${path}.breaker`, breaker, "a CircuitBreaker (CircuitBreaker.make), or a `policy` instead")
  }
  if (retry !== undefined && !isRetry(retry)) return check.invalid(`${path}.retry`, retry, "a Retry (Retry.make)")
  // retry OUTSIDE the breaker: each attempt goes through admission; an opening ends the retry at once
  const attempt = retry === undefined
    ? (input: unknown) => breaker(call(input))
    : (input: unknown) => asFailoverStep(retry(breaker(call(input))))
  return { name, served: served(name), attributes: noAttributes, attempt }
}

const Proto = {
  [TypeId]: TypeId,
  pipe() {
    return pipeArguments(this, arguments)
  }
}

type Caches = ReadonlyArray<{ readonly cache: LastGoodCache<any>; readonly key: string }>
const noCaches: Caches = []
const noCall: CallOptions = {}

/** @internal */
export const make = <const Steps extends ReadonlyArray<Step<any, any, any, any>>>(
  steps: Steps,
  options: FailoverOptions<Step.Error<Steps[number]> | CircuitOpenError> = {}
): Effect.Effect<Made<Steps>, InvalidOptionError> =>
  check.validated(() => {
    if (!Array.isArray(steps) || steps.length === 0) check.invalid("steps", steps, "a non-empty array of steps")
    check.object("options", options)
    const keepGoing = check.func<(error: unknown) => boolean>("options.while", options.while, "a function from the error to boolean")
    const compiled = steps.map((s, i) => compileStep(`steps[${i}]`, s, i))
    const names = compiled.map((c) => c.name)
    const stop = (error: unknown): boolean => {
      if (keepGoing === undefined) return false
      try {
        const verdict: unknown = keepGoing(error)
        return dropPromise(verdict) || !verdict // an async predicate answers nothing (as if it threw)
      } catch {
        return true // a predicate that throws does not send the request elsewhere
      }
    }

    const succeeded = (i: number, value: unknown, caches: Caches): Effect.Effect<Served<unknown>> => {
      const step = compiled[i]!
      let done = annotateAttributes(step.attributes)
      if (i > 0) done = Effect.zipRight(done, annotateFallback(step.name, "provider", names[0]))
      for (const c of caches) c.cache.unsafeSet(c.key, value)
      return Effect.as(done, { value, servedBy: step.served })
    }

    const from = (
      i: number,
      input: unknown,
      call: CallOptions,
      caches: Caches,
      lastError: unknown,
      ran: boolean,
      soonest: CircuitOpenError | undefined
    ): Effect.Effect<Served<unknown>, unknown, unknown> => {
      if (i === compiled.length) {
        if (ran || soonest === undefined) return Effect.fail(lastError)
        return Effect.zipRight(
          Effect.annotateCurrentSpan({ "failover.all_open": true, "failover.steps": names.join(",") }),
          Effect.fail(soonest)
        )
      }
      return Effect.matchEffect(compiled[i]!.attempt(input, call), {
        onSuccess: (value) => succeeded(i, value, caches),
        onFailure: (error) => {
          const rejection = rejectionOf(error) // also one carried as a cause (an AiError from the LanguageModel wrappers)
          if (rejection !== undefined) return from(i + 1, input, call, caches, lastError, ran, sooner(soonest, rejection))
          if (stop(error)) return Effect.fail(error)
          return from(i + 1, input, call, caches, error, true, soonest)
        }
      })
    }

    /**
     * The first step hedged by the others: after the hedge's delay the rest of
     * the failover starts beside it (at once if it fails first, e.g. an open
     * circuit); the first success answers. The first step keeps running in the
     * hedge's scope, so its breaker records its timeout or failure.
     */
    const hedged = (hedge: Hedge, input: unknown, call: CallOptions, caches: Caches, onFire: () => void) => {
      const first = compiled[0]!
      const rest = (trigger: Trigger<unknown>) => {
        if (trigger._tag === "Slow") {
          onFire()
          return from(1, input, call, caches, undefined, false, undefined)
        }
        const e = trigger.error
        const rejection = rejectionOf(e)
        return rejection !== undefined
          ? from(1, input, call, caches, undefined, false, rejection)
          : from(1, input, call, caches, e, true, undefined)
      }
      return Effect.flatMap(
        hedge.run(first.attempt(input, call), rest, (e) => !stop(e)),
        (o): Effect.Effect<Served<unknown>> =>
          o.winner === "primary"
            ? Effect.map(succeeded(0, o.value, caches), (served) => ({ ...served, hedged: o.fired }))
            : Effect.succeed({ ...(o.value as Served<unknown>), hedged: o.fired })
      )
    }

    const run = (input: unknown) => from(0, input, noCall, noCaches, undefined, false, undefined)

    const serve = (input: unknown, serveOptions: FailoverServeOptions<any, ReadonlyArray<Alternative<any, any, any, any>>> = {}) => {
      const bad = typeof serveOptions === "object" && serveOptions !== null && serveOptions.fallback === undefined
        ? undefined
        : checkServeOptions(serveOptions)
      if (bad !== undefined) return Effect.fail(new InvalidOptionError({ ...bad, option: `serve.${bad.option}` }))
      return Effect.flatMap(checkCall(serveOptions), (call) => {
        const chain = serveOptions.fallback ?? []
        const caches: Array<{ readonly cache: LastGoodCache<any>; readonly key: string }> = []
        for (const alt of chain) if (alt._tag === "Cache") caches.push({ cache: alt.cache, key: alt.key })
        const when = serveOptions.when
        const fallBack = (error: unknown) => serveUnchecked(Effect.fail(error), { fallback: chain, when })
        const hedge = serveOptions.hedge
        if (hedge !== undefined && !isHedge(hedge)) {
          return check.validated(() => check.invalid("serve.hedge", hedge, "a Hedge (Fallback.makeHedge)"))
        }
        if (hedge !== undefined && compiled.length > 1) {
          return Effect.suspend(() => {
            let fired = false
            return Effect.catchAll(hedged(hedge, input, call, caches, () => (fired = true)), (error) =>
              Effect.map(fallBack(error), (served) => ({ ...served, hedged: fired })))
          })
        }
        const answer = from(0, input, call, caches, undefined, false, undefined)
        return chain.length === 0 ? answer : Effect.catchAll(answer, fallBack)
      })
    }

    // the step types are erased inside: the signature above states what the steps give
    return Object.assign(Object.setPrototypeOf(run, Proto), { serve, names }) as Made<Steps>
  })
