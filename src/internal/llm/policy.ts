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
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { resolveOptions } from "../registry/entry.js"
import * as CircuitBreaker from "../../CircuitBreaker.js"
import { CircuitOpenError, InvalidOptionError } from "../errors.js"
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
import { make as failoverMake, type Made } from "../resilience/failover.js"
import { make as makeResilience } from "../resilience/policy.js"
import { rejectionOf } from "../rejection.js"
import { genAiAttributes } from "../telemetry/genai.js"
import { makeScrubber } from "../secrets.js"
import * as O from "../settings/options.js"
import * as S from "../settings/schema.js"
import { scrubProviderError } from "./scrubError.js"
import { type HeaderRecord, parseRetryHints } from "./headers.js"
import type { Step } from "../../Fallback.js"
import type { FailoverOptions, Options, Policy } from "../../llm/Policy.js"
import { dropPromise } from "../callback.js"

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

/** The public `Policy`: a `Resilience` specialised for provider errors. @internal */
export type LlmPolicy<In> = Policy<In>

/** The fields an LLM policy adds to its `Resilience`. */
interface LlmFields {
  readonly provider: string
  readonly model: string | undefined
}

/** @internal */
export const defaultTimeoutMs = 60_000

const tagOf = (u: unknown): string =>
  typeof u === "object" && u !== null && "_tag" in u && typeof u._tag === "string" ? u._tag : typeof u

/** The retry decision of the policy: only retryable provider errors. */
const retryable = (e: unknown): boolean => isProviderError(e) && isRetryable(e)
const hintOf = (e: unknown): Duration.Duration | undefined => isProviderError(e) ? retryAfter(e) : undefined

const rateLimitReset = (e: RateLimited, now: number): number | undefined =>
  e.retryAfter !== undefined ? Duration.toMillis(e.retryAfter) : e.resetAt !== undefined ? e.resetAt - now : undefined

