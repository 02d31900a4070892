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
  ),
  /** An LLM answer: the first token after `firstTokenMs`, then one token every `perTokenMs` (lengths from `outputTokens`). */
  Schema.Struct({ dist: Schema.Literal("tokens"), firstTokenMs: numberIn(0, 3_600_000), perTokenMs: numberIn(0, 60_000) })
).annotations({
  message: () => ({
    message:
      `expected {"dist":"fixed","ms"} | {"dist":"uniform","minMs","maxMs"} | {"dist":"lognormal","medianMs","p99Ms"} | {"dist":"tokens","firstTokenMs","perTokenMs"}`,
    override: false
  })
})

/** How long answers are, in output tokens: a lognormal through its median and 99th percentile. */
const OutputTokens = Schema.Struct({ median: positive(), p99: positive() }).annotations({
  description: "Answer lengths in output tokens: a lognormal through its median and 99th percentile."
}).pipe(
  Schema.filter((t) => t.p99 >= t.median || { path: ["p99"], message: `expected a number ≥ median (${t.median}), got ${t.p99}` })
)

/** A fraction of the calls is slower by a factor (time to first token and per token alike). */
const Slow = Schema.Struct({
  fraction: numberIn(0, 1, "a fraction from 0 to 1").annotations({ description: "The fraction of calls that are slow." }),
  factor: numberIn(1, 1000, "a factor from 1 to 1000").annotations({ description: "How much slower they are (first token and per token)." })
})

/** @internal */
export type Slow = typeof Slow.Type

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
  errorRate: numberIn(0, 1, "a fraction from 0 to 1").annotations({ description: "Fraction of calls that fail." }),
  /** Relative weights of the error kinds (default: all `server`). */
  errors: Schema.optional(ErrorMix),
  latency: Schema.optional(Latency),
  /** Latency of failed calls (default: `latency`). */
  errorLatency: Schema.optional(Latency),
  /** `Retry-After` sent with 429 and 529 answers. */
  retryAfterSeconds: Schema.optional(numberIn(0, 86_400)),
  /** Answer lengths (used by a `tokens` latency, reported to the breaker as the answer's usage). */
  outputTokens: Schema.optional(OutputTokens),
  /** What fraction of the calls is slow, and how much slower. */
  slow: Schema.optional(Slow)
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
  /**
   * Whether the provider is at fault in this window (default true). `false` for trouble a breaker should ride
   * out (the caller's own rate limit): the window is then not counted as detected or missed, and an opening
   * in it is a false open.
   */
  fault: Schema.optional(expecting(Schema.Boolean, "true or false")),
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
  /** The JSON Schema an editor checks the file against (ignored by the simulator). */
  $schema: Schema.optional(Schema.String),
  name: expecting(Schema.String.pipe(Schema.minLength(1)), "a non-empty string"),
  description: Schema.optional(Schema.String),
  durationSeconds: numberIn(1, 30 * 86_400, "a number of seconds from 1 to 2592000").annotations({
    description: "How long the simulated run lasts, in seconds."
  }),
  seed: Schema.optional(expecting(Schema.Int, "an integer").annotations({
    description: "The random seed (default 1): the same scenario and seed give the same run."
  })),
  /** The timeout around each call (inside the breaker): a slower call fails as `timeout`. Default 30 s. */
  callTimeoutMs: Schema.optional(positive().annotations({
    description: "The timeout around each call, inside the breaker (default 30000): a slower call fails as a timeout."
  })),
  /** Width of one chart interval. Default: duration / 120. */
  intervalSeconds: Schema.optional(positive().annotations({ description: "Width of one chart interval (default: duration / 120)." })),
  traffic: Schema.Struct({
    rps: numberIn(0.001, 100_000, "a request rate from 0.001 to 100000").annotations({
      description: "Mean requests per second (a Poisson process, shaped by `shape`)."
    }),
    shape: Schema.optional(Shape),
    /** Calls are streams: the breaker judges them by time to first token. Default false. */
    stream: Schema.optional(expecting(Schema.Boolean, "true or false").annotations({
      description: "Calls stream their answers: the breaker judges them by time to first token. Default false."
    }))
  }),
  /** What callers do around the breaker: retries after a failure, and how long a fallback takes. */
  caller: Schema.optional(Schema.Struct({
    retries: Schema.optional(numberIn(0, 10, "an integer from 0 to 10").pipe(Schema.filter(Number.isInteger)).annotations({
      description: "Retries after a failure (not after a rejection by the breaker, a 429 or a bad request). Default 0."
    })),
    retryDelayMs: Schema.optional(numberIn(0, 600_000).annotations({ description: "Wait before each retry (ms). Default 0." })),
    fallbackMs: Schema.optional(numberIn(0, 600_000).annotations({
      description: "How long the fallback takes when a configuration falls back (ms). Default 0."
    }))
  })),
  provider: Schema.Struct({ ...Behavior, latency: Latency }),
  outages: Schema.optionalWith(Schema.Array(Outage), { default: () => [] })
})

