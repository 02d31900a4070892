/**
 * The LLM policy: the generic combinators (timeout, breaker, rate-limit gate,
 * retry, fallback, failover) wired with the provider taxonomy.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"
import { pipeArguments } from "effect/Pipeable"
import { resolveOptions } from "../../BreakerRegistry.js"
import * as CircuitBreaker from "../../CircuitBreaker.js"
import { CircuitOpenError, InvalidOptionError } from "../errors.js"
import * as Fallback from "../../Fallback.js"
import { llmClassifier } from "../../llm/classify.js"
import {
  isProviderError,
  isRetryable,
  type ProviderError,
  ProviderTimeout,
  type RateLimited,
  retryAfter,
  ServerError
} from "../../llm/ProviderError.js"
import type { Settings } from "../../BreakerRegistry.js"
import * as RateLimitGate from "../../RateLimitGate.js"
import * as Resilience from "../../Resilience.js"
import { asFailoverStep, sooner } from "../rejection.js"
import { genAiAttributes } from "../telemetry/genai.js"
import { annotateFallback } from "../telemetry/annotate.js"
import * as Hedge from "../resilience/hedge.js"
import { makeScrubber } from "../secrets.js"
import * as check from "../validate.js"
import { scrubProviderError } from "./scrubError.js"
import { type HeaderRecord, parseRetryHints } from "./headers.js"
import type { Options, CallOptions, ServeOptions, FailoverServeOptions, FailoverOptions, Step } from "../../llm/Policy.js"
import type { Policy } from "../../llm/Policy.js"
/** @internal */
export type { Options, CallOptions, ServeOptions, FailoverServeOptions, FailoverOptions, Step } from "../../llm/Policy.js"

/** @internal */
export type PolicyError = ProviderError | CircuitOpenError | RateLimitGate.GateClosedError

/** @internal */
export interface Context {
  readonly provider: string
  /** Epoch millis, from the policy's `Clock`. */
  readonly now: number
  /** The policy's `secrets`, to remove from any text the adapter keeps. */
  readonly secrets: ReadonlyArray<Redacted.Redacted<string>>
}

/** @internal */
export type RetryOptions = Omit<Resilience.RetryOptions<ProviderError>, "while" | "retryAfter" | "breaker" | "timeouts">

/** @internal */
export const TypeId: unique symbol = Symbol.for("effect-breaker/llm/Policy")

type Transform = (self: Effect.Effect<any, any, any>) => Effect.Effect<any, any, any>

/** The public `Policy`. @internal */
export type LlmPolicy<In> = Policy<In>

const Proto = {
  [TypeId]: TypeId,
  pipe() {
    return pipeArguments(this, arguments)
  }
}

/** @internal */
export const isPolicy = (u: unknown): u is LlmPolicy<unknown> => typeof u === "function" && TypeId in u

/** @internal */
export const defaultTimeoutMs = 60_000

const tagOf = (u: unknown): string =>
  typeof u === "object" && u !== null && "_tag" in u && typeof u._tag === "string" ? u._tag : typeof u

/** The retry decision of the policy: only retryable provider errors. */
const retryable = (e: ProviderError): boolean => isProviderError(e) && isRetryable(e)
const hintOf = (e: ProviderError): Duration.Duration | undefined => isProviderError(e) ? retryAfter(e) : undefined

const rateLimitReset = (e: RateLimited, now: number): number | undefined =>
  e.retryAfter !== undefined ? Duration.toMillis(e.retryAfter) : e.resetAt !== undefined ? e.resetAt - now : undefined

