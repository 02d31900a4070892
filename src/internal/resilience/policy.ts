/**
 * The composed policy: timeout → breaker → gate → retry → fallback.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { pipeArguments } from "effect/Pipeable"
import { isCircuitBreaker } from "../../CircuitBreaker.js"
import type { CircuitOpenError, InvalidOptionError } from "../errors.js"
import { type Alternative, type Served, serve as fallbackServe } from "./fallback.js"
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

const Proto = {
  [TypeId]: TypeId,
  pipe() {
    return pipeArguments(this, arguments)
  }
}

type Transform = (self: Effect.Effect<any, any, any>) => Effect.Effect<any, any, any>
const identity: Transform = (self) => self

/** @internal */
export const make = <E, GErr = never>(
  options: Options<E, GErr>
): Effect.Effect<Resilience<E, GErr>, InvalidOptionError> =>
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
      const r = options.retry ?? {}
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
      if (config.enabled) retrying = retry.fromConfig(composed) as unknown as Transform
    }

    const pipeline = (ms: number, key: string | undefined): Transform => {
      const timeout = ms === Infinity ? undefined : Duration.millis(ms)
      const guard: Transform = gate === undefined || key === undefined ? identity : gate.guard(key)
      return (self) => retrying(guard(breaker(timeout === undefined ? self : Effect.timeout(self, timeout))))
    }
    const base = pipeline(timeoutMs, gateOption?.key)
    const withOptions = (call: CallOptions): Transform => {
      if (call === undefined || (call.timeout === undefined && call.key === undefined)) return base
      // a bad per-call timeout is the caller's input: fail that call with the typed error, never a defect
      const ms = check.validated(() => check.millis("call.timeout", call.timeout, timeoutMs, { allowInfinite: true }))
      return (self) => Effect.flatMap(ms, (ms) => pipeline(ms, call.key ?? gateOption?.key)(self))
    }
    const policy = (self: Effect.Effect<any, any, any>) => base(self)
    return Object.assign(Object.setPrototypeOf(policy, Proto), { with: withOptions, breaker }) as Resilience<E, GErr>
  })

/** @internal */
export const serve = <A, E, R, In>(
  self: Effect.Effect<A, E, R>,
  policy: Resilience<any, any>,
  options: ServeOptions<In, ReadonlyArray<Alternative<A, any, any, In>>>
): Effect.Effect<Served<A>, any, any> =>
  fallbackServe(policy.with(options)(self), { chain: options.fallback, when: options.when as any })
