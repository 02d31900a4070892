/**
 * What a scenario file says: how much traffic arrives and in what shape, how the
 * provider behaves normally, and the windows in which it misbehaves (outages,
 * brownouts, rate-limit storms). Decoded with `effect/Schema`; every field is
 * checked and a bad one is reported by its path.
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { decodeJson, expecting, numberIn, positive } from "./decode.js"
import { SimInputError } from "./SimError.js"

/** The ways a provider call can fail. @internal */
export const ErrorKinds = ["server", "overloaded", "timeout", "network", "rateLimited", "invalid"] as const

/** @internal */
export type ErrorKind = typeof ErrorKinds[number]

const Latency = Schema.Union(
  Schema.Struct({ dist: Schema.Literal("fixed"), ms: numberIn(0, 3_600_000) }),
  Schema.Struct({ dist: Schema.Literal("uniform"), minMs: numberIn(0, 3_600_000), maxMs: numberIn(0, 3_600_000) }).pipe(
    Schema.filter((l) => l.maxMs >= l.minMs || { path: ["maxMs"], message: `expected a number ≥ minMs (${l.minMs}), got ${l.maxMs}` })
  ),
  Schema.Struct({ dist: Schema.Literal("lognormal"), medianMs: positive(), p99Ms: positive() }).pipe(
    Schema.filter((l) => l.p99Ms >= l.medianMs || { path: ["p99Ms"], message: `expected a number ≥ medianMs (${l.medianMs}), got ${l.p99Ms}` })
  )
).annotations({
  message: () => ({
    message: `expected {"dist":"fixed","ms"} | {"dist":"uniform","minMs","maxMs"} | {"dist":"lognormal","medianMs","p99Ms"}`,
    override: false
  })
})

/** @internal */
export type Latency = typeof Latency.Type

const weight = Schema.optional(numberIn(0, 1e9, "a weight ≥ 0"))
const ErrorMix = Schema.Struct({
  server: weight,
  overloaded: weight,
  timeout: weight,
  network: weight,
  rateLimited: weight,
  invalid: weight
}).pipe(
  Schema.filter((m) => Object.values(m).some((w) => w !== undefined && w > 0) || "expected at least one error kind with a weight > 0")
)

/** @internal */
export type ErrorMix = typeof ErrorMix.Type

const Behavior = {
  /** Fraction of calls that fail. */
  errorRate: numberIn(0, 1, "a fraction from 0 to 1"),
  /** Relative weights of the error kinds (default: all `server`). */
  errors: Schema.optional(ErrorMix),
  latency: Schema.optional(Latency),
  /** Latency of failed calls (default: `latency`). */
  errorLatency: Schema.optional(Latency),
  /** `Retry-After` sent with 429 and 529 answers. */
  retryAfterSeconds: Schema.optional(numberIn(0, 86_400))
}

const Shape = Schema.Union(
  Schema.Struct({ kind: Schema.Literal("constant") }),
  Schema.Struct({
    kind: Schema.Literal("sine"),
    amplitude: numberIn(0, 1, "a fraction from 0 to 1"),
    periodSeconds: positive()
  }),
  Schema.Struct({
    kind: Schema.Literal("bursts"),
    everySeconds: positive(),
    lastingSeconds: positive(),
    multiplier: numberIn(0, 1000)
  })
)

/** @internal */
export type Shape = typeof Shape.Type

const Outage = Schema.Struct({
  label: Schema.optional(Schema.String),
  start: expecting(Schema.Number.pipe(Schema.filter((n) => n >= 0)), "a number of seconds ≥ 0"),
  end: expecting(Schema.Number, "a number ≥ start"),
  ...Behavior,
  /** Repeat the window: `times` more copies, each `everySeconds` after the previous. */
  repeat: Schema.optional(Schema.Struct({ everySeconds: positive(), times: numberIn(1, 10_000, "an integer from 1 to 10000") }))
}).pipe(
  Schema.filter((o) => o.end > o.start || { path: ["end"], message: `expected a number ≥ start (${o.start}), got ${o.end}` }),
  Schema.filter((o) =>
    o.repeat === undefined || o.repeat.everySeconds >= o.end - o.start ||
    { path: ["repeat", "everySeconds"], message: `expected at least the window length (${o.end - o.start}), got ${o.repeat.everySeconds}` }
  )
)

const ScenarioSchema = Schema.Struct({
  name: expecting(Schema.String.pipe(Schema.minLength(1)), "a non-empty string"),
  description: Schema.optional(Schema.String),
  durationSeconds: numberIn(1, 30 * 86_400, "a number of seconds from 1 to 2592000"),
  seed: Schema.optional(expecting(Schema.Int, "an integer")),
  /** The timeout around each call (inside the breaker): a slower call fails as `timeout`. Default 30 s. */
  callTimeoutMs: Schema.optional(positive()),
  /** Width of one chart interval. Default: duration / 120. */
  intervalSeconds: Schema.optional(positive()),
  traffic: Schema.Struct({ rps: numberIn(0.001, 100_000, "a request rate from 0.001 to 100000"), shape: Schema.optional(Shape) }),
  provider: Schema.Struct({ ...Behavior, latency: Latency }),
  outages: Schema.optionalWith(Schema.Array(Outage), { default: () => [] })
})

