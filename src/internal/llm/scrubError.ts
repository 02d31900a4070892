/**
 * Applies a scrubber to the texts a `ProviderError` keeps (`detail`,
 * `errorType`, `errorCode`), so that an error made by any adapter, or passed
 * through as it is, carries none of the secrets a policy knows.
 *
 * @internal
 */
import type { ProviderError } from "../../llm/ProviderError.js"
import type { Scrubber } from "../secrets.js"

const FIELDS = ["detail", "errorType", "errorCode"] as const

/** The error itself when nothing changes; otherwise a copy of the same class with the texts scrubbed. @internal */
export const scrubProviderError = <E extends ProviderError>(error: E, scrubber: Scrubber): E => {
  let changed: Record<string, unknown> | undefined
  for (const field of FIELDS) {
    const text = error[field]
    if (typeof text !== "string") continue
    const clean = scrubber(text)
    if (clean !== text) (changed ??= {})[field] = clean.length > 500 ? `${clean.slice(0, 499)}…` : clean
  }
  if (changed === undefined) return error
  const { _tag: _, ...fields } = error
  const Ctor = error.constructor as new(props: Record<string, unknown>, options?: { disableValidation?: boolean }) => E
  return new Ctor({ ...fields, ...changed }, { disableValidation: true })
}
