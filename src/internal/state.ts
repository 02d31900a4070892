/**
 * The breaker's state as plain, serialisable data, with its `effect/Schema`
 * description: what `breaker.export` returns, what the `restore` option and a
 * store take, and what the pure transition function (`transition.ts`) maps.
 *
 * The data holds what a breaker knows (state tag, generation, times, openings,
 * consecutive failures, each window as numbers, half-open permits with their
 * tickets, counters) and nothing it is configured with: the configuration is
 * compiled from the options (`core.Config`). Every number is finite, so the data
 * survives `JSON.stringify` unchanged (a free permit's `issuedAt` is `null`).
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { InvalidOptionError } from "./errors.js"
import * as core from "./core.js"
import * as check from "./validate.js"
import type { WindowData } from "./window.js"

const Count = Schema.NonNegativeInt
const Millis = Schema.Finite

/** @internal */
export const StateTagSchema = Schema.Literal("Closed", "Open", "HalfOpen", "ForcedOpen", "Disabled", "MetricsOnly")

/** @internal */
export const CountWindowData = Schema.Struct({
  _tag: Schema.Literal("LastCalls"),
  size: Schema.Int.pipe(Schema.between(1, 1_000_000)),
  next: Count,
  calls: Count,
  bad: Count,
  bits: Schema.Array(Schema.Int.pipe(Schema.between(0, 0x3fffffff)))
})

/** @internal */
export const TimeWindowData = Schema.Struct({
  _tag: Schema.Literal("LastDuration"),
  durationMs: Schema.Finite.pipe(Schema.positive()),
  buckets: Schema.Int.pipe(Schema.between(1, 1_000)),
  epoch: Schema.Int.pipe(Schema.greaterThanOrEqualTo(-1)),
  calls: Schema.Array(Count),
  bad: Schema.Array(Count)
})

/** @internal */
export const PermitData = Schema.Struct({
  /** Epoch millis at which the permit was issued, or null when free. */
  issuedAt: Schema.NullOr(Millis),
  /** The ticket of its holder (tickets are never reused). */
  ticket: Count
})

/**
 * The state of a breaker as data.
 *
 * @internal
 */
export const BreakerStateSchema = Schema.Struct({
  version: Schema.Literal(1),
  name: Schema.String,
  tag: StateTagSchema,
  /** Bumped by every transition: an outcome admitted under another generation changes nothing. */
  generation: Count,
  /** Epoch millis at which the current state was entered. */
  enteredAt: Millis,
  /** Epoch millis until which an Open circuit rejects (0 when it never opened). */
  openUntil: Millis,
  /** Consecutive openings since the circuit last closed. */
  openings: Count,
  consecutiveFailures: Count,
  /** One window per rate policy, in the order of the policy. */
  windows: Schema.Array(Schema.Union(CountWindowData, TimeWindowData)),
  /** One entry per half-open permit. */
  permits: Schema.Array(PermitData),
  /** The last ticket issued. */
  ticket: Count,
  probeSuccesses: Count,
  /** Totals since the state was entered. */
  calls: Count,
  failures: Count,
  slowCalls: Count,
  rejected: Count
})

/** @internal */
export type BreakerState = typeof BreakerStateSchema.Type

/** The state's data (a copy: later steps do not change it). @internal */
export const toData = (s: core.State): BreakerState => {
  const permits: Array<{ issuedAt: number | null; ticket: number }> = []
  for (let i = 0; i < s.permits.length; i += 2) {
    const at = s.permits[i]!
    permits.push({ issuedAt: at === at ? at : null, ticket: s.permits[i + 1]! })
  }
  return {
    version: 1,
    name: s.name,
    tag: s.tag,
    generation: s.generation,
    enteredAt: s.enteredAt,
    openUntil: s.openUntil,
    openings: s.openings,
    consecutiveFailures: s.consecutiveFailures,
    windows: s.windows.map((w) => w.toData()),
    permits,
    ticket: s.ticket,
    probeSuccesses: s.probeSuccesses,
    calls: s.calls,
    failures: s.failures,
    slowCalls: s.slowCalls,
    rejected: s.rejected
  }
}

/**
 * Overwrites a state in place with data already checked against its
 * configuration (`decode`). The `out*` fields are cleared.
 *
 * @internal
 */
export const load = (s: core.State, data: BreakerState): void => {
  s.tag = data.tag
  s.generation = data.generation
  s.enteredAt = data.enteredAt
  s.openUntil = data.openUntil
  s.openings = data.openings
  s.consecutiveFailures = data.consecutiveFailures
  for (let i = 0; i < s.windows.length; i++) s.windows[i]!.load(data.windows[i] as WindowData)
  for (let i = 0; i < data.permits.length; i++) {
    const p = data.permits[i]!
    s.permits[2 * i] = p.issuedAt === null ? NaN : p.issuedAt
    s.permits[2 * i + 1] = p.ticket
  }
  s.ticket = data.ticket
  s.probeSuccesses = data.probeSuccesses
  s.calls = data.calls
  s.failures = data.failures
  s.slowCalls = data.slowCalls
  s.rejected = data.rejected
  s.outSlot = -1
  s.outTicket = -1
  s.outRetryAfterMs = 0
  s.outTransition = undefined
}

/** The state of a new breaker, as data. @internal */
export const initialData = (config: core.Config, now: number): BreakerState => toData(core.initial(config, now))

/** A fresh in-place state holding `data`, for `config`. @internal */
export const fromData = (config: core.Config, data: BreakerState): core.State => {
  const s = core.initial(config, data.enteredAt)
  load(s, data)
  return s
}

const popcount = (n: number): number => {
  let c = 0
  for (let x = n; x !== 0; x &= x - 1) c++
  return c
}