/** Makes the breaker from settings (a preset plus overrides), classified with `llmClassifier`. */
const breakerFrom = (
  name: string,
  option: CircuitBreaker.CircuitBreaker | Settings | undefined
): Effect.Effect<CircuitBreaker.CircuitBreaker, InvalidOptionError> => {
  if (CircuitBreaker.isCircuitBreaker(option)) return Effect.succeed(option)
  if (option !== undefined && (typeof option !== "object" || option === null)) {
    return check.validated(() => check.invalid("breaker", option, "a CircuitBreaker or breaker settings ({ preset, ... })"))
  }
  const resolved = resolveOptions(name, option ?? { preset: "default" }, { classify: llmClassifier })
  if (Either.isLeft(resolved)) {
    const e = resolved.left
    return Effect.fail(
      new InvalidOptionError({ option: `breaker (${e.option ?? e.setting})`, value: e.value, expected: e.expected })
    )
  }
  return CircuitBreaker.make(resolved.right.options)
}

const noSecrets: ReadonlyArray<Redacted.Redacted<string>> = []

/** `secrets`: an array of `Redacted` strings (never echoed: the value of a bad entry is not shown). */
const checkSecrets = (secrets: unknown): ReadonlyArray<Redacted.Redacted<string>> => {
  if (secrets === undefined) return noSecrets
  if (!Array.isArray(secrets)) return check.invalid("secrets", "(not shown)", "an array of Redacted strings")
  secrets.forEach((s, i) => {
    if (!Redacted.isRedacted(s) || typeof Redacted.value(s) !== "string") {
      check.invalid(`secrets[${i}]`, "(not shown)", "a Redacted string (Redacted.make(key) or Config.redacted)")
    }
  })
  return secrets
}

