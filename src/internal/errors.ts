/**
 * The typed errors of a circuit breaker.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Schema from "effect/Schema"
import { scrubShapes } from "./secrets.js"

/**
 * The states in which a breaker rejects calls.
 *
 * @since 0.1.0
 * @category models
 */
export const RejectingState = Schema.Literal("Open", "HalfOpen", "ForcedOpen")

/**
 * A call was rejected without running because the circuit is open (or half-open
 * with every probe permit taken, or forced open by an operator).
 *
 * **Details**
 *
 * `retryAfter` by `state`:
 * - `Open`: the rest of the open time; no call is admitted before it.
 * - `ForcedOpen`: `Duration.infinity` (an operator holds it open).
 * - `HalfOpen` (every probe permit taken): zero. No time is known: a probe in
 *   flight decides now, and the next admission depends on its outcome (it is
 *   bounded by `halfOpen.probeTimeout`). Back off with your own jittered
 *   schedule, or go elsewhere. `Retry` retries it after its own backoff and
 *   failover goes to the next step at once; Effect 4.1 models the same case as
 *   a separate `CircuitHalfOpen` reason with no `retryAfter`.
 *
 * Rejection is the breaker's hot path, so the error carries no stack trace:
 * the span and log of the call say where.
 *
 * @since 0.1.0
 * @category errors
 */
export class CircuitOpenError extends Schema.TaggedError<CircuitOpenError>()("CircuitOpenError", {
  breaker: Schema.String,
  state: RejectingState,
  retryAfter: Schema.DurationFromMillis
}) {
  override get message(): string {
    if (this.state === "HalfOpen") return `Circuit "${this.breaker}" is HalfOpen: call rejected while its probes decide`
    const wait = Duration.isFinite(this.retryAfter) ? ` for ${Duration.format(this.retryAfter)}` : ""
    return `Circuit "${this.breaker}" is ${this.state}: call rejected${wait}`
  }
}

const openErrorProto = CircuitOpenError.prototype
Object.defineProperty(openErrorProto, "stack", {
  get(this: CircuitOpenError) {
    return `CircuitOpenError: ${this.message}`
  },
  configurable: true,
  enumerable: false
})

/**
 * Builds a `CircuitOpenError` without validation or stack capture (about 25 ns
 * against 20 µs for the schema constructor). The object is a real instance:
 * `instanceof`, `_tag`, `message`, `Equal` and the schema's encoding all work.
 *
 * @internal
 */
export const unsafeCircuitOpenError = (
  breaker: string,
  state: "Open" | "HalfOpen" | "ForcedOpen",
  retryAfterMillis: number
): CircuitOpenError => {
  const error = Object.create(openErrorProto)
  error.breaker = breaker
  error.state = state
  error.retryAfter = retryAfterMillis === Infinity ? Duration.infinity : Duration.millis(retryAfterMillis)
  error._tag = "CircuitOpenError"
  return error
}

/**
 * An option given to a breaker (or to a policy, a window, a schedule) is out of
 * range or malformed. Names the option by its path and shows the bad value.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidOptionError extends Schema.TaggedError<InvalidOptionError>()("InvalidOptionError", {
  option: Schema.String,
  value: Schema.String,
  expected: Schema.String
}) {
  /**
   * The option's path and value are scrubbed of key shapes (an API key given
   * where another option belongs, or a map key that is one): the error is
   * printed, logged and serialized as it is.
   */
  constructor(
    props: { readonly option: string; readonly value: string; readonly expected: string },
    options?: Schema.MakeOptions
  ) {
    super(
      typeof props.option === "string" && typeof props.value === "string"
        ? { ...props, option: scrubShapes(props.option), value: scrubShapes(props.value) }
        : props,
      options
    )
  }
  override get message(): string {
    return `Invalid option "${this.option}": got ${this.value}, expected ${this.expected}`
  }
}
