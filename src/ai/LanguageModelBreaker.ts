/**
 * Puts an `@effect/ai` `LanguageModel` behind a circuit breaker (or any
 * resilience policy): `generateText`, `generateObject` and `streamText` each
 * go through it, whichever provider (OpenAI, Anthropic) is underneath.
 *
 * **Details**
 *
 * The wrapper is built from two functions, "wrap an effect" and "wrap a
 * stream" ({@link Wrappers}); {@link wrappers} makes the breaker's, and a
 * later policy (retry, fallback) can pass its own.
 *
 * - {@link layer} replaces the `LanguageModel` in context, so existing code
 *   (`LanguageModel.generateText`, `Chat`) is protected unchanged. The
 *   service's contract fixes its error type to `AiError`, so a rejection is an
 *   `AiError` `UnknownError` whose `cause` is the `CircuitOpenError` (module
 *   `"CircuitBreaker"`): find it with `circuitOpenError(error)`. It is never
 *   sent to the provider, and `aiClassifier` treats it as Ignored, so an outer
 *   breaker does not count it.
 * - {@link wrap} returns a service with honest types instead: its methods may
 *   also fail with the wrappers' own errors (`CircuitOpenError`, ...).
 * - {@link layerPolicy} puts the whole LLM `Policy` (timeout, breaker, gate,
 *   retry) in front of `generateText` and `generateObject`; `streamText` goes
 *   through the policy's breaker only, since a stream that has started cannot
 *   be retried safely.
 * - Streams go through `CircuitBreaker.makeStream`: the whole stream is one call; an
 *   `"error"` part (a provider's `event: error` after HTTP 200) counts as a
 *   failure, classified by `fromStreamErrorPart`; the consumer stopping early
 *   is Ignored; `firstElementTimeout` (60 s) bounds the wait for the first
 *   part, `idleTimeout` (120 s) each silence between parts and `totalTimeout`
 *   (10 min) the whole wait: a stream that stalls after its first tokens fails
 *   with `StreamTimeoutError` and counts as a failure.
 * - Classification: by default `languageModelClassifier` (5xx, overload,
 *   timeouts, network errors and malformed answers fail; 429 and other 4xx are
 *   Ignored; a tool handler's own errors are Ignored).
 * - With a toolkit, `generateText` runs tool handlers inside the call, so the
 *   call's duration includes them.
 * - Errors, logs and spans made here carry no request data: the API key in an
 *   `HttpResponseError`'s request headers is never read or copied.
 *
 * **Example**
 *
 * ```ts
 * import { LanguageModel } from "@effect/ai"
 * import { Effect } from "effect"
 * import { TripPolicy } from "effect-breaker"
 * import { LanguageModelBreaker } from "effect-breaker/ai"
 *
 * const Protected = LanguageModelBreaker.layer({
 *   breaker: { name: "openai", policy: TripPolicy.consecutiveFailures(5), openDuration: "30 seconds" },
 *   provider: "openai",
 *   firstElementTimeout: "20 seconds"
 * })
 * // provide `Protected` on top of OpenAiLanguageModel.layer(...):
 * const program = LanguageModel.generateText({ prompt: "hi" })
 * ```
 *
 * @since 0.1.0
 */
import * as AiError from "@effect/ai/AiError"
import * as LanguageModel from "@effect/ai/LanguageModel"
import type * as Response from "@effect/ai/Response"
import type * as Tool from "@effect/ai/Tool"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import type { NoExcessProperties } from "effect/Types"
import * as CircuitBreaker from "../CircuitBreaker.js"
import { CircuitOpenError, InvalidOptionError } from "../CircuitBreaker.js"
import { scopedBreaker } from "../internal/release.js"
import * as O from "../internal/settings/options.js"
import type * as Policy from "../llm/Policy.js"
import type { PolicyError } from "../llm/Policy.js"
import { isProviderError, scrub } from "../llm/ProviderError.js"
import { GateClosedError } from "../RateLimitGate.js"
import { isResilience } from "../Resilience.js"
import { fromStreamErrorPart, languageModelClassifier, redactAiError } from "./classify.js"

/**
 * @since 0.1.0
 * @category models
 */
export type Method = "generateText" | "generateObject" | "streamText"

/**
 * How each call is wrapped: an effect transformer for `generateText` and
 * `generateObject`, a stream transformer for `streamText`. `E` is the error
 * the wrappers add.
 *
 * @since 0.1.0
 * @category models
 */
export interface Wrappers<E> {
  readonly effect: <A, E0, R>(self: Effect.Effect<A, E0, R>, method: Method) => Effect.Effect<A, E0 | E, R>
  readonly stream: <A, E0, R>(self: Stream.Stream<A, E0, R>, method: Method) => Stream.Stream<A, E0 | E, R>
}