/** Makes the breaker from settings (a preset plus overrides), classified with `llmClassifier`. */
const breakerFrom = (
  name: string,
  option: CircuitBreaker.CircuitBreaker | Settings | undefined
): Effect.Effect<CircuitBreaker.CircuitBreaker, InvalidOptionError> => {
  if (CircuitBreaker.isCircuitBreaker(option)) return Effect.succeed(option)
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

const isObject = (u: unknown): u is object => typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * `Policy.make`'s options, checked once with the one option mechanism
 * (`settings/options.ts`), in the order they are reported. `secrets` is named
 * to `checkSecret`: a bad one (a key given as a plain string) is never shown.
 */
const OptionsSchema = O.options({
  provider: O.nonEmpty,
  model: O.optional(O.nonEmpty),
  name: O.optional(O.nonEmpty),
  timeout: O.optional(S.expecting(
    Schema.declare((u): u is Duration.DurationInput => {
      const ms = S.toMillis(u)
      return ms !== undefined && ms > 0
    }),
    "a duration greater than zero such as 500, \"2 seconds\" or Duration.seconds(2) (Duration.infinity for none)"
  )),
  toProviderError: O.optional(
    O.func("a function from the call's error to a ProviderError (e.g. fromAiError, fromHttpClientError)")
  ),
  successHeaders: O.optional(O.func("a function from a successful value to its response headers (or undefined)")),
  gate: O.optional(O.guarded(
    (u): u is boolean | RateLimitGate.RateLimitGate => typeof u === "boolean" || RateLimitGate.isRateLimitGate(u),
    "a boolean or a RateLimitGate (RateLimitGate.make)"
  )),
  retry: O.optional(O.guarded(
    (u): u is object | false => u === false || isObject(u),
    "retry options (an object: times, base, ...) or false for none"
  )),
  operation: O.optional(O.nonEmpty),
  secrets: O.optional(O.secrets),
  breaker: O.optional(O.guarded(
    (u): u is object => CircuitBreaker.isCircuitBreaker(u) || isObject(u),
    "a CircuitBreaker or breaker settings ({ preset, ... })"
  ))
})

/** @internal */
export const make = <In = ProviderError>(options: Options<In>): Effect.Effect<LlmPolicy<In>, InvalidOptionError> =>
  Effect.flatMap(Effect.clock, (clock: Clock.Clock) =>
    Effect.flatMap(
      Effect.map(O.checkSecret(OptionsSchema, options, ["secrets"]), (o) => {
        const { model, provider } = o
        return {
          provider,
          model,
          name: o.name ?? (model === undefined ? provider : `${provider}/${model}`),
          timeoutMs: o.timeout === undefined ? defaultTimeoutMs : S.toMillis(o.timeout)!,
          toError: o.toProviderError as ((error: In, context: Context) => ProviderError) | undefined,
          successHeaders: o.successHeaders as ((value: unknown) => HeaderRecord | undefined) | undefined,
          gateOption: o.gate ?? true,
          operation: o.operation ?? "chat",
          secrets: o.secrets ?? noSecrets
        }
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
              if (headers === undefined || dropPromise(headers)) return undefined // an async one says nothing
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

          // Every error the caller sees is in the taxonomy: the adapter's mapping, then a safe catch-all.
          // Whatever made it (the adapter, the call itself), a provider error leaves with the known secrets removed.
          const normalize = (e: unknown): unknown => {
            // a nested breaker's rejection (e.g. inside an AiError) stays a rejection
            const rejection = rejectionOf(e)
            if (rejection !== undefined) return rejection
            if (isProviderError(e)) return scrubProviderError(e, scrubber)
            if (toError !== undefined) {
              try {
                const mapped = toError(e as In, { provider, now: clock.unsafeCurrentTimeMillis(), secrets })
                if (isProviderError(mapped)) return scrubProviderError(mapped, scrubber)
                dropPromise(mapped) // an async adapter maps nothing; its rejection is handled
              } catch {
                // an adapter that throws maps nothing
              }
            }
            // never the error's message: it may quote a request
            return new ServerError({ provider, errorType: "unclassified_error", detail: tagOf(e) })
          }

          const attributes = genAiAttributes({
            system: provider,
            operation: c.operation,
            ...(c.model === undefined ? {} : { requestModel: c.model })
          })
          // The one composed policy, specialised: errors mapped into the taxonomy inside the timeout, the timeout a
          // ProviderTimeout, the retry of retryable provider errors waiting at least the provider's hint.
          // `In | ProviderError`: `mapError` maps the call's `In` errors into ProviderError before anything reads them
          return yield* makeResilience<In | ProviderError, RateLimitGate.GateClosedError, ProviderError, LlmFields>({
            breaker,
            timeout: c.timeoutMs === Infinity ? Duration.infinity : Duration.millis(c.timeoutMs),
            retry: options.retry === false ? false : {
              ...options.retry,
              while: retryable,
              retryAfter: hintOf,
              breaker
            },
            ...(gate === undefined ? {} : { gate: { gate, key: name } })
          }, {
            name,
            attributes,
            // without an adapter, other errors pass as they are; provider errors still lose the known secrets
            mapError: toError !== undefined
              ? normalize
              : secrets.length === 0
              ? undefined
              : (e: unknown) => isProviderError(e) ? scrubProviderError(e, scrubber) : e,
            onTimeout: (timeout) => new ProviderTimeout({ provider, timeout }, { disableValidation: true }),
            fields: { provider, model: c.model }
          })
        })
    ))

/** By default every failure moves on, except a request that is itself wrong (it would fail everywhere). */
const defaultKeepGoing = (e: unknown): boolean => !(isProviderError(e) && e._tag === "InvalidRequest")

const FailoverOptionsSchema = O.options({
  while: O.optional(O.func("a function from the error to boolean"))
})

/** `Fallback.failover` with the taxonomy's default `while`. @internal */
export const failover = <const Steps extends ReadonlyArray<Step<any, any, any, any>>>(
  steps: Steps,
  options: FailoverOptions = {}
): Effect.Effect<Made<Steps>, InvalidOptionError> =>
  Effect.flatMap(
    O.check(FailoverOptionsSchema, options, "options"),
    (o) => failoverMake(steps, { while: o.while ?? defaultKeepGoing })
  )
