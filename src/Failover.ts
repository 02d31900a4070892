/**
 * Provider failover: try an ordered list of providers, each behind its own
 * breaker (and optionally its own retry), skipping those whose circuit is open.
 *
 * **Details**
 *
 * For each step in order, the step's call runs as `retry(breaker(call))`:
 *
 * - An **open** step is skipped at once: its breaker rejects without calling the
 *   dependency, and the retry stops on `CircuitOpenError` before waiting, so no
 *   attempts or delays are spent on it. A step whose circuit opens during its own
 *   retries is left at that moment.
 * - A failure that `while` accepts (default: every failure) moves on to the next
 *   step; one it rejects (a bad request fails everywhere) fails the call at once.
 * - If every step was open, the call fails with the `CircuitOpenError` of the
 *   step that reopens soonest (its real breaker name, state and the smallest
 *   `retryAfter`); if some step ran and failed, with the last such failure.
 *
 * `serve(input)` tells which step answered (`Primary` for the first, `Fallback`
 * with the step's name otherwise) and annotates the current span with
 * `failover.served_by` when it was not the first (and `failover.all_open` when
 * every circuit was open).
 *
 * Why not `ExecutionPlan`: an `ExecutionPlan` re-runs one effect with another
 * layer per step; our steps are different calls behind different breakers, and
 * we need to skip open steps, aggregate `retryAfter` across them and stop on
 * non-retryable errors, which a plan cannot express without a service per step.
 * Use `Effect.withExecutionPlan` inside a step if one provider itself has a plan.
 *
 * **Example**
 *
 * ```ts
 * import { Effect } from "effect"
 * import { CircuitBreaker, Failover } from "effect-breaker"
 *
 * const program = Effect.gen(function*() {
 *   const openai = yield* CircuitBreaker.make({ name: "openai" })
 *   const anthropic = yield* CircuitBreaker.make({ name: "anthropic" })
 *   const ask = yield* Failover.make([
 *     { name: "openai", breaker: openai, run: (q: string) => Effect.fail(`openai down: ${q}`) },
 *     { name: "anthropic", breaker: anthropic, run: (q: string) => Effect.succeed(`anthropic: ${q}`) }
 *   ])
 *   const answer = yield* ask.serve("hi")
 *   return answer
 * })
 * // Effect.runPromise(program) resolves to
 * // { value: "anthropic: hi", servedBy: { _tag: "Fallback", name: "anthropic" } }
 * ```
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type { CircuitBreaker } from "./CircuitBreaker.js"
import type { CircuitOpenError, InvalidOptionError } from "./CircuitBreakerError.js"
import type { Served } from "./Fallback.js"
import * as internal from "./internal/resilience/failover.js"
import type { Retry } from "./Retry.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: typeof internal.TypeId = internal.TypeId

/**
 * One provider: its call (an effect, or a function of the request), its breaker
 * and, optionally, its retry.
 *
 * @since 0.1.0
 * @category models
 */
export interface Step<I, A, E, R> {
  readonly name: string
  readonly run: Effect.Effect<A, E, R> | ((input: I) => Effect.Effect<A, E, R>)
  readonly breaker: CircuitBreaker
  readonly retry?: Retry<E> | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace Step {
  /** The request type all steps accept. */
  export type Input<S> = (S extends { readonly run: (input: infer I) => any } ? (i: I) => void : never) extends
    (i: infer X) => void ? unknown extends X ? void : X : void
  /** The answer type (union over the steps). */
  export type Success<S> = S extends { readonly run: Effect.Effect<infer A, any, any> | ((input: any) => Effect.Effect<infer A, any, any>) } ? A
    : never
  /** The error type (union over the steps). */
  export type Error<S> = S extends { readonly run: Effect.Effect<any, infer E, any> | ((input: any) => Effect.Effect<any, infer E, any>) } ? E
    : never
  /** The requirements (union over the steps). */
  export type Context<S> = S extends { readonly run: Effect.Effect<any, any, infer R> | ((input: any) => Effect.Effect<any, any, infer R>) } ? R
    : never
}

/**
 * A failover: call it with the request (`failover(input)`), or `serve(input)`
 * to learn which step answered.
 *
 * @since 0.1.0
 * @category models
 */
export interface Failover<I, A, E, R> {
  readonly [TypeId]: typeof TypeId
  (input: I): Effect.Effect<A, E | CircuitOpenError, R>
  readonly serve: (input: I) => Effect.Effect<Served<A>, E | CircuitOpenError, R>
  /** The steps' names, in order. */
  readonly names: ReadonlyArray<string>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options<E> {
  /** Which failures move on to the next step. Default: all; a rejected one fails the call at once. */
  readonly while?: ((error: E) => boolean) | undefined
}

/**
 * Makes a failover over `steps`, tried in order. Fails with
 * `InvalidOptionError` when there are no steps or a step is malformed.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: <const Steps extends ReadonlyArray<Step<any, any, any, any>>>(
  steps: Steps,
  options?: Options<Step.Error<Steps[number]>>
) => Effect.Effect<
  Failover<Step.Input<Steps[number]>, Step.Success<Steps[number]>, Step.Error<Steps[number]>, Step.Context<Steps[number]>>,
  InvalidOptionError
> = internal.make as any

/**
 * @since 0.1.0
 * @category guards
 */
export const isFailover = (u: unknown): u is Failover<unknown, unknown, unknown, unknown> =>
  typeof u === "function" && TypeId in u
