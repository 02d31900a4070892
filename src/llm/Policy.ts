/**
 * One line to make a call to an LLM provider safe: timeout, circuit breaker,
 * rate-limit gate, retry and fallback, wired with the provider taxonomy.
 *
 * **Details**
 *
 * `Policy.make({ provider, model })` builds, from the taxonomy's defaults:
 *
 * - a **timeout** per attempt (default 60 s) that fails with `ProviderTimeout`;
 * - a **breaker** from a preset (default `"default"`: 5 consecutive failures or
 *   half the calls of the last minute) classified by `llmClassifier`:
 *   `Overloaded`, `ServerError`, `ProviderTimeout`, `NetworkError` count;
 *   `RateLimited`, `InvalidRequest`, `Unauthorized`, `QuotaExhausted` are ignored;
 * - a **rate-limit gate** (on by default) keyed by `provider/model`: a
 *   `RateLimited` with a reset, or a success whose headers say nothing remains
 *   (`successHeaders`), closes it until the reset; calls meanwhile fail at once
 *   with `GateClosedError` without reaching the provider;
 * - a **retry** outside the breaker, only of `isRetryable` errors, waiting at
 *   least the provider's hint (`retryAfter(e)`); a hint longer than `maxWait`
 *   (default 30 s) fails at once with the provider's typed error;
 *   `CircuitOpenError`, `InvalidRequest`, `Unauthorized` and `QuotaExhausted`
 *   are never retried, and retrying stops as soon as the circuit opens.
 *
 * The policy **is** a `Resilience` (the one composed policy), specialised for
 * `ProviderError`: `Resilience.protect` and `Resilience.serve` (with a
 * `fallback` chain and a `hedge`) take it, and so does `Fallback.failover` as
 * a step. The order is `Resilience`'s, innermost first:
 * `fallback(retry(gate(breaker(timeout(call)))))`.
 *
 * **Why an outage is bounded, not multiplied by retries.** The retry sits
 * outside the breaker, so every attempt, first or retried, asks the breaker for
 * admission. While the circuit is closed, each request that reaches a down
 * provider is a failure the breaker counts; after `consecutiveFailures` of them
 * (the trip threshold) it opens, and from then on every attempt is rejected with
 * `CircuitOpenError` without reaching the provider. That error is never retried
 * and a retry whose next attempt would land while the circuit is still open
 * stops at once. When the open duration ends, only `halfOpen.permits` probes are
 * admitted; a failed probe reopens the circuit. So during an outage the
 * provider receives at most: trip threshold + half-open probes per opening +
 * the requests already in flight when it tripped (admitted before the opening,
 * they finish on their own), whatever the retry count and the traffic. Without
 * the breaker it receives traffic × (1 + retries).
 *
 * Errors: the call's own errors are mapped into the taxonomy by
 * `toProviderError` (`fromAiError` from `effect-breaker/ai`,
 * `fromHttpClientError` from `effect-breaker/http`); an error the adapter cannot
 * map becomes a `ServerError` with `errorType: "unclassified_error"` (only its
 * `_tag` is kept, never its message). So a call through the policy fails with
 * `ProviderError | CircuitOpenError | GateClosedError`.
 *
 * Headers on success: with `@effect/platform`'s `HttpClient`, run
 * `client.execute(request)` through the policy and pass
 * `successHeaders: (response) => response.headers`; read the body after.
 * `@effect/ai`'s `LanguageModel` does not expose the headers of a successful
 * answer, so with it the gate learns only from 429s.
 *
 * **Example**
 *
 * ```ts
 * import { Effect } from "effect"
 * import { Fallback, Resilience } from "effect-breaker"
 * import { Policy, ServerError } from "effect-breaker/llm"
 *
 * const program = Effect.gen(function*() {
 *   const openai = yield* Policy.make({ provider: "openai", model: "gpt-4o", retry: { times: 2, base: "10 millis" } })
 *   const ok = yield* Effect.succeed("hello").pipe(openai)
 *   const served = yield* Effect.fail(new ServerError({ status: 503 })).pipe(
 *     Resilience.serve(openai, { fallback: [Fallback.value("sorry, try later")] })
 *   )
 *   return [ok, served.value, served.servedBy._tag]
 * })
 * // Effect.runPromise(program) resolves to ["hello", "sorry, try later", "Fallback"]
 * ```
 *
 * @since 0.1.0
 */
