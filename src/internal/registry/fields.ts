/**
 * The settings a registry reads for each breaker, by their names in code and
 * files (`halfOpen.permits`) and in the environment (`HALF_OPEN_PERMITS`), and
 * how an environment variable's text becomes a value for the settings Schema.
 * Pure.
 *
 * @internal
 */

/** A setting: a top-level field, or a field of `halfOpen`. @internal */
export type Field =
  | "preset"
  | "policy"
  | "openDuration"
  | "maxOpenDuration"
  | "halfOpen.permits"
  | "halfOpen.successesToClose"
  | "halfOpen.probeTimeout"

/** @internal */
export interface FieldSpec {
  readonly field: Field
  /** The field's part of an environment variable name. */
  readonly env: string
  /** How the variable's text is read: as text, as a number, or as JSON (an object) or text. */
  readonly read: "text" | "number" | "json" | "jsonOrText"
}

/** The fields, in a fixed order. @internal */
export const fieldSpecs: ReadonlyArray<FieldSpec> = [
  { field: "preset", env: "PRESET", read: "text" },
  { field: "policy", env: "POLICY", read: "json" },
  { field: "openDuration", env: "OPEN_DURATION", read: "jsonOrText" },
  { field: "maxOpenDuration", env: "MAX_OPEN_DURATION", read: "text" },
  { field: "halfOpen.permits", env: "HALF_OPEN_PERMITS", read: "number" },
  { field: "halfOpen.successesToClose", env: "HALF_OPEN_SUCCESSES_TO_CLOSE", read: "number" },
  { field: "halfOpen.probeTimeout", env: "HALF_OPEN_PROBE_TIMEOUT", read: "text" }
]

/** @internal */
export const fieldSpec: { readonly [K in Field]: FieldSpec } = Object.fromEntries(
  fieldSpecs.map((s) => [s.field, s])
) as { readonly [K in Field]: FieldSpec }

/**
 * A number in text: plain decimal only (`10`, `0.5`, `-1`). `0x10`, `1e3`,
 * `1_000`, `Infinity` and the empty string stay text, so the Schema refuses
 * them and shows them as written. The one rule for numbers in the environment
 * and in YAML.
 *
 * @internal
 */
export const decimal = /^[+-]?\d+(\.\d+)?$/

/** @internal */
export const numberOrText = (text: string): number | string => (decimal.test(text) ? Number(text) : text)

/**
 * The setting a field path of a breaker's settings belongs to:
 * `["halfOpen", "permits", ...]` → `halfOpen.permits`, `["policy", ...]` → `policy`.
 *
 * @internal
 */
export const fieldOf = (path: ReadonlyArray<PropertyKey>): { readonly field: Field; readonly rest: ReadonlyArray<PropertyKey> } | undefined => {
  const [head, second] = path
  if (head === "halfOpen") {
    if (second === "permits" || second === "successesToClose" || second === "probeTimeout") {
      return { field: `halfOpen.${second}`, rest: path.slice(2) }
    }
    return undefined
  }
  if (head === "preset" || head === "policy" || head === "openDuration" || head === "maxOpenDuration") {
    return { field: head, rest: path.slice(1) }
  }
  return undefined
}

/**
 * The part of an environment variable that names a breaker: upper case, every run
 * of characters other than ASCII letters and digits becomes one `_`, none at the
 * ends. `openai/gpt-4o` → `OPENAI_GPT_4O`, `anthropic/claude-3.5-sonnet` →
 * `ANTHROPIC_CLAUDE_3_5_SONNET`.
 *
 * @internal
 */
export const envKey = (name: string): string =>
  name.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_+|_+$/g, "").toUpperCase()

/** The variable listing the breakers. @internal */
export const namesVariable = "BREAKERS"

/** The variable for a field of every breaker (`BREAKERS_OPEN_DURATION`). @internal */
export const defaultsVariable = (spec: FieldSpec): string => `BREAKERS_${spec.env}`

/** The variable for a field of one breaker (`BREAKER_OPENAI_GPT_4O_HALF_OPEN_PERMITS`). @internal */
export const breakerVariable = (key: string, spec: FieldSpec): string => `BREAKER_${key}_${spec.env}`

/** How a JSON or code setting is named in errors: `breakers["openai/gpt-4o"].halfOpen.permits`. @internal */
export const jsonPath = (path: ReadonlyArray<PropertyKey>): string => {
  let out = ""
  path.forEach((key, i) => {
    if (i === 1 && path[0] === "breakers") out += `[${JSON.stringify(String(key))}]`
    else if (typeof key === "number") out += `[${key}]`
    else out += out === "" ? String(key) : `.${String(key)}`
  })
  return out === "" ? "(root)" : out
}