const pathString = (prefix: string, path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>((acc, k) => typeof k === "number" ? `${acc}[${k}]` : `${acc}.${String(k)}`, prefix)

const valueAt = (u: unknown, path: ReadonlyArray<PropertyKey>): unknown => {
  let v = u
  for (const k of path) {
    if (typeof v !== "object" || v === null) return undefined
    v = (v as Record<PropertyKey, unknown>)[k]
  }
  return v
}

const decodeSchema = Schema.decodeUnknownEither(BreakerStateSchema, { errors: "first", onExcessProperty: "error" })

/**
 * Checks data against its configuration: the shape the config gives the windows
 * and permits, and the invariants a state keeps (a window's totals agree with
 * its contents, failures within calls, tickets within the last issued).
 */
const consistent = (config: core.Config, d: BreakerState, at: string): void => {
  if (d.name !== config.name) check.invalid(`${at}.name`, d.name, `the breaker's name ${JSON.stringify(config.name)}`)
  if (d.windows.length !== config.rates.length) {
    check.invalid(`${at}.windows`, d.windows, `${config.rates.length} window(s), one per rate policy`)
  }
  d.windows.forEach((w, i) => {
    const spec = config.rates[i]!.window
    const p = `${at}.windows[${i}]`
    if (w._tag !== spec._tag) check.invalid(`${p}._tag`, w._tag, JSON.stringify(spec._tag))
    if (w._tag === "LastCalls" && spec._tag === "LastCalls") {
      if (w.size !== spec.size) check.invalid(`${p}.size`, w.size, `${spec.size} (the policy's window size)`)
      if (w.bits.length !== Math.ceil(w.size / 30)) {
        check.invalid(`${p}.bits`, w.bits, `${Math.ceil(w.size / 30)} numbers (30 calls each)`)
      }
      if (w.calls > w.size) check.invalid(`${p}.calls`, w.calls, `at most size (${w.size})`)
      if (w.next >= w.size) check.invalid(`${p}.next`, w.next, `less than size (${w.size})`)
      if (w.calls < w.size && w.next !== w.calls) check.invalid(`${p}.next`, w.next, `calls (${w.calls}) until the window is full`)
      const last = w.size % 30
      const spare = last === 0 ? 0 : w.bits[w.bits.length - 1]! >>> last
      if (spare !== 0) check.invalid(`${p}.bits[${w.bits.length - 1}]`, w.bits[w.bits.length - 1], `no bits beyond size (${w.size})`)
      const bad = w.bits.reduce((n, b) => n + popcount(b), 0)
      if (w.bad !== bad) check.invalid(`${p}.bad`, w.bad, `${bad} (the bad calls in bits)`)
    }
    if (w._tag === "LastDuration" && spec._tag === "LastDuration") {
      if (w.durationMs !== spec.durationMs) check.invalid(`${p}.durationMs`, w.durationMs, `${spec.durationMs} (the policy's window)`)
      if (w.buckets !== spec.buckets) check.invalid(`${p}.buckets`, w.buckets, `${spec.buckets} (the policy's buckets)`)
      if (w.calls.length !== w.buckets) check.invalid(`${p}.calls`, w.calls, `${w.buckets} numbers, one per bucket`)
      if (w.bad.length !== w.buckets) check.invalid(`${p}.bad`, w.bad, `${w.buckets} numbers, one per bucket`)
      w.bad.forEach((b, j) => {
        if (b > w.calls[j]!) check.invalid(`${p}.bad[${j}]`, b, `at most calls[${j}] (${w.calls[j]})`)
      })
    }
  })
  if (d.permits.length !== config.permits) {
    check.invalid(`${at}.permits`, d.permits, `${config.permits} permit(s) (halfOpen.permits)`)
  }
  d.permits.forEach((p, i) => {
    if (p.ticket > d.ticket) check.invalid(`${at}.permits[${i}].ticket`, p.ticket, `at most ticket (${d.ticket})`)
    if (p.issuedAt !== null && d.tag !== "HalfOpen") {
      check.invalid(`${at}.permits[${i}].issuedAt`, p.issuedAt, "null: permits are held only in HalfOpen")
    }
  })
  if (d.failures > d.calls) check.invalid(`${at}.failures`, d.failures, `at most calls (${d.calls})`)
  if (d.slowCalls > d.calls) check.invalid(`${at}.slowCalls`, d.slowCalls, `at most calls (${d.calls})`)
  if (d.tag === "HalfOpen" && d.probeSuccesses >= config.successesToClose) {
    check.invalid(`${at}.probeSuccesses`, d.probeSuccesses, `less than halfOpen.successesToClose (${config.successesToClose})`)
  }
}

/**
 * Decodes untrusted data (a snapshot read back from a file, a store) into a
 * state for `config`. A bad field fails with `InvalidOptionError` whose option
 * is the field's path under `at` (e.g. `restore.windows[0].bad`) and whose value
 * is the bad value.
 *
 * @internal
 */
export const decode = (config: core.Config, u: unknown, at = "restore"): Either.Either<BreakerState, InvalidOptionError> =>
  check.validatedEither(() => {
    const decoded = decodeSchema(u)
    if (Either.isLeft(decoded)) {
      const issue = ParseResult.ArrayFormatter.formatErrorSync(decoded.left)[0]!
      // Schema's own texts for these two are a dump of the whole snapshot type: say what a snapshot is instead
      const expected = issue._tag === "Unexpected"
        ? "no such field in a snapshot (one made by breaker.export)"
        : issue._tag === "Type" && issue.message.startsWith("Expected {")
        ? "a snapshot object, as breaker.export makes it"
        : issue.message
      return check.invalid(pathString(at, issue.path), valueAt(u, issue.path), expected)
    }
    consistent(config, decoded.right, at)
    return decoded.right
  })