/**
 * A `LanguageModel` service whose calls may also fail with `E`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Protected<E> {
  readonly generateText: <
    Options extends NoExcessProperties<LanguageModel.GenerateTextOptions<any>, Options>,
    Tools extends Record<string, Tool.Any> = {}
  >(options: Options & LanguageModel.GenerateTextOptions<Tools>) => Effect.Effect<
    LanguageModel.GenerateTextResponse<Tools>,
    LanguageModel.ExtractError<Options> | E,
    LanguageModel.ExtractContext<Options>
  >
  readonly generateObject: <
    A,
    I extends Record<string, unknown>,
    R,
    Options extends NoExcessProperties<LanguageModel.GenerateObjectOptions<any, A, I, R>, Options>,
    Tools extends Record<string, Tool.Any> = {}
  >(options: Options & LanguageModel.GenerateObjectOptions<Tools, A, I, R>) => Effect.Effect<
    LanguageModel.GenerateObjectResponse<Tools, A>,
    LanguageModel.ExtractError<Options> | E,
    R | LanguageModel.ExtractContext<Options>
  >
  readonly streamText: <
    Options extends NoExcessProperties<LanguageModel.GenerateTextOptions<any>, Options>,
    Tools extends Record<string, Tool.Any> = {}
  >(options: Options & LanguageModel.GenerateTextOptions<Tools>) => Stream.Stream<
    Response.StreamPart<Tools>,
    LanguageModel.ExtractError<Options> | E,
    LanguageModel.ExtractContext<Options>
  >
}

/**
 * Wraps every method of `service` with `wrappers`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const wrap = <E>(service: LanguageModel.Service, wrappers: Wrappers<E>): Protected<E> => ({
  generateText: (options: any) => wrappers.effect(service.generateText(options), "generateText"),
  generateObject: (options: any) => wrappers.effect(service.generateObject(options), "generateObject"),
  streamText: (options: any) => wrappers.stream(service.streamText(options), "streamText")
}) as Protected<E>

/**
 * @since 0.1.0
 * @category models
 */
export interface BreakerOptions {
  /**
   * Bound on the wait for a stream's first part (a failure when exceeded).
   * Default: 60 seconds; `Duration.infinity` for none.
   */
  readonly firstElementTimeout?: Duration.DurationInput | undefined
  /**
   * Bound on the silence between two parts of a stream: a provider that sends
   * a few tokens and stalls fails the stream with `StreamTimeoutError`
   * (`kind: "idle"`), counted as a failure. Default: 120 seconds (reasoning
   * models pause between parts); `Duration.infinity` for none.
   */
  readonly idleTimeout?: Duration.DurationInput | undefined
  /**
   * Bound on the total time a stream waits for the provider (the consumer's own
   * time between parts does not count). Default: 10 minutes, as the providers'
   * SDKs; `Duration.infinity` for none.
   */
  readonly totalTimeout?: Duration.DurationInput | undefined
  /** The provider's name, kept on the errors classified from stream error parts. */
  readonly provider?: string | undefined
  /**
   * The API keys the underlying client sends (the same `Redacted` values you
   * give it). Removed, with every key shape, from the texts of the errors that
   * leave the wrapper. Default: none (key shapes are still removed).
   */
  readonly secrets?: ReadonlyArray<Redacted.Redacted<string>> | undefined
  /**
   * Replace every `AiError` leaving the wrapper by `redactAiError`'s copy
   * (same class and `_tag`, request credential headers replaced, texts
   * scrubbed). `@effect/ai` keeps `authorization: Bearer <key>` in plain text on
   * `HttpRequestError`/`HttpResponseError`: turn this off only if nothing logs,
   * exports or prints those errors. Default: `true`.
   */
  readonly redactErrors?: boolean | undefined
}

/**
 * `wrappers`' own options (the stream timeouts are checked by
 * `CircuitBreaker.makeStream`), with the one option mechanism: `secrets` is
 * named to `checkSecret`, so a key given as a plain string is never shown.
 */
const BreakerOptionsSchema = O.options({
  provider: O.optional(O.nonEmpty),
  secrets: O.optional(O.secrets),
  redactErrors: O.optional(O.boolean)
})

const isErrorPart = (part: unknown): part is Response.ErrorPart =>
  typeof part === "object" && part !== null && "type" in part && part.type === "error"