import type * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type { Settings } from "../BreakerRegistry.js"
import type { CircuitBreaker, CircuitOpenError, InvalidOptionError } from "../CircuitBreaker.js"
import type { Failover, Step } from "../Fallback.js"
import type { HeaderRecord } from "../internal/llm/headers.js"
import * as internal from "../internal/llm/policy.js"
import type { GateClosedError, RateLimitGate } from "../RateLimitGate.js"
import type * as Resilience from "../Resilience.js"
import type { ProviderError } from "./ProviderError.js"

/**
 * What a call through a policy can fail with (besides defects).
 *
 * @since 0.1.0
 * @category models
 */
export type PolicyError = ProviderError | CircuitOpenError | GateClosedError

/**
 * What an adapter gets besides the error: the provider's name and the current
 * time (epoch millis, from the policy's `Clock`). Shaped like the options of
 * `fromAiError` and `fromHttpClientError`, so those can be passed as they are.
 *
 * @since 0.1.0
 * @category models
 */
export interface AdapterContext extends internal.Context {}

/**
 * A policy for one provider and model: a `Resilience` whose calls fail with
 * {@link PolicyError} (the call's errors mapped into the taxonomy) and carry
 * GenAI span attributes. Call it on an effect (`policy(call)` or
 * `call.pipe(policy)`); its `name` is `provider/model` (the breaker's name and
 * the gate's key).
 *
 * @since 0.1.0
 * @category models
 */
export interface Policy<in In = ProviderError> extends Resilience.Resilience<In | ProviderError, GateClosedError, ProviderError> {
  readonly provider: string
  readonly model: string | undefined
}

/**
 * The retry settings a caller may change; which errors are retried and the
 * minimum wait come from the taxonomy.
 *
 * @since 0.1.0
 * @category models
 */
export type RetryOptions = Omit<Resilience.RetryOptions<ProviderError>, "while" | "retryAfter" | "breaker" | "timeouts">

/**
 * @since 0.1.0
 * @category models
 */
export interface Options<In = ProviderError> {
  /** e.g. `"openai"`, `"anthropic"`: on errors and spans. */
  readonly provider: string
  /** e.g. `"gpt-4o"`. */
  readonly model?: string | undefined
  /** The breaker's name and the gate's key. Default `provider/model` (or `provider`). */
  readonly name?: string | undefined
  /**
   * A breaker (e.g. from a `BreakerRegistry`; classify it with `llmClassifier`), or
   * settings for one (`{ preset: "aggressive", halfOpen: { permits: 2 } }`). Default: the `default` preset.
   */
  readonly breaker?: CircuitBreaker | Settings | undefined
  /** Per attempt. Default 60 seconds; `Duration.infinity` for none. */
  readonly timeout?: Duration.DurationInput | undefined
  /** Retry settings (default: 3 retries from 100 ms, hints up to 30 s); `false` for none. */
  readonly retry?: RetryOptions | false | undefined
  /** The rate-limit gate: `true` (default) for one learning from this policy's calls, `false` for none, or a shared gate. */
  readonly gate?: boolean | RateLimitGate | undefined
  /** Maps the call's errors into the taxonomy, e.g. `fromAiError` or `fromHttpClientError`. */
  readonly toProviderError?: ((error: In, context: AdapterContext) => ProviderError) | undefined
  /** The response headers of a successful value, so the gate learns "none remaining" from successes. */
  readonly successHeaders?: ((value: unknown) => HeaderRecord | undefined) | undefined
  /** `gen_ai.operation.name` on spans. Default `"chat"`. */
  readonly operation?: string | undefined
  /**
   * The secrets this policy's calls send (the provider API key, as the same
   * `Redacted` you give the client). Every error the policy returns has them
   * removed from its texts (raw, URL-encoded, JSON-escaped, base64, fragments of
   * 12+ characters), and the adapter receives them (`context.secrets`) to do
   * the same. Key shapes (`sk-…`, `AIza…`, …) are removed whether given or not.
   */
  readonly secrets?: ReadonlyArray<Redacted.Redacted<string>> | undefined
}

