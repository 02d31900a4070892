/**
 * The composed policy: timeout → breaker → gate → retry → fallback. The LLM
 * policy (`llm/Policy.make`) is this same policy, made with the extras below
 * (its name, span attributes, the mapping of errors into the taxonomy, its
 * timeout error).
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { pipeArguments } from "effect/Pipeable"
import { isCircuitBreaker } from "../breaker.js"
import type { CircuitOpenError, InvalidOptionError } from "../errors.js"
import { annotateAttributes } from "../telemetry/annotate.js"
import { type Alternative, checkServeOptions, type Served, serveUnchecked } from "./fallback.js"
import { TypeId as GateTypeId } from "./gate.js"
import * as retry from "./retry.js"
import * as check from "../validate.js"
import type { CallOptions, Options, ServeOptions } from "../../Resilience.js"
import type { Resilience } from "../../Resilience.js"
/** @internal */
export type { Resilience } from "../../Resilience.js"
/** @internal */
export type { CallOptions, Options, RetryOptions, ServeOptions } from "../../Resilience.js"

/** @internal */
export const TypeId: unique symbol = Symbol.for("effect-breaker/Resilience")

/** @internal */
export type Added<GErr> = Cause.TimeoutException | CircuitOpenError | GErr

/** @internal */
export const defaultTimeoutMs = 60_000

const variance = { _E: (_: unknown) => _, _GErr: (_: never) => _, _Out: (_: never) => _ }

const Proto = {
  [TypeId]: variance,
  pipe() {
    return pipeArguments(this, arguments)
  }
}

/** @internal */
export const isResilience = (u: unknown): u is Resilience<never, unknown, unknown> => typeof u === "function" && TypeId in u

type Transform = (self: Effect.Effect<any, any, any>) => Effect.Effect<any, any, any>
const identity: Transform = (self) => self

/** What a specialised policy (the LLM one) adds; validated by its own constructor. @internal */
export interface Extras<F extends object = {}> {
  /** Default: the breaker's name. */
  readonly name?: string | undefined
  /** Span attributes of every call (e.g. GenAI attributes); annotated by `serve` and by failover. */
  readonly attributes?: Readonly<Record<string, string | number>> | undefined
  /** Maps each attempt's error before the breaker classifies it (inside the timeout). */
  readonly mapError?: ((error: unknown) => unknown) | undefined
  /** The error of an attempt that timed out. Default: `TimeoutException`. */
  readonly onTimeout?: ((timeout: Duration.Duration) => unknown) | undefined
  /** Own fields of the policy value (e.g. `provider`, `model`). */
  readonly fields?: F | undefined
}

const noAttributes: Readonly<Record<string, string | number>> = Object.freeze({})