/**
 * The breaker's wrappers: `breaker(effect)` for single calls, `CircuitBreaker.makeStream`
 * for streams, with an `"error"` part counted as a failure. Fails with
 * `InvalidOptionError` for a bad `secrets`, `redactErrors`, `firstElementTimeout`, `idleTimeout` or
 * `totalTimeout`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const wrappers = (
  breaker: CircuitBreaker.CircuitBreaker,
  options?: BreakerOptions
): Effect.Effect<Wrappers<CircuitOpenError | CircuitBreaker.StreamTimeoutError>, InvalidOptionError> => {
  const checked = Effect.zipRight(
    O.check(O.guarded(CircuitBreaker.isCircuitBreaker, "a CircuitBreaker (CircuitBreaker.make)"), breaker, "breaker"),
    O.checkSecret(BreakerOptionsSchema, options ?? {}, ["secrets"])
  )
  return Effect.flatMap(checked, ({ provider, redactErrors, secrets }) => {
    const classifyOptions = {
      ...(provider === undefined ? {} : { provider }),
      ...(secrets === undefined ? {} : { secrets })
    }
    // A redacted AiError is a copy of the same class, so the error keeps its type.
    const redact = redactErrors === false ? undefined : <X>(e: X): X =>
      AiError.isAiError(e) ? redactAiError(e, secrets === undefined ? undefined : { secrets }) as X : e
    return Effect.map(
      CircuitBreaker.makeStream(breaker, {
        firstElementTimeout: options?.firstElementTimeout,
        idleTimeout: options?.idleTimeout,
        totalTimeout: options?.totalTimeout,
        itemError: (part) => isErrorPart(part) ? fromStreamErrorPart(part.error, classifyOptions) : undefined
      }),
      (guard): Wrappers<CircuitOpenError | CircuitBreaker.StreamTimeoutError> => ({
        effect: redact === undefined ? (self) => breaker(self) : (self) => Effect.mapError(breaker(self), redact),
        stream: redact === undefined ? (self) => guard(self) : (self) => Stream.mapError(guard(self), redact)
      })
    )
  })
}

/**
 * An error added by a wrapper, as an `AiError`: an `AiError` as it is,
 * anything else as an `UnknownError` (module `"CircuitBreaker"`, the method,
 * the error's scrubbed message) whose `cause` is the error itself.
 *
 * @since 0.1.0
 * @category constructors
 */
export const toAiError = (error: unknown, method: Method): AiError.AiError =>
  AiError.isAiError(error) ? error : new AiError.UnknownError({
    module: "CircuitBreaker",
    method,
    description: scrub(error instanceof Error ? error.message : String(error)),
    cause: error
  })

/**
 * Makes wrappers whose own errors (those matching `isOwn`) are turned into
 * `AiError`s by {@link toAiError}, so they fit the `LanguageModel` contract.
 * Errors of the wrapped call pass untouched.
 *
 * @since 0.1.0
 * @category combinators
 */
export const asAiErrors = <E>(wrappers: Wrappers<E>, isOwn: (u: unknown) => u is E): Wrappers<AiError.AiError> => ({
  effect: (self, method) =>
    Effect.catchIf(wrappers.effect(self, method), isOwn, (e) => Effect.fail(toAiError(e, method))),
  stream: <A, E0, R>(self: Stream.Stream<A, E0, R>, method: Method) =>
    Stream.catchAll(
      wrappers.stream(self, method),
      (e): Stream.Stream<never, E0 | AiError.AiError> => isOwn(e) ? Stream.fail(toAiError(e, method)) : Stream.fail(e)
    )
})

/**
 * Replaces the `LanguageModel` in context with one whose calls go through
 * `wrappers` (whose errors must already be `AiError`s: see {@link asAiErrors}).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (
  wrappers: Wrappers<AiError.AiError>
): Layer.Layer<LanguageModel.LanguageModel, never, LanguageModel.LanguageModel> =>
  Layer.effect(
    LanguageModel.LanguageModel,
    Effect.map(LanguageModel.LanguageModel, (service) => wrap(service, wrappers) as LanguageModel.Service)
  )

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends BreakerOptions {
  /**
   * The breaker, or the options to make one (made when the layer is built,
   * with `classify` defaulting to `languageModelClassifier`).
   */
  readonly breaker: CircuitBreaker.CircuitBreaker | CircuitBreaker.Options
}

