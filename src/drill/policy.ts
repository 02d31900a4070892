/**
 * The policy the drill puts in front of the providers: per provider a timeout
 * inside its breaker and a retry outside it, failover from the first provider
 * to the next, and a last-good cache when every provider fails.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { toProviderError } from "../ai/classify.js"
import * as CircuitBreaker from "../CircuitBreaker.js"
import { CircuitOpenError, type InvalidOptionError } from "../CircuitBreakerError.js"
import { isRetryable } from "../llm/ProviderError.js"
import * as TripPolicy from "../TripPolicy.js"
import { aiClassifier } from "../ai/classify.js"

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

/** A retry is worth it only for a transient provider failure, never once the circuit is open. */
const retryable = (error: unknown): boolean => {
  if (error instanceof CircuitOpenError) return false
  const provider = toProviderError(error)
  return provider === undefined || isRetryable(provider)
}

/**
 * Makes the policy: per provider `retry(breaker(timeout(call)))`, providers
 * tried in order (an open circuit is skipped at once: its rejection is not
 * retried), then the last good answer for the same prompt.
 *
 * **Details**
 *
 * The breakers classify with `aiClassifier` (5xx, overload, timeouts and
 * network errors count; 429 and bad requests do not), trip on `threshold`
 * consecutive failures, stay open `openMs`, and close after `permits`
 * successful probes. Retries back off exponentially from `retryBaseMs` with
 * ±20% jitter. Fails with `InvalidOptionError` on an out-of-range option.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makePolicy = (options: PolicyOptions): Effect.Effect<Policy, InvalidOptionError> =>
  Effect.gen(function*() {
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
    }
    const timeout = Duration.millis(options.timeoutMs)
    const schedule = Schedule.exponential(Duration.millis(options.retryBaseMs), 2).pipe(
      Schedule.jittered,
      Schedule.intersect(Schedule.recurs(options.retries)),
      Schedule.whileInput(retryable)
    )
    const steps = options.providers.map((provider, i) => {
      const breaker = breakers[i]!
      return (prompt: string) => Effect.retry(breaker(Effect.timeout(provider.call(prompt), timeout)), schedule)
    })
    const cacheMaxAgeMs = options.cacheMaxAgeMs ?? 600_000
    const cache = new Map<string, { readonly text: string; readonly at: number }>()
    const clock = yield* Effect.clock

    const fromCache = (prompt: string, error: unknown): Effect.Effect<Answer, unknown> => {
      const hit = cache.get(prompt)
      return hit !== undefined && clock.unsafeCurrentTimeMillis() - hit.at <= cacheMaxAgeMs
        ? Effect.succeed({ text: hit.text, servedBy: "cache" })
        : Effect.fail(error)
    }
    const from = (i: number, prompt: string, lastError: unknown): Effect.Effect<Answer, unknown> =>
      i === steps.length ? fromCache(prompt, lastError) : Effect.matchEffect(steps[i]!(prompt), {
        onSuccess: (text) => {
          cache.set(prompt, { text, at: clock.unsafeCurrentTimeMillis() })
          return Effect.succeed<Answer>({ text, servedBy: i === 0 ? "primary" : "failover" })
        },
        onFailure: (error) => from(i + 1, prompt, error)
      })
    return { ask: (prompt: string) => from(0, prompt, undefined), breakers }
  })
