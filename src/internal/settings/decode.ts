/**
 * The one validation mechanism: decode a value with a Schema and turn the first
 * problem into an `InvalidOptionError` naming the option by its path
 * (`policy.policies[1].threshold`) and showing the bad value. Used at
 * construction by every public entry point, never on a call path.
 *
 * @internal
 */
import * as AST from "effect/SchemaAST"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import { InvalidOptionError } from "../errors.js"
import { REDACTED } from "../secrets.js"

const MAX_SHOWN = 200

/** Renders a bad value for an error message without throwing on anything (a Proxy, a getter that throws), at most ~200 characters. @internal */
export const show = (value: unknown): string => {
  try {
    return showUnsafe(value)
  } catch {
    return "(a value that throws when read)"
  }
}

const showUnsafe = (value: unknown): string => {
  if (typeof value === "string") {
    return value.length > MAX_SHOWN
      ? `${JSON.stringify(value.slice(0, MAX_SHOWN))}… (${value.length} characters)`
      : JSON.stringify(value)
  }
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value)
  if (value === undefined || value === null) return String(value)
  if (typeof value === "function") return "a function"
  if (typeof value === "symbol") return "a symbol"
  if (Redacted.isRedacted(value)) return REDACTED
  if (Duration.isDuration(value)) return Duration.format(value)
  if (Schedule.isSchedule(value)) return "a Schedule"
  try {
    const json = JSON.stringify(value)
    return json === undefined ? typeof value : json.length > MAX_SHOWN ? `${json.slice(0, MAX_SHOWN)}…` : json
  } catch {
    return typeof value
  }
}