/** A scenario as written in its file. @internal */
export type ScenarioInput = typeof ScenarioSchema.Type

/** The scenario file's schema (its JSON Schema for editors is generated from it). @internal */
export const ScenarioFileSchema = ScenarioSchema

/** How the provider behaves over some span of time. @internal */
export interface Behavior {
  readonly errorRate: number
  /** Cumulative weights over `ErrorKinds`, last = 1. */
  readonly errorCdf: ReadonlyArray<number>
  readonly latency: Latency
  readonly errorLatency: Latency
  readonly retryAfterMs: number
  /** Answer lengths (lognormal), or undefined when the scenario does not model them. */
  readonly outputTokens: { readonly median: number; readonly p99: number } | undefined
  readonly slow: Slow | undefined
}

/** A window of misbehaviour, in millis, with repeats expanded. @internal */
export interface Window {
  readonly index: number
  readonly label: string
  readonly startMs: number
  readonly endMs: number
  readonly behavior: Behavior
  /** Whether the provider is at fault (a breaker should open); false for e.g. the caller's own rate limit. */
  readonly fault: boolean
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
  /** Whether calls are streams (the breaker sees time to first token). */
  readonly stream: boolean
  readonly retries: number
  readonly retryDelayMs: number
  readonly fallbackMs: number
  /** Whether any behaviour models answer lengths / slow calls: arrivals then draw more random numbers. */
  readonly usesTokens: boolean
  readonly usesSlow: boolean
}

const cdf = (mix: ErrorMix | undefined): Array<number> => {
  const weights = ErrorKinds.map((k) => (mix === undefined ? (k === "server" ? 1 : 0) : mix[k] ?? 0))
  const total = weights.reduce((a, b) => a + b, 0)
  let acc = 0
  return weights.map((w) => (acc += w / total))
}

const behavior = (
  b: {
    readonly errorRate: number
    readonly errors?: ErrorMix | undefined
    readonly latency?: Latency | undefined
    readonly errorLatency?: Latency | undefined
    readonly retryAfterSeconds?: number | undefined
    readonly outputTokens?: { readonly median: number; readonly p99: number } | undefined
    readonly slow?: Slow | undefined
  },
  base: Behavior | undefined
): Behavior => {
  const latency = b.latency ?? base!.latency
  return {
    errorRate: b.errorRate,
    errorCdf: b.errors === undefined && base !== undefined ? base.errorCdf : cdf(b.errors),
    latency,
    errorLatency: b.errorLatency ?? (b.latency === undefined && base !== undefined ? base.errorLatency : latency),
    retryAfterMs: b.retryAfterSeconds === undefined ? (base?.retryAfterMs ?? 0) : b.retryAfterSeconds * 1000,
    outputTokens: b.outputTokens ?? base?.outputTokens,
    slow: b.slow ?? (base === undefined ? undefined : base.slow)
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
        fault: o.fault ?? true,
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
  const behaviors = [baseline, ...windows.map((w) => w.behavior)]
  const tokenLatency = behaviors.some((b) => b.latency.dist === "tokens" || b.errorLatency.dist === "tokens")
  const missing = tokenLatency && behaviors.findIndex((b) => b.outputTokens === undefined)
  if (typeof missing === "number" && missing >= 0) {
    return Either.left(
      new SimInputError({
        source,
        issues: [{ path: "provider.outputTokens", message: `expected {"median","p99"} (in the provider or every window) with a "tokens" latency, got nothing` }]
      })
    )
  }
  const caller = input.caller ?? {}
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
    windows: windows.map(({ at: _, ...w }, index) => ({ ...w, index })),
    stream: input.traffic.stream ?? false,
    retries: caller.retries ?? 0,
    retryDelayMs: caller.retryDelayMs ?? 0,
    fallbackMs: caller.fallbackMs ?? 0,
    usesTokens: behaviors.some((b) => b.outputTokens !== undefined),
    usesSlow: behaviors.some((b) => b.slow !== undefined)
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