/** @internal */
export const make = <In = ProviderError>(options: Options<In>): Effect.Effect<LlmPolicy<In>, InvalidOptionError> =>
  Effect.flatMap(Effect.clock, (clock: Clock.Clock) =>
    Effect.flatMap(
      check.validated(() => {
        check.object("options", options)
        const provider = check.nonEmptyString("provider", options.provider)
        const model = options.model === undefined ? undefined : check.nonEmptyString("model", options.model)
        const name = check.nonEmptyString("name", options.name, model === undefined ? provider : `${provider}/${model}`)
        const timeoutMs = check.millis("timeout", options.timeout, defaultTimeoutMs, { allowInfinite: true })
        const toError = check.func<(error: In, context: Context) => ProviderError>(
          "toProviderError",
          options.toProviderError,
          "a function from the call's error to a ProviderError (e.g. fromAiError, fromHttpClientError)"
        )
        const successHeaders = check.func<(value: unknown) => HeaderRecord | undefined>(
          "successHeaders",
          options.successHeaders,
          "a function from a successful value to its response headers (or undefined)"
        )
        const gateOption = options.gate ?? true
        if (typeof gateOption !== "boolean" && !RateLimitGate.isRateLimitGate(gateOption)) {
          check.invalid("gate", gateOption, "a boolean or a RateLimitGate (RateLimitGate.make)")
        }
        if (options.retry !== undefined && options.retry !== false) check.object("retry", options.retry)
        const operation = options.operation === undefined ? "chat" : check.nonEmptyString("operation", options.operation)
        const secrets = checkSecrets(options.secrets)
        return { provider, model, name, timeoutMs, toError, successHeaders, gateOption, operation, secrets }
      }),
      (c) =>
        Effect.gen(function*() {
          const { name, provider, secrets, successHeaders, toError } = c
          const scrubber = makeScrubber(secrets)
          const breaker = yield* breakerFrom(name, options.breaker)

          // What the gate learns: a 429's reset, or a success whose headers say nothing remains.
          const resetAfter = (exit: Exit.Exit<unknown, unknown>): Duration.DurationInput | undefined => {
            if (exit._tag === "Success") {
              if (successHeaders === undefined) return undefined
              const headers = successHeaders(exit.value)
              if (headers === undefined) return undefined
              const now = clock.unsafeCurrentTimeMillis()
              const hints = parseRetryHints(headers, now)
              return hints.exhausted === true && hints.resetAtMs !== undefined && hints.resetAtMs > now
                ? Duration.millis(hints.resetAtMs - now)
                : undefined
            }
            const failure = Cause.failureOption(exit.cause)
            if (failure._tag === "None" || !isProviderError(failure.value) || failure.value._tag !== "RateLimited") {
              return undefined
            }
            const ms = rateLimitReset(failure.value, clock.unsafeCurrentTimeMillis())
            return ms === undefined || !(ms > 0) ? undefined : Duration.millis(ms)
          }
          const gate = c.gateOption === false
            ? undefined
            : c.gateOption === true
            ? yield* RateLimitGate.make({ name, resetAfter })
            : c.gateOption

          const resilience = yield* Resilience.make<ProviderError, RateLimitGate.GateClosedError>({
            breaker,
            timeout: Duration.infinity,
            retry: options.retry === false ? false : {
              ...options.retry,
              while: retryable,
              retryAfter: hintOf,
              breaker
            },
            ...(gate === undefined ? {} : { gate: { gate, key: name } })
          })

          // Every error the caller sees is in the taxonomy: the adapter's mapping, then a safe catch-all.
          // Whatever made it (the adapter, the call itself), a provider error leaves with the known secrets removed.
          const normalize = (e: unknown): unknown => {
            if (e instanceof CircuitOpenError) return e
            if (isProviderError(e)) return scrubProviderError(e, scrubber)
            if (toError !== undefined) {
              try {
                const mapped = toError(e as In, { provider, now: clock.unsafeCurrentTimeMillis(), secrets })
                if (isProviderError(mapped)) return scrubProviderError(mapped, scrubber)
              } catch {
                // an adapter that throws maps nothing
              }
            }
            // never the error's message: it may quote a request
            return new ServerError({ provider, errorType: "unclassified_error", detail: tagOf(e) })
          }

          const attempt = (ms: number): Transform => {
            const timeout = ms === Infinity ? undefined : Duration.millis(ms)
            const onTimeout = () => new ProviderTimeout({ provider, timeout: timeout! }, { disableValidation: true })
            return (self) => {
              const mapped = toError === undefined ? self : Effect.mapError(self, normalize)
              return timeout === undefined ? mapped : Effect.timeoutFail(mapped, { duration: timeout, onTimeout })
            }
          }
          const pipeline = (ms: number): Transform => {
            const inner = attempt(ms)
            return (self) => resilience(inner(self))
          }
          const base = pipeline(c.timeoutMs)
          const withOptions = (call: CallOptions): Transform => {
            if (call === undefined || call.timeout === undefined) return base
            const ms = check.validated(() => check.millis("call.timeout", call.timeout, c.timeoutMs, { allowInfinite: true }))
            return (self) => Effect.flatMap(ms, (ms) => pipeline(ms)(self))
          }
          const attributes = genAiAttributes({
            system: provider,
            operation: c.operation,
            ...(c.model === undefined ? {} : { requestModel: c.model })
          })
          const policy = (self: Effect.Effect<any, any, any>) => base(self)
          // a function's own `name` is read-only: define the fields
          const fields = { with: withOptions, name, provider, model: c.model, breaker, gate, attributes }
          for (const [key, value] of Object.entries(fields)) {
            Object.defineProperty(policy, key, { value, enumerable: true, configurable: false, writable: false })
          }
          return Object.setPrototypeOf(policy, Proto) as LlmPolicy<In>
        })
    ))

/**
 * A bad per-call timeout fails the call with `InvalidOptionError` before
 * anything runs: it must not be caught by the fallback chain.
 */
const checkCall = (call: CallOptions): Effect.Effect<CallOptions, InvalidOptionError> =>
  call.timeout === undefined
    ? Effect.succeed(noCall)
    : check.validated(() => {
      check.millis("call.timeout", call.timeout, defaultTimeoutMs, { allowInfinite: true })
      return { timeout: call.timeout }
    })
const noCall: CallOptions = {}

