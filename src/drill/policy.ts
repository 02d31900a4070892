/**
 * The policy the drill puts in front of the providers: per provider a timeout
 * inside its breaker and a retry outside it, failover from the first provider
 * to the next, and a last-good cache when every provider fails.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { aiClassifier, toProviderError } from "../ai/classify.js"
import * as CircuitBreaker from "../CircuitBreaker.js"
import type { InvalidOptionError } from "../CircuitBreakerError.js"
import * as Failover from "../Failover.js"
import * as Fallback from "../Fallback.js"
import { isRetryable, retryAfter } from "../llm/ProviderError.js"
import * as Retry from "../Retry.js"
import * as TripPolicy from "../TripPolicy.js"

/**
 * Who answered a caller.
 *
 * @since 0.1.0
 * @category models
 */
export type ServedBy = "primary" | "failover" | "cache"

/**
 * @since 0.1.0
 * @category models
 */
export interface Answer {
  readonly text: string
  readonly servedBy: ServedBy
}

/**
 * A provider: its name (also its breaker's) and the call, from a prompt to the
 * answer's text, with every requirement already provided.
 *
 * @since 0.1.0
 * @category models
 */
export interface Provider {
  readonly name: string
  readonly call: (prompt: string) => Effect.Effect<string, unknown>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface PolicyOptions {
  /** In order: the first is the primary, the others are failed over to. */
  readonly providers: ReadonlyArray<Provider>
  /** With `false` every breaker is made and then disabled: the same code path, nothing recorded, nothing rejected. */
  readonly breaker: boolean
  readonly timeoutMs: number
  readonly threshold: number
  readonly openMs: number
  readonly permits: number
  readonly retries: number
  readonly retryBaseMs: number
  /** How long a last good answer may be served (default 10 minutes). */
  readonly cacheMaxAgeMs?: number | undefined
}

/**
 * The composed call: `ask(prompt)` answers and says who served.
 *
 * @since 0.1.0
 * @category models
 */
export interface Policy {
  readonly ask: (prompt: string) => Effect.Effect<Answer, unknown>
  /** One per provider, in order. */
  readonly breakers: ReadonlyArray<CircuitBreaker.CircuitBreaker>
}

/** Retry only what the provider taxonomy calls transient (5xx, overload, timeouts, network); `Retry` never retries a `CircuitOpenError`. */
const retryable = (error: unknown): boolean => {
  const provider = toProviderError(error)
  return provider === undefined || isRetryable(provider)
}

const hint = (error: unknown): Duration.Duration | undefined => {
  const provider = toProviderError(error)
  return provider === undefined ? undefined : retryAfter(provider)
}

/**
 * Makes the policy from the library's parts: a `Failover` over the providers,
 * each step `Retry(breaker(timeout(call)))` (an open circuit is skipped at
 * once: its rejection is never retried), then `Fallback.cached`, the last good
 * answer for the same prompt.
 *
 * **Details**
 *
 * The breakers classify with `aiClassifier` (5xx, overload, timeouts and
 * network errors count; 429 and bad requests do not), trip on `threshold`
 * consecutive failures, stay open `openMs`, and close after `permits`
 * successful probes. Retries back off exponentially from `retryBaseMs` with
 * ±20% jitter and honour a provider's retry-after hint up to one timeout
 * (longer: fail over instead). Fails with `InvalidOptionError` on an
 * out-of-range option.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makePolicy = (options: PolicyOptions): Effect.Effect<Policy, InvalidOptionError> =>
  Effect.gen(function*() {
    const timeout = Duration.millis(options.timeoutMs)
    const retry = yield* Retry.make<unknown>({
      times: options.retries,
      base: Duration.millis(options.retryBaseMs),
      factor: 2,
      jitter: 0.2,
      while: retryable,
      retryAfter: hint,
      maxWait: timeout
    })
    // `run` typed as a function (not Step's `Effect | function` union) so Failover infers the input type
    const steps: Array<Failover.Step<string, string, unknown, never> & { readonly run: (prompt: string) => Effect.Effect<string, unknown> }> = []
    const breakers: Array<CircuitBreaker.CircuitBreaker> = []
    for (const provider of options.providers) {
      const breaker = yield* CircuitBreaker.make({
        name: provider.name,
        policy: TripPolicy.consecutiveFailures(options.threshold),
        openDuration: Duration.millis(options.openMs),
        halfOpen: { permits: options.permits, probeTimeout: Duration.millis(options.timeoutMs * 2) },
        classify: aiClassifier
      })
      if (!options.breaker) yield* breaker.disable
      breakers.push(breaker)
      // the timeout inside the breaker: a hang is recorded as a failure
      steps.push({ name: provider.name, breaker, retry, run: (prompt: string) => Effect.timeout(provider.call(prompt), timeout) })
    }
    const failover = yield* Failover.make(steps)
    const cache = yield* Fallback.makeCache<Answer>({ maxAge: Duration.millis(options.cacheMaxAgeMs ?? 600_000) })

    const ask = (prompt: string): Effect.Effect<Answer, unknown> =>
      failover.serve(prompt).pipe(
        Effect.map((served): Answer => ({ text: served.value, servedBy: served.servedBy._tag === "Primary" ? "primary" : "failover" })),
        Fallback.serve({ chain: [Fallback.cached(cache, prompt)] }),
        Effect.map((served) => served.servedBy._tag === "Cache" ? { text: served.value.text, servedBy: "cache" } : served.value)
      )
    return { ask, breakers }
  })
