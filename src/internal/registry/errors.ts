/**
 * The registry's typed errors; re-exported by `BreakerRegistry`.
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import { show } from "../validate.js"

/**
 * The breakers' configuration is wrong. `setting` names where the bad value came
 * from: an environment variable (`BREAKER_OPENAI_FAILURE_RATE`), a JSON path
 * (`breakers["openai"].failureRate`) or a file; `option` the breaker option it
 * feeds, when the breaker itself rejected it.
 *
 * @since 0.1.0
 * @category errors
 */
export class RegistryConfigError extends Schema.TaggedError<RegistryConfigError>()("RegistryConfigError", {
  setting: Schema.String,
  value: Schema.String,
  expected: Schema.String,
  option: Schema.optional(Schema.String)
}) {
  override get message(): string {
    const option = this.option === undefined ? "" : ` (breaker option "${this.option}")`
    return `Invalid breaker configuration ${this.setting}${option}: got ${this.value}, expected ${this.expected}`
  }
}

/**
 * No breaker of this name is in the registry.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownBreakerError extends Schema.TaggedError<UnknownBreakerError>()("UnknownBreakerError", {
  name: Schema.String,
  known: Schema.Array(Schema.String)
}) {
  override get message(): string {
    const known = this.known.length === 0 ? "none" : this.known.map(show).join(", ")
    return `No breaker named ${show(this.name)} (known: ${known})`
  }
}