/** @internal */
export const serve = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  policy: LlmPolicy<any>,
  options: ServeOptions<ReadonlyArray<Fallback.Alternative<any, any, any, any>>>
): Effect.Effect<Fallback.Served<any>, any, any> =>
  Effect.flatMap(checkCall(options), (call) =>
    Effect.zipRight(
      Effect.annotateCurrentSpan(policy.attributes),
      Fallback.serve(policy.with(call)(self as Effect.Effect<A, any, R>), {
        chain: options.fallback,
        ...(options.when === undefined ? {} : { when: options.when })
      })
    ))

/** @internal */
export const FailoverTypeId: unique symbol = Symbol.for("effect-breaker/llm/Failover")

/** @internal */
export interface LlmFailover<I, A, R> {
  readonly [FailoverTypeId]: typeof FailoverTypeId
  (input: I): Effect.Effect<Fallback.Served<A>, PolicyError, R>
  readonly serve: <const Alts extends ReadonlyArray<Fallback.Alternative<any, any, any, any>>>(
    input: I,
    options: FailoverServeOptions<Alts>
  ) => Effect.Effect<
    Fallback.Served<A | Fallback.Alternative.Success<Alts[number]>> & { readonly hedged?: boolean | undefined },
    PolicyError | InvalidOptionError | Fallback.Alternative.Error<Alts[number]>,
    R | Fallback.Alternative.Context<Alts[number]>
  >
  readonly names: ReadonlyArray<string>
}

/** By default every failure moves on, except a request that is itself wrong (it would fail everywhere). */
const defaultKeepGoing = (e: PolicyError): boolean => !(isProviderError(e) && e._tag === "InvalidRequest")

