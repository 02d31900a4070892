/**
 * Decoding JSON input with `effect/Schema`, and turning a `ParseError` into
 * issues that name the field by its path (`outages[1].end`) and show the value.
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { type Issue, SimInputError } from "./SimError.js"

/** A value as an issue shows it: JSON, cut at 200 characters. */
const show = (value: unknown): string => {
  if (value === undefined) return "undefined"
  try {
    const json = JSON.stringify(value)
    return json === undefined ? typeof value : json.length > 200 ? `${json.slice(0, 200)}…` : json
  } catch {
    return typeof value
  }
}

/** `["outages", 1, "end"]` → `outages[1].end`. @internal */
export const formatPath = (path: ReadonlyArray<PropertyKey>): string => {
  let out = ""
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`
    else out += out === "" ? String(key) : `.${String(key)}`
  }
  return out
}

const issueOf = (i: ParseResult.ArrayFormatterIssue): Issue => ({
  path: formatPath(i.path),
  message: i._tag === "Missing"
    ? "is required but missing"
    : i._tag === "Unexpected"
    ? "is not a known field"
    : i.message
})

/** Drops repeated issues (a union reports one per member) keeping the first per path. */
const dedupe = (issues: ReadonlyArray<Issue>): Array<Issue> => {
  const seen = new Set<string>()
  // An optional field that is present but wrong also fails its `undefined` branch: that says nothing new.
  const informative = issues.filter((i) =>
    !i.message.startsWith("Expected undefined") ||
    !issues.some((j) => j !== i && !j.message.startsWith("Expected undefined") && j.path.startsWith(i.path))
  )
  return informative.filter((i) => (seen.has(i.path) ? false : (seen.add(i.path), true)))
}

/**
 * A number schema whose failure reads `expected <what>, got <value>`.
 *
 * @internal
 */
export const expecting = <A, I>(schema: Schema.Schema<A, I>, what: string): Schema.Schema<A, I> =>
  schema.annotations({ message: (issue) => ({ message: `expected ${what}, got ${show(issue.actual)}`, override: true }) })

/** @internal */
export const numberIn = (min: number, max: number, what?: string): Schema.Schema<number> =>
  expecting(
    Schema.Number.pipe(
      Schema.filter((n) => Number.isFinite(n) && n >= min && n <= max, { jsonSchema: { minimum: min, maximum: max } })
    ),
    what ?? `a number from ${min} to ${max}`
  )

/** @internal */
export const positive = (what = "a number > 0"): Schema.Schema<number> =>
  expecting(Schema.Number.pipe(Schema.filter((n) => Number.isFinite(n) && n > 0, { jsonSchema: { exclusiveMinimum: 0 } })), what)

/** @internal */
export const literals = <const L extends ReadonlyArray<string>>(...values: L): Schema.Schema<L[number]> =>
  expecting(Schema.Literal(...values), `one of ${values.map((v) => JSON.stringify(v)).join(", ")}`)

/**
 * Parses `text` as JSON and decodes it with `schema`; every problem is reported
 * with its path. Unknown fields are errors (a typo should not pass silently).
 *
 * @internal
 */
export const decodeJson = <A, I>(
  schema: Schema.Schema<A, I>,
  source: string,
  text: string
): Either.Either<A, SimInputError> => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return Either.left(
      new SimInputError({ source, issues: [{ path: "", message: `not valid JSON (${(e as Error).message})` }] })
    )
  }
  return decodeValue(schema, source, json)
}

/** @internal */
export const decodeValue = <A, I>(
  schema: Schema.Schema<A, I>,
  source: string,
  value: unknown
): Either.Either<A, SimInputError> =>
  Either.mapLeft(
    Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })(value),
    (error) =>
      new SimInputError({ source, issues: dedupe(ParseResult.ArrayFormatter.formatErrorSync(error).map(issueOf)) })
  )