/** A scenario as written in its file. @internal */
export type ScenarioInput = typeof ScenarioSchema.Type

/** How the provider behaves over some span of time. @internal */
export interface Behavior {
  readonly errorRate: number
  /** Cumulative weights over `ErrorKinds`, last = 1. */
  readonly errorCdf: ReadonlyArray<number>
  readonly latency: Latency
  readonly errorLatency: Latency
  readonly retryAfterMs: number
}

/** A window of misbehaviour, in millis, with repeats expanded. @internal */
export interface Window {
  readonly index: number
  readonly label: string
  readonly startMs: number
  readonly endMs: number
  readonly behavior: Behavior
}

/** A checked scenario, ready to run. @internal */
export interface Scenario {
  readonly name: string
  readonly description: string
  readonly durationMs: number
  readonly seed: number
  readonly callTimeoutMs: number
  readonly intervalMs: number
  readonly rps: number
  readonly shape: Shape
  readonly baseline: Behavior
  /** Sorted by start, non-overlapping. */
  readonly windows: ReadonlyArray<Window>
}

const cdf = (mix: ErrorMix | undefined): Array<number> => {
  const weights = ErrorKinds.map((k) => (mix === undefined ? (k === "server" ? 1 : 0) : mix[k] ?? 0))
  const total = weights.reduce((a, b) => a + b, 0)
  let acc = 0
  return weights.map((w) => (acc += w / total))
}

const behavior = (
  b: { readonly errorRate: number; readonly errors?: ErrorMix | undefined; readonly latency?: Latency | undefined; readonly errorLatency?: Latency | undefined; readonly retryAfterSeconds?: number | undefined },
  base: Behavior | undefined
): Behavior => {
  const latency = b.latency ?? base!.latency
  return {
    errorRate: b.errorRate,
    errorCdf: b.errors === undefined && base !== undefined ? base.errorCdf : cdf(b.errors),
    latency,
    errorLatency: b.errorLatency ?? (b.latency === undefined && base !== undefined ? base.errorLatency : latency),
    retryAfterMs: b.retryAfterSeconds === undefined ? (base?.retryAfterMs ?? 0) : b.retryAfterSeconds * 1000
  }
}

/**
 * Checks what the schema cannot see field by field (windows overlapping once
 * repeats are expanded) and compiles the scenario.
 *
 * @internal
 */
export const compile = (input: ScenarioInput, source: string): Either.Either<Scenario, SimInputError> => {
  const baseline = behavior(input.provider, undefined)
  const windows: Array<Window & { readonly at: string }> = []
  input.outages.forEach((o, i) => {
    const b = behavior(o, baseline)
    const copies = 1 + (o.repeat?.times ?? 0)
    for (let k = 0; k < copies; k++) {
      const shift = k * (o.repeat?.everySeconds ?? 0) * 1000
      windows.push({
        index: windows.length,
        label: `${o.label ?? `outage ${i + 1}`}${copies > 1 ? ` #${k + 1}` : ""}`,
        startMs: o.start * 1000 + shift,
        endMs: o.end * 1000 + shift,
        behavior: b,
        at: `outages[${i}]`
      })
    }
  })
  windows.sort((a, b) => a.startMs - b.startMs)
  for (let i = 1; i < windows.length; i++) {
    const prev = windows[i - 1]!
    const w = windows[i]!
    if (w.startMs < prev.endMs) {
      return Either.left(
        new SimInputError({
          source,
          issues: [{ path: `${w.at}.start`, message: `expected no overlap with ${prev.at} (which ends at ${prev.endMs / 1000}), got ${w.startMs / 1000}` }]
        })
      )
    }
  }
  const durationMs = input.durationSeconds * 1000
  return Either.right({
    name: input.name,
    description: input.description ?? "",
    durationMs,
    seed: input.seed ?? 1,
    callTimeoutMs: input.callTimeoutMs ?? 30_000,
    intervalMs: input.intervalSeconds === undefined ? durationMs / 120 : input.intervalSeconds * 1000,
    rps: input.traffic.rps,
    shape: input.traffic.shape ?? { kind: "constant" },
    baseline,
    windows: windows.map(({ at: _, ...w }, index) => ({ ...w, index }))
  })
}

/**
 * Decodes and compiles a scenario file's text.
 *
 * @internal
 */
export const parse = (source: string, text: string): Either.Either<Scenario, SimInputError> =>
  Either.flatMap(decodeJson(ScenarioSchema, source, text), (input) => compile(input, source))

/** The same scenario cut to its first `seconds` (windows past the end are dropped). @internal */
export const truncate = (s: Scenario, seconds: number): Scenario => {
  const durationMs = Math.min(s.durationMs, seconds * 1000)
  return {
    ...s,
    durationMs,
    intervalMs: Math.min(s.intervalMs, durationMs / 60),
    windows: s.windows.filter((w) => w.startMs < durationMs)
  }
}
