/**
 * The registry's typed errors; re-exported by `BreakerRegistry`.
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import { scrubShapes } from "../secrets.js"
import { show } from "../validate.js"

const scrubbed = <A extends object>(props: A, fields: ReadonlyArray<keyof A>): A => {
  let out: A | undefined
  for (const field of fields) {
    const text = props[field]
    if (typeof text !== "string") continue
    const clean = scrubShapes(text)
    if (clean !== text) (out ??= { ...props })[field] = clean as A[keyof A]
  }
  return out ?? props
}

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
  /** Where the value came from and the value are scrubbed of key shapes (a key in the wrong field, or as a breaker's name). */
  constructor(
    props: { readonly setting: string; readonly value: string; readonly expected: string; readonly option?: string | undefined },
    options?: Schema.MakeOptions
  ) {
    super(scrubbed(props, ["setting", "value", "option"]), options)
  }
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
  /** The name asked for is scrubbed of key shapes (it came from the caller, e.g. an admin path). */
  constructor(props: { readonly name: string; readonly known: ReadonlyArray<string> }, options?: Schema.MakeOptions) {
    super(scrubbed(props, ["name"]), options)
  }
  override get message(): string {
    const known = this.known.length === 0 ? "none" : this.known.map(show).join(", ")
    return `No breaker named ${show(this.name)} (known: ${known})`
  }
}
