/**
 * The settings a registry reads for each breaker: their names in code/JSON and in
 * the environment, and how a raw value (a string from the environment, a number
 * or a string from JSON or code) is checked. Pure.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import type { Settings } from "./presets.js"
import { isPresetName } from "./presets.js"
import { show } from "../validate.js"

/** @internal */
export type Field = keyof Settings

/** A bad raw value: what was expected. @internal */
export interface Bad {
  readonly value: string
  readonly expected: string
}

type Parse = (raw: unknown) => Either.Either<unknown, Bad>

const bad = (raw: unknown, expected: string): Either.Either<never, Bad> => Either.left({ value: show(raw), expected })

const toNumber = (raw: unknown): number | undefined => {
  if (typeof raw === "number") return raw
  if (typeof raw === "string" && raw.trim() !== "") {
    const n = Number(raw.trim())
    return Number.isNaN(n) ? undefined : n
  }
  return undefined
}

const integer = (min: number, max: number, note = ""): Parse => (raw) => {
  const n = toNumber(raw)
  return n !== undefined && Number.isInteger(n) && n >= min && n <= max
    ? Either.right(n)
    : bad(raw, `an integer from ${min} to ${max}${note}`)
}

const fraction = (allowZero: boolean): Parse => (raw) => {
  const n = toNumber(raw)
  return n !== undefined && (allowZero ? n >= 0 : n > 0) && n <= 1
    ? Either.right(n)
    : bad(raw, allowZero ? "a number from 0 (off) to 1" : "a number in (0, 1]")
}

/** A duration in millis: a number of millis, or Effect's `"<n> <unit>"` text ("30 seconds", "500 millis"). */
const duration = (allowZero: boolean): Parse => (raw) => {
  const expected = `a duration such as "30 seconds" or "500 millis"${allowZero ? "" : ", greater than zero"}`
  const input = typeof raw === "string" ? raw.trim() : raw
  if (typeof input === "string" && input.startsWith("-")) return bad(raw, expected)
  if (typeof input === "number" && !(input >= 0)) return bad(raw, expected)
  const decoded = typeof input === "string" && /^\d+(\.\d+)?$/.test(input)
    ? undefined // a bare number in text is ambiguous (millis? seconds?): ask for a unit
    : Duration.decodeUnknown(input)
  if (decoded === undefined || decoded._tag === "None") return bad(raw, expected)
  const ms = Duration.toMillis(decoded.value)
  return Number.isFinite(ms) && (allowZero ? ms >= 0 : ms > 0) ? Either.right(ms) : bad(raw, expected)
}

const literal = <L extends string>(...values: ReadonlyArray<L>): Parse => (raw) => {
  const s = typeof raw === "string" ? raw.trim() : raw
  return values.includes(s as L) ? Either.right(s) : bad(raw, values.map((v) => JSON.stringify(v)).join(" or "))
}

/** @internal */
export interface FieldSpec {
  readonly field: Field
  /** The field's part of an environment variable name. */
  readonly env: string
  readonly parse: Parse
}

/**
 * The fields, in a fixed order. No `env` is a `_`-suffix of another (a test checks),
 * so `BREAKER_<KEY>_<FIELD>` never reads the same variable for two breakers' fields.
 *
 * @internal
 */
export const fieldSpecs: ReadonlyArray<FieldSpec> = [
  {
    field: "preset",
    env: "PRESET",
    parse: (raw) => {
      const s = typeof raw === "string" ? raw.trim() : raw
      return isPresetName(s) ? Either.right(s) : bad(raw, "\"default\", \"aggressive\" or \"lenient\"")
    }
  },
  { field: "consecutiveFailures", env: "CONSECUTIVE_FAILURES", parse: integer(0, 1_000_000, " (0 turns it off)") },
  { field: "failureRate", env: "FAILURE_RATE", parse: fraction(true) },
  { field: "minimumCalls", env: "MINIMUM_CALLS", parse: integer(1, 1_000_000) },
  { field: "window", env: "WINDOW", parse: duration(false) },
  { field: "windowBuckets", env: "WINDOW_BUCKETS", parse: integer(1, 1_000) },
  { field: "slowCallDuration", env: "SLOW_CALL_DURATION", parse: duration(true) },
  { field: "slowCallRate", env: "SLOW_CALL_RATE", parse: fraction(false) },
  { field: "openDuration", env: "OPEN_DURATION", parse: duration(true) },
  { field: "openBackoff", env: "OPEN_BACKOFF", parse: literal("fixed", "exponential") },
  { field: "openDurationMax", env: "OPEN_DURATION_MAX", parse: duration(true) },
  { field: "halfOpenPermits", env: "HALF_OPEN_PERMITS", parse: integer(1, 10_000) },
  { field: "successesToClose", env: "SUCCESSES_TO_CLOSE", parse: integer(1, 1_000_000) },
  { field: "probeTimeout", env: "PROBE_TIMEOUT", parse: duration(false) }
]

/** @internal */
export const fieldSpec: { readonly [K in Field]: FieldSpec } = Object.fromEntries(
  fieldSpecs.map((s) => [s.field, s])
) as Record<Field, FieldSpec>

/** @internal */
export const isField = (u: string): u is Field => Object.prototype.hasOwnProperty.call(fieldSpec, u)

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

/** The variable for a field of one breaker (`BREAKER_OPENAI_GPT_4O_FAILURE_RATE`). @internal */
export const breakerVariable = (key: string, spec: FieldSpec): string => `BREAKER_${key}_${spec.env}`

/** How a JSON or code setting is named in errors: `breakers["openai/gpt-4o"].failureRate`. @internal */
export const jsonPath = (name: string | undefined, field: string): string =>
  name === undefined ? `defaults.${field}` : `breakers[${JSON.stringify(name)}].${field}`
