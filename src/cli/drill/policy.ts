/**
 * The policy the drill puts in front of the providers, written with the
 * library's one-liner: a `Policy.make` per provider (timeout, breaker,
 * rate-limit gate and retry, classified by the provider taxonomy through
 * `fromAiError`), `Policy.failover` from the first provider to the next, a
 * last-good cache at the end of the chain, and a hedge: after `hedgeMs` the
 * next provider starts beside a slow primary, which is not cancelled.
 *
 * @since 0.1.0
 */
import type * as AiError from "@effect/ai/AiError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { fromAiError } from "../../ai/index.js"
import { CircuitBreaker, Fallback, type InvalidOptionError, TripPolicy } from "../../index.js"
import { llmClassifier, Policy } from "../../llm/index.js"

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
  /** The hedge fired: the primary had not answered after `hedgeMs` and the failover started beside it. */
  readonly hedged: boolean
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
  readonly call: (prompt: string) => Effect.Effect<string, AiError.AiError>
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
  /** Start the failover beside a primary still running after this long; `null`: no hedging. */
  readonly hedgeMs: number | null
  /** How long a last good answer may be served (default 10 minutes). */
  readonly cacheMaxAgeMs?: number | undefined
}

/**
 * The composed call: `ask(prompt)` answers and says who served.
 *
 * @since 0.1.0
 * @category models
 */
export interface DrillPolicy {
  readonly ask: (prompt: string) => Effect.Effect<Answer, unknown>
  /** One per provider, in order. */
  readonly breakers: ReadonlyArray<CircuitBreaker.CircuitBreaker>
  /** Primaries still running after their caller was answered by the hedge (0 without one). */
  readonly stragglers: Effect.Effect<number>
}

/**
 * Makes the policy from the library's parts: per provider a `Policy.make`
 * (its own breaker, timeout, gate and retry), `Policy.failover` over them, and
 * `serve(prompt, { fallback: [Fallback.cached(cache, prompt)], hedge })`.
 *
 * **Details**
 *
 * The breakers trip on `threshold` consecutive failures (classified by
 * `llmClassifier`: 5xx, overload, timeouts and network errors count; 429 and
 * bad requests do not), stay open `openMs`, and close after `permits`
 * successful probes. Retries (outside each breaker) back off exponentially
 * from `retryBaseMs` with ±20% jitter and honour a provider's retry-after hint
 * up to one timeout. The hedge's primaries outliving their caller run in the
 * enclosing `Scope`. Fails with `InvalidOptionError` on an out-of-range option.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makePolicy = (options: PolicyOptions): Effect.Effect<DrillPolicy, InvalidOptionError, Scope.Scope> =>
  Effect.gen(function*() {
    const timeout = Duration.millis(options.timeoutMs)
    const breakers: Array<CircuitBreaker.CircuitBreaker> = []
    const steps: Array<Fallback.Step<string, string, AiError.AiError, never>> = []
    for (const provider of options.providers) {
      const breaker = yield* CircuitBreaker.make({
        name: provider.name,
        policy: TripPolicy.consecutiveFailures(options.threshold),
        openDuration: Duration.millis(options.openMs),
        halfOpen: { permits: options.permits, probeTimeout: Duration.millis(options.timeoutMs * 2) },
        classify: llmClassifier
      })
      if (!options.breaker) yield* breaker.disable
      breakers.push(breaker)
      const policy = yield* Policy.make({
        provider: provider.name,
        name: provider.name,
        breaker,
        timeout,
        retry: options.retries === 0 ? false : {
          times: options.retries,
          base: Duration.millis(options.retryBaseMs),
          factor: 2,
          jitter: 0.2,
          maxWait: timeout
        },
        toProviderError: fromAiError
      })
      steps.push({ policy, run: provider.call })
    }
    const failover = yield* Policy.failover(steps)
    const cache = yield* Fallback.makeCache<string>({ maxAge: Duration.millis(options.cacheMaxAgeMs ?? 600_000) })
    const hedge = options.hedgeMs === null
      ? undefined
      : yield* Fallback.makeHedge({ delay: Duration.millis(options.hedgeMs), name: "failover" })

    const ask = (prompt: string): Effect.Effect<Answer, unknown> =>
      Effect.map(
        failover.serve(prompt, { fallback: [Fallback.cached(cache, prompt)], hedge }),
        (served): Answer => ({
          text: served.value,
          servedBy: served.servedBy._tag === "Primary" ? "primary" : served.servedBy._tag === "Cache" ? "cache" : "failover",
          hedged: served.hedged === true
        })
      )
    return { ask, breakers, stragglers: hedge === undefined ? Effect.succeed(0) : hedge.inFlight }
  })