/**
 * Makes a policy. Fails with `InvalidOptionError` naming a bad option. Time is
 * read from the `Clock` where it is made (make it under `TestClock` in tests).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: <In = ProviderError>(options: Options<In>) => Effect.Effect<Policy<In>, InvalidOptionError> =
  internal.make

/**
 * Provides a policy as the service `tag`.
 *
 * **Example**
 *
 * ```ts
 * import { Context } from "effect"
 * import { Policy } from "effect-breaker/llm"
 *
 * class OpenAiPolicy extends Context.Tag("OpenAiPolicy")<OpenAiPolicy, Policy.Policy>() {}
 *
 * const OpenAiPolicyLive = Policy.layer(OpenAiPolicy, { provider: "openai", model: "gpt-4o" })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <I, In = ProviderError>(
  tag: Context.Tag<I, Policy<In>>,
  options: Options<In>
): Layer.Layer<I, InvalidOptionError> => Layer.effect(tag, make(options))

/**
 * @since 0.1.0
 * @category models
 */
export interface FailoverOptions {
  /** Which failures move on to the next provider. Default: all but `InvalidRequest` (a wrong request fails everywhere). */
  readonly while?: ((error: PolicyError) => boolean) | undefined
}

/**
 * `Fallback.failover` with the taxonomy's default: every failure moves on to
 * the next provider except `InvalidRequest` (a wrong request fails
 * everywhere). Steps are `{ policy, run }` (the step's name is the policy's).
 *
 * **Details**
 *
 * The same failover as `Fallback.failover`: open circuits are skipped at once,
 * the answer says which provider served (`Primary` or `Fallback` with its
 * `provider/model` name), the current span gets the serving policy's GenAI
 * attributes, and `ask.serve(input, { fallback, hedge })` ends with a fallback
 * chain (a `Fallback.cached` in it is filled by every step's success) and
 * hedges the first provider with the others.
 *
 * **Example**
 *
 * ```ts
 * import { Effect } from "effect"
 * import { Overloaded, Policy } from "effect-breaker/llm"
 *
 * const program = Effect.gen(function*() {
 *   const openai = yield* Policy.make({ provider: "openai", model: "gpt-4o", retry: false })
 *   const anthropic = yield* Policy.make({ provider: "anthropic", model: "claude-sonnet-4" })
 *   const ask = yield* Policy.failover([
 *     { policy: openai, run: (_: string) => Effect.fail(new Overloaded({ status: 503 })) },
 *     { policy: anthropic, run: (q: string) => Effect.succeed(`claude: ${q}`) }
 *   ])
 *   const answer = yield* ask("hi")
 *   return [answer.value, answer.servedBy]
 * })
 * // Effect.runPromise(program) resolves to ["claude: hi", { _tag: "Fallback", name: "anthropic/claude-sonnet-4" }]
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const failover: <const Steps extends ReadonlyArray<Step<any, any, any, any>>>(
  steps: Steps,
  options?: FailoverOptions
) => Effect.Effect<
  Failover<Step.Input<Steps[number]>, Step.Success<Steps[number]>, Step.Error<Steps[number]>, Step.Context<Steps[number]>>,
  InvalidOptionError
> = internal.failover