/**
 * Makes a breaker for language model calls: `classify` defaults to
 * `languageModelClassifier`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeBreaker = (
  options: CircuitBreaker.Options
): Effect.Effect<CircuitBreaker.CircuitBreaker, InvalidOptionError> =>
  CircuitBreaker.make({ classify: languageModelClassifier, ...options })

const LayerOptions = O.options({
  breaker: O.guarded(
    (u): u is CircuitBreaker.CircuitBreaker | CircuitBreaker.Options =>
      CircuitBreaker.isCircuitBreaker(u) || (typeof u === "object" && u !== null && !Array.isArray(u)),
    "a CircuitBreaker, or the options to make one ({ name, policy, ... })"
  ),
  provider: O.optional(O.nonEmpty)
})

const isOwnError = (u: unknown): u is CircuitOpenError | CircuitBreaker.StreamTimeoutError =>
  u instanceof CircuitOpenError || u instanceof CircuitBreaker.StreamTimeoutError

/**
 * Replaces the `LanguageModel` in context with one behind a breaker. A
 * rejection, or a stream's first-part timeout, is an `AiError`
 * `UnknownError` whose `cause` is the `CircuitOpenError` /
 * `StreamTimeoutError`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<LanguageModel.LanguageModel, InvalidOptionError, LanguageModel.LanguageModel> =>
  Layer.unwrapScoped(
    Effect.map(
      Effect.flatMap(
        Effect.zipRight(
          O.check(LayerOptions, options),
          Effect.suspend(() =>
            CircuitBreaker.isCircuitBreaker(options.breaker)
              ? Effect.succeed(options.breaker)
              // a breaker the layer makes is released with it (metric series, subscriptions)
              : scopedBreaker(
                Effect.mapError(
                  makeBreaker(options.breaker),
                  (e) => new InvalidOptionError({ option: `breaker.${e.option}`, value: e.value, expected: e.expected })
                )
              )
          )
        ),
        (breaker) => wrappers(breaker, options)
      ),
      (ws) => layerWith(asAiErrors(ws, isOwnError))
    )
  )

const isPolicyError = (u: unknown): u is PolicyError | CircuitBreaker.StreamTimeoutError =>
  isProviderError(u) || isOwnError(u) || u instanceof GateClosedError

/**
 * The wrappers of an LLM `Policy`: `generateText` and `generateObject` go
 * through the whole policy (timeout, breaker, rate-limit gate, retry); a
 * stream goes through the policy's breaker with the stream time limits
 * (`firstElementTimeout`, `idleTimeout`, `totalTimeout`). Make the policy with
 * `toProviderError: fromAiError`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const policyWrappers = (
  policy: Policy.Policy<AiError.AiError>,
  options?: Omit<BreakerOptions, "provider">
): Effect.Effect<Wrappers<PolicyError | CircuitBreaker.StreamTimeoutError>, InvalidOptionError> =>
  // checked before its fields are read: a bad `policy` is a typed error naming it, never a throw
  Effect.flatMap(O.check(PolicyWrapperArgs, { policy }), () =>
    Effect.map(
      wrappers(policy.breaker, { ...options, provider: policy.provider }),
      (ws) => ({
        // Cast: a LanguageModel call fails with AiError by its contract, which the generic wrapper type
        // (`Wrappers<E>`, public, generic in the call's error) cannot state
        effect: <A, E0, R>(self: Effect.Effect<A, E0, R>) => policy(self as Effect.Effect<A, AiError.AiError, R>),
        stream: ws.stream
      })
    ))

const PolicyWrapperArgs = O.options({
  policy: O.guarded(
    (u): u is Policy.Policy<AiError.AiError> =>
      isResilience(u) && typeof (u as { readonly provider?: unknown }).provider === "string",
    "an LLM Policy (Policy.make or Policy.failover from effect-breaker/llm)"
  )
})

/**
 * Replaces the `LanguageModel` in context with one whose calls go through an
 * LLM `Policy`. The service's contract fixes its errors to `AiError`, so a
 * failure the policy reports (a `ProviderError`, `CircuitOpenError`,
 * `GateClosedError` or `StreamTimeoutError`) is an `AiError` `UnknownError`
 * whose `cause` is that typed error.
 *
 * **Example**
 *
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { fromAiError, LanguageModelBreaker } from "effect-breaker/ai"
 * import { Policy } from "effect-breaker/llm"
 *
 * const Protected = Layer.unwrapEffect(Effect.map(
 *   Policy.make({ provider: "openai", model: "gpt-4o", toProviderError: fromAiError }),
 *   (policy) => LanguageModelBreaker.layerPolicy(policy, { firstElementTimeout: "20 seconds" })
 * ))
 * // provide `Protected` on top of OpenAiLanguageModel.layer(...)
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerPolicy = (
  policy: Policy.Policy<AiError.AiError>,
  options?: Omit<BreakerOptions, "provider">
): Layer.Layer<LanguageModel.LanguageModel, InvalidOptionError, LanguageModel.LanguageModel> =>
  Layer.unwrapEffect(Effect.map(policyWrappers(policy, options), (ws) => layerWith(asAiErrors(ws, isPolicyError))))