/** `["policy", "policies", 1, "threshold"]` → `policy.policies[1].threshold`. @internal */
export const formatPath = (path: ReadonlyArray<PropertyKey>, prefix = ""): string => {
  let out = prefix
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`
    else out += out === "" ? String(key) : `.${String(key)}`
  }
  return out
}

const at = (value: unknown, path: ReadonlyArray<PropertyKey>): unknown => {
  let v: any = value
  for (const key of path) {
    if ((typeof v !== "object" && typeof v !== "function") || v === null) return undefined
    try {
      v = v[key]
    } catch {
      return undefined
    }
  }
  return v
}

const UNREADABLE = "a value that can be read (reading it threw: a throwing getter or Proxy)"

/**
 * The path of the first object reached twice (a cycle) or nested deeper than
 * `maxDepth`, walking plain objects and arrays only. A Schema would recurse
 * forever on a cycle; this turns it into a typed error instead.
 */
const findCycle = (value: unknown, maxDepth = 64): { path: Array<PropertyKey>; reason: string } | undefined => {
  const onPath = new Set<unknown>()
  const walk = (v: unknown, path: Array<PropertyKey>): { path: Array<PropertyKey>; reason: string } | undefined => {
    if (typeof v !== "object" || v === null) return undefined
    let proto: unknown
    let keys: Array<string>
    try {
      // a Proxy may throw on any of these: that is a bad value, not a defect
      proto = Object.getPrototypeOf(v)
      if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) return undefined
      keys = Object.keys(v)
    } catch {
      return { path, reason: UNREADABLE }
    }
    if (onPath.has(v)) return { path, reason: "a value that does not contain itself (a cycle)" }
    if (path.length >= maxDepth) return { path, reason: `a value nested at most ${maxDepth} levels deep` }
    onPath.add(v)
    try {
      for (const key of keys) {
        let child: unknown
        try {
          child = (v as Record<string, unknown>)[key]
        } catch {
          return { path: [...path, Array.isArray(v) ? Number(key) : key], reason: UNREADABLE }
        }
        const found = walk(child, [...path, Array.isArray(v) ? Number(key) : key])
        if (found !== undefined) return found
      }
    } finally {
      onPath.delete(v)
    }
    return undefined
  }
  return walk(value, [])
}

const annotated = (issue: ParseResult.ParseIssue): { readonly message: string; readonly override: boolean } | undefined => {
  const ast = (issue as { readonly ast?: AST.AST }).ast
  if (ast === undefined) return undefined
  const annotation = AST.getMessageAnnotation(ast)
  if (annotation._tag === "None") return undefined
  const out = annotation.value(issue)
  if (typeof out === "string") return { message: out, override: false }
  return typeof out === "object" && out !== null && "message" in out && typeof out.message === "string"
    ? { message: out.message, override: out.override }
    : undefined
}

const messageOf = (issue: ParseResult.ParseIssue): string | undefined => annotated(issue)?.message

const isUndefinedMember = (i: ParseResult.ParseIssue) => i._tag === "Type" && i.ast._tag === "UndefinedKeyword"

const issuesOf = (c: ParseResult.Composite): ReadonlyArray<ParseResult.ParseIssue> =>
  Array.isArray(c.issues) ? c.issues : [c.issues as ParseResult.ParseIssue]

/**
 * The problem to report: the first field that failed, with the text its schema
 * gives. A union stops the walk (its own text is reported) unless one member
 * was clearly meant (a tagged member selected by `_tag`, or the only object member).
 */
const firstLeaf = (
  issue: ParseResult.ParseIssue,
  path: ReadonlyArray<PropertyKey>,
  unionMessage: string | undefined,
  parent?: AST.AST
): { path: ReadonlyArray<PropertyKey>; issue: ParseResult.ParseIssue; expected: string | undefined; parent?: AST.AST | undefined } => {
  switch (issue._tag) {
    case "Pointer":
      return firstLeaf(
        issue.issue,
        [...path, ...(Array.isArray(issue.path) ? issue.path : [issue.path as PropertyKey])],
        unionMessage,
        parent
      )
    case "Composite": {
      const issues = issuesOf(issue).filter((i) => !isUndefinedMember(i))
      if (issue.ast._tag === "Union") {
        const message = messageOf(issue) ?? unionMessage
        // an object member that failed on something other than its `_tag` (so it was the one meant)
        const structural = issues.filter((i) =>
          i._tag === "Composite" && !issuesOf(i).some((j) => j._tag === "Pointer" && j.path === "_tag")
        )
        if (issues.length === 1 && issues[0]!._tag !== "Type") return firstLeaf(issues[0]!, path, message)
        if (structural.length === 1) return firstLeaf(structural[0]!, path, message)
        return { path, issue, expected: message }
      }
      return issues.length === 0
        ? { path, issue, expected: messageOf(issue) }
        : firstLeaf(issues[0]!, path, unionMessage, issue.ast)
    }
    case "Refinement":
      return issue.kind === "From" && annotated(issue)?.override !== true
        ? firstLeaf(issue.issue, path, unionMessage)
        : { path, issue, expected: messageOf(issue) ?? messageOf(issue.issue) ?? unionMessage }
    case "Transformation":
      return annotated(issue)?.override !== true
        ? firstLeaf(issue.issue, path, unionMessage)
        : { path, issue, expected: messageOf(issue) }
    default:
      return { path, issue, expected: messageOf(issue) ?? unionMessage, parent }
  }
}

/** Options for {@link decode}. @internal */
export interface DecodeOptions {
  /** Put in front of every path (`"policy"` when checking a policy alone). */
  readonly prefix?: string | undefined
  /** What an unknown key is: an error (files, env) or ignored (code, where TypeScript checks the keys). */
  readonly excess?: "error" | "ignore" | undefined
}

/** The first problem found: where (a path into the value), the bad value, and what was expected. @internal */
export interface Problem {
  readonly path: ReadonlyArray<PropertyKey>
  readonly value: string
  readonly expected: string
}

/**
 * Decodes `value` with `schema`; the first problem is reported with its path
 * into the value.
 *
 * @internal
 */
export const decodeProblem = <A, I>(
  schema: Schema.Schema<A, I>,
  value: unknown,
  excess: "error" | "ignore" = "ignore"
): Either.Either<A, Problem> => {
  const cycle = findCycle(value)
  if (cycle !== undefined) {
    const bad = at(value, cycle.path)
    return Either.left({
      path: cycle.path,
      value: cycle.reason === UNREADABLE
        ? "(a value that throws when read)"
        : typeof bad === "object"
        ? "(a cyclic or too deeply nested value)"
        : show(bad),
      expected: cycle.reason
    })
  }
  let result: Either.Either<A, ParseResult.ParseError>
  try {
    result = Schema.decodeUnknownEither(schema, { errors: "first", onExcessProperty: excess })(value)
  } catch {
    // something inside that the walk above does not enter (a class instance's getter, a Proxy's trap) threw
    return Either.left({ path: [], value: "(a value that throws when read)", expected: UNREADABLE })
  }
  if (Either.isRight(result)) return Either.right(result.right)
  const leaf = firstLeaf(result.left.issue, [], undefined)
  let expected: string
  switch (leaf.issue._tag) {
    case "Unexpected": {
      const known = leaf.parent !== undefined && AST.isTypeLiteral(leaf.parent)
        ? leaf.parent.propertySignatures.map((p) => String(p.name))
        : []
      expected = known.length === 0 ? "no such option (a typo?)" : `a known option (${known.join(", ")})`
      break
    }
    case "Missing":
      expected = "a value (it is required)"
      break
    default:
      expected = leaf.expected ?? (
        // a value that is not an object where an object of options belongs: name the options, not the Schema's dump
        leaf.issue._tag === "Type" && AST.isTypeLiteral(leaf.issue.ast)
          ? `an object of options (${leaf.issue.ast.propertySignatures.map((p) => String(p.name)).join(", ")})`
          : ParseResult.ArrayFormatter.formatIssueSync(leaf.issue)[0]?.message ?? "a valid value"
      )
  }
  return Either.left({ path: leaf.path, value: show(at(value, leaf.path)), expected })
}

/**
 * Decodes `value` with `schema`; the first problem becomes an
 * `InvalidOptionError` with the option path, the bad value and what was expected.
 *
 * @internal
 */
export const decode = <A, I>(
  schema: Schema.Schema<A, I>,
  value: unknown,
  options: DecodeOptions = {}
): Either.Either<A, InvalidOptionError> =>
  Either.mapLeft(decodeProblem(schema, value, options.excess), (p) => {
    const prefix = options.prefix ?? ""
    return new InvalidOptionError({
      option: formatPath(p.path, prefix) || (prefix === "" ? "options" : prefix),
      value: p.value,
      expected: p.expected
    })
  })

/** As {@link decode}, throwing nothing: for code that must never see a defect from an option. @internal */
export const decodeSync = <A, I>(schema: Schema.Schema<A, I>, options?: DecodeOptions) => (value: unknown) =>
  decode(schema, value, options)