/** @internal */
export const failover = <I, A, R>(
  steps: ReadonlyArray<Step<I, A, any, R>>,
  options: FailoverOptions = {}
): Effect.Effect<LlmFailover<I, A, R>, InvalidOptionError> =>
  check.validated(() => {
    if (!Array.isArray(steps) || steps.length === 0) check.invalid("steps", steps, "a non-empty array of { policy, run }")
    check.object("options", options)
    const keepGoing = check.func<(e: PolicyError) => boolean>("options.while", options.while, "a function from the error to boolean") ??
      defaultKeepGoing
    steps.forEach((s, i) => {
      check.object(`steps[${i}]`, s)
      if (!isPolicy(s.policy)) check.invalid(`steps[${i}].policy`, s.policy, "an LLM policy (Policy.make)")
      if (typeof s.run !== "function") check.invalid(`steps[${i}].run`, s.run, "a function from the input to an Effect")
    })
    const names = steps.map((s) => s.policy.name)
    const stop = (e: PolicyError): boolean => {
      try {
        return !keepGoing(e)
      } catch {
        return true // a predicate that throws does not send the request elsewhere
      }
    }

    const succeeded = (
      i: number,
      value: A,
      caches: ReadonlyArray<{ readonly cache: Fallback.LastGoodCache<any>; readonly key: string }>
    ): Effect.Effect<Fallback.Served<A>> => {
      const policy = steps[i]!.policy
      const served: Fallback.Served<A> = { value, servedBy: i === 0 ? Fallback.primary : { _tag: "Fallback", name: policy.name } }
      let done: Effect.Effect<void> = Effect.annotateCurrentSpan(policy.attributes)
      if (i > 0) done = Effect.zipRight(done, annotateFallback(policy.name, "provider", names[0]))
      for (const c of caches) done = Effect.zipRight(done, c.cache.set(c.key, value))
      return Effect.as(done, served)
    }

    const from = (
      i: number,
      input: I,
      call: CallOptions,
      caches: ReadonlyArray<{ readonly cache: Fallback.LastGoodCache<any>; readonly key: string }>,
      lastError: unknown,
      ran: boolean,
      soonest: CircuitOpenError | undefined
    ): Effect.Effect<Fallback.Served<A>, any, R> => {
      if (i === steps.length) {
        return ran ? Effect.fail(lastError) : Effect.zipRight(
          Effect.annotateCurrentSpan({ "failover.all_open": true, "failover.steps": names.join(",") }),
          Effect.fail(soonest!)
        )
      }
      const step = steps[i]!
      const policy = step.policy
      // a half-open rejection goes to the next step at once (internal/rejection.ts)
      const attempt = asFailoverStep(Effect.suspend(() => policy.with(call)(step.run(input))))
      return Effect.matchEffect(attempt, {
        onSuccess: (value) => succeeded(i, value, caches),
        onFailure: (error) => {
          if (error instanceof CircuitOpenError) return from(i + 1, input, call, caches, lastError, ran, sooner(soonest, error))
          if (stop(error as PolicyError)) return Effect.fail(error)
          return from(i + 1, input, call, caches, error, true, soonest)
        }
      })
    }

    const noCaches: ReadonlyArray<never> = []
    const run = (input: I) => from(0, input, noCall, noCaches, undefined, false, undefined)
    /**
     * The first step hedged by the others: after the hedge's delay the rest of
     * the failover starts beside it (at once if it fails first, e.g. an open
     * circuit); the first success answers. The first step keeps running in the
     * hedge's scope, so its breaker records its timeout or failure.
     */
    const hedged = (
      hedge: Hedge.Hedge,
      input: I,
      call: CallOptions,
      caches: ReadonlyArray<{ readonly cache: Fallback.LastGoodCache<any>; readonly key: string }>,
      onError: (error: unknown, fired: boolean) => Effect.Effect<any, any, any>
    ): Effect.Effect<any, any, R> =>
      Effect.suspend(() => {
        let fired = false
        const first = steps[0]!
        const primary = asFailoverStep(Effect.suspend(() => first.policy.with(call)(first.run(input))))
        const rest = (trigger: Hedge.Trigger<unknown>) => {
          if (trigger._tag === "Slow") {
            fired = true
            return from(1, input, call, caches, undefined, false, undefined)
          }
          const e = trigger.error
          return e instanceof CircuitOpenError
            ? from(1, input, call, caches, undefined, false, e)
            : from(1, input, call, caches, e, true, undefined)
        }
        return Effect.matchEffect(hedge.run(primary, rest, keep), {
          onSuccess: (o) =>
            o.winner === "primary"
              ? Effect.map(succeeded(0, o.value as A, caches), (served) => ({ ...served, hedged: o.fired }))
              : Effect.succeed({ ...(o.value as Fallback.Served<A>), hedged: o.fired }),
          onFailure: (error) => onError(error, fired)
        })
      })
    const keep = (e: unknown): boolean => !stop(e as PolicyError)

    const serve = (input: I, serveOptions: FailoverServeOptions<ReadonlyArray<Fallback.Alternative<any, any, any, any>>>) => {
      const chain = serveOptions.fallback
      const caches: Array<{ readonly cache: Fallback.LastGoodCache<any>; readonly key: string }> = []
      for (const alt of chain) if (alt._tag === "Cache") caches.push({ cache: alt.cache, key: alt.key })
      const when = serveOptions.when
      const hedge = serveOptions.hedge
      const fallBack = (error: unknown) => Fallback.serve(Effect.fail(error), { chain, ...(when === undefined ? {} : { when }) })
      if (hedge !== undefined && !Hedge.isHedge(hedge)) {
        return check.validated(() => check.invalid("serve.hedge", hedge, "a Hedge (Fallback.makeHedge)"))
      }
      if (hedge !== undefined && steps.length > 1) {
        return Effect.flatMap(checkCall(serveOptions), (call) =>
          hedged(hedge as Hedge.Hedge, input, call, caches, (error, fired) =>
            Effect.map(fallBack(error), (served) => ({ ...served, hedged: fired }))))
      }
      return Effect.flatMap(checkCall(serveOptions), (call) =>
        Effect.catchAll(from(0, input, call, caches, undefined, false, undefined), fallBack))
    }
    return Object.assign(Object.setPrototypeOf(run, FailoverProto), { serve, names }) as unknown as LlmFailover<I, A, R>
  })

const FailoverProto = {
  [FailoverTypeId]: FailoverTypeId,
  pipe() {
    return pipeArguments(this, arguments)
  }
}