/** @internal */
export const make = <E, GErr = never, Out = never, F extends object = {}>(
  options: Options<E, GErr>,
  extras: Extras<F> = {}
): Effect.Effect<Resilience<E, GErr, Out> & Readonly<F>, InvalidOptionError> =>
  check.validated(() => {
    check.object("options", options)
    const breaker = options.breaker
    if (!isCircuitBreaker(breaker)) check.invalid("breaker", breaker, "a CircuitBreaker (CircuitBreaker.make)")
    const timeoutMs = check.millis("timeout", options.timeout, defaultTimeoutMs, { allowInfinite: true })
    const gateOption = options.gate
    if (gateOption !== undefined) {
      check.object("gate", gateOption)
      if (typeof gateOption.gate !== "object" || gateOption.gate === null || !(GateTypeId in gateOption.gate)) {
        check.invalid("gate.gate", gateOption.gate, "a RateLimitGate (RateLimitGate.make)")
      }
      check.nonEmptyString("gate.key", gateOption.key)
    }
    const gate = gateOption?.gate

    let retrying: Transform = identity
    if (options.retry !== false) {
      const r = options.retry === undefined ? {} : options.retry
      check.object("retry", r)
      const config = retry.compile<E>(r, "retry")
      if (r.timeouts !== undefined && typeof r.timeouts !== "boolean") check.invalid("retry.timeouts", r.timeouts, "a boolean")
      const retryTimeouts = r.timeouts ?? true
      const userWhile = config.retryable
      const userHint = config.hint
      // the gate's rejections and timeouts are ours: the user's functions only ever see their own errors
      const composed: retry.Config<unknown> = {
        ...config,
        breaker: config.breaker ?? breaker,
        retryable: (e) =>
          gate?.retryAfterOf(e) !== undefined ||
          (Cause.isTimeoutException(e) ? retryTimeouts : userWhile === undefined || userWhile(e as E)),
        hint: (e) => gate?.retryAfterOf(e) ?? (Cause.isTimeoutException(e) || userHint === undefined ? undefined : userHint(e as E))
      }
      // `composed` decides over `unknown` errors (the gate's rejections and timeouts join the call's own)
      if (config.enabled) retrying = retry.fromConfig(composed)
    }

    const { mapError, onTimeout } = extras
    const pipeline = (ms: number, key: string | undefined): Transform => {
      const timeout = ms === Infinity ? undefined : Duration.millis(ms)
      const guard: Transform = gate === undefined || key === undefined ? identity : gate.guard(key)
      const timed: Transform = timeout === undefined
        ? identity
        : onTimeout === undefined
        ? (self) => Effect.timeout(self, timeout)
        : (self) => Effect.timeoutFail(self, { duration: timeout, onTimeout: () => onTimeout(timeout) })
      const mapped: Transform = mapError === undefined ? identity : (self) => Effect.mapError(self, mapError)
      return (self) => retrying(guard(breaker(timed(mapped(self)))))
    }
    const base = pipeline(timeoutMs, gateOption?.key)
    const withOptions = (call: CallOptions): Transform => {
      if (call === undefined) return base
      // bad per-call options are the caller's input (null, a number, a key that is not a string, a getter that
      // throws): fail that call with the typed error, never a defect, and never a gate entry under a garbage key
      const checked = check.validatedEither(() => {
        if (typeof call !== "object" || call === null) check.invalid("options", call, "an object of call options (timeout, key)")
        const { key, timeout } = call
        if (timeout === undefined && key === undefined) return undefined
        const ms = check.millis("call.timeout", timeout, timeoutMs, { allowInfinite: true })
        if (key !== undefined) check.nonEmptyString("call.key", key)
        return { ms, key }
      })
      if (Either.isLeft(checked)) return () => Effect.fail(checked.left)
      if (checked.right === undefined) return base
      const { key, ms } = checked.right
      const transform = pipeline(ms, key ?? gateOption?.key)
      return (self) => transform(self)
    }
    const policy = (self: Effect.Effect<any, any, any>) => base(self)
    // a function's own `name` is read-only: define the fields
    const fields: Record<string, unknown> = {
      ...extras.fields,
      with: withOptions,
      name: extras.name ?? breaker.name,
      breaker,
      gate,
      attributes: extras.attributes ?? noAttributes
    }
    for (const [key, value] of Object.entries(fields)) {
      Object.defineProperty(policy, key, { value, enumerable: true, configurable: false, writable: false })
    }
    return Object.setPrototypeOf(policy, Proto) as Resilience<E, GErr, Out> & Readonly<F>
  })

/**
 * Checks a call's per-call options before anything runs: a bad timeout fails
 * the call with `InvalidOptionError`, never caught by the fallback chain.
 *
 * @internal
 */
export const checkCall = (call: CallOptions): Effect.Effect<CallOptions, InvalidOptionError> =>
  call.timeout === undefined && call.key === undefined
    ? Effect.succeed(noCall)
    : check.validated(() => {
      check.millis("call.timeout", call.timeout, defaultTimeoutMs, { allowInfinite: true })
      if (call.key !== undefined) check.nonEmptyString("call.key", call.key)
      return { timeout: call.timeout, key: call.key }
    })
const noCall: CallOptions = {}

/** @internal */
export const serve = <A, E, R, In>(
  self: Effect.Effect<A, E, R>,
  policy: Resilience<any, any, any>,
  options: ServeOptions<In, ReadonlyArray<Alternative<A, any, any, In>>>
): Effect.Effect<Served<A>, any, any> => {
  const bad = checkServeOptions(options)
  if (bad !== undefined) return Effect.fail(bad)
  return Effect.flatMap(checkCall(options), (call) =>
    Effect.zipRight(
      annotateAttributes(policy.attributes),
      serveUnchecked(policy.with(call)(self), {
        fallback: options.fallback,
        when: options.when as ((error: E) => boolean) | undefined,
        hedge: options.hedge
      })
    ))
}
