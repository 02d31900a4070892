/**
 * The drill's options and its command-line flags: a tiny hand parser (no
 * dependency) that fails with `InvalidOptionError` naming the flag and the value.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import { InvalidOptionError } from "../CircuitBreaker.js"

/**
 * How the primary provider fails during the outage: it never answers (`hang`,
 * the caller's timeout ends each call) or it answers HTTP 503 at once (`503`).
 *
 * @since 0.1.0
 * @category models
 */
export type OutageMode = "hang" | "503"

/**
 * Which variants of the policy run the script: with the breaker, and the same
 * policy with the breaker disabled.
 *
 * @since 0.1.0
 * @category models
 */
export type Variant = "breaker" | "no-breaker"

/**
 * Everything a drill needs. Times are milliseconds of wall-clock time
 * (compressed: a 6 s outage stands for minutes of a real one).
 *
 * @since 0.1.0
 * @category models
 */
export interface DrillOptions {
  /** Requests per second, arriving at a steady pace whatever the latency (open loop). */
  readonly rps: number
  readonly healthyMs: number
  readonly outageMs: number
  readonly recoveryMs: number
  readonly mode: OutageMode
  readonly variants: ReadonlyArray<Variant>
  /** Per attempt, inside the breaker. */
  readonly timeoutMs: number
  /** How long the circuit stays open before a probe. */
  readonly openMs: number
  /** Consecutive failures that open the circuit. */
  readonly threshold: number
  /** Half-open probes at once (and successes needed to close). */
  readonly permits: number
  /** Retries per provider (outside its breaker). */
  readonly retries: number
  /** The first retry delay (doubles each retry, ±20% jitter). */
  readonly retryBaseMs: number
  /**
   * Hedge: after this long without an answer from the primary, start the
   * failover beside it (the primary is not cancelled: its breaker still records
   * it). `null`: no hedging. Both variants hedge, so the comparison isolates the breaker.
   */
  readonly hedgeMs: number | null
  /** Share of requests a healthy provider answers with a 500 (blips the policy should absorb without opening). */
  readonly noise: number
  /** How often the live view prints a line (and the width of the report's intervals). */
  readonly intervalMs: number
  readonly jsonPath: string
  readonly svgPath: string
  /** Serve the breaker metrics on a Prometheus endpoint on 127.0.0.1 while the drill runs. */
  readonly prometheus: boolean
}

/**
 * The defaults of `npm start`: about 11 s per run, both variants, ~25 s in all.
 *
 * @since 0.1.0
 * @category constructors
 */
export const defaults: DrillOptions = {
  rps: 20,
  healthyMs: 2_000,
  outageMs: 6_000,
  recoveryMs: 3_000,
  mode: "hang",
  variants: ["breaker", "no-breaker"],
  timeoutMs: 1_000,
  openMs: 200,
  threshold: 5,
  permits: 1,
  retries: 2,
  retryBaseMs: 50,
  hedgeMs: 100,
  noise: 0.02,
  intervalMs: 500,
  jsonPath: ".reports/drill.json",
  svgPath: ".reports/drill.svg",
  prometheus: true
}

/**
 * `--quick`: a 2 s outage, about 5 s per run.
 *
 * @since 0.1.0
 * @category constructors
 */
export const quick: Partial<DrillOptions> = { healthyMs: 1_000, outageMs: 2_000, recoveryMs: 2_000 }

/**
 * The usage text printed by `--help` and after a bad flag.
 *
 * @since 0.1.0
 * @category getters
 */
export const usage = `Usage: npm start -- [flags]   (or: npx tsx bin/drill.ts [flags])

  --mode hang|503      how the primary fails during the outage (default hang)
  --outage 6s          outage length (ms, s or m; default 6s)
  --healthy 2s         healthy traffic before the outage (default 2s)
  --recovery 3s        traffic after the provider recovers (default 3s)
  --rps 20             requests per second (default 20)
  --timeout 1s         per-attempt timeout, inside the breaker (default 1s)
  --open 200ms         how long the circuit stays open (default 200ms)
  --threshold 5        consecutive failures that open it (default 5)
  --permits 1          half-open probes (default 1)
  --retries 2          retries per provider, outside the breaker (default 2)
  --retry-base 50ms    first retry delay, doubling, ±20% jitter (default 50ms)
  --hedge 100ms|off    start the failover beside a primary silent this long, without
                       cancelling it (default 100ms; both variants hedge)
  --noise 0.02         share of 500s from a healthy provider (default 0.02)
  --interval 500ms     live view / report interval (default 500ms)
  --no-breaker         run only the baseline without the breaker
  --breaker-only       run only the variant with the breaker
  --quick              a 2s outage (healthy 1s, recovery 2s)
  --json PATH          JSON report (default .reports/drill.json)
  --svg PATH           SVG timeline (default .reports/drill.svg)
  --no-metrics         do not serve Prometheus metrics while running
  --help               this text`

/**
 * What the command line asked for: options, or the help text.
 *
 * @since 0.1.0
 * @category models
 */
export type Parsed = { readonly _tag: "Run"; readonly options: DrillOptions } | { readonly _tag: "Help" }

const bad = (flag: string, value: string | undefined, expected: string): InvalidOptionError =>
  new InvalidOptionError({ option: flag, value: value === undefined ? "nothing" : JSON.stringify(value), expected })

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m)$/

/**
 * Parses a duration flag value: `200ms`, `1.5s`, `2m`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const parseDuration = (flag: string, value: string | undefined, min = 1, max = 3_600_000): Either.Either<number, InvalidOptionError> => {
  const m = value === undefined ? null : DURATION.exec(value.trim())
  const expected = `a duration from ${min}ms to ${max / 60_000}m, like 6s or 200ms`
  if (m === null) return Either.left(bad(flag, value, expected))
  const ms = Number(m[1]) * (m[2] === "ms" ? 1 : m[2] === "s" ? 1_000 : 60_000)
  return ms >= min && ms <= max ? Either.right(Math.round(ms)) : Either.left(bad(flag, value, expected))
}

const parseNumber = (
  flag: string,
  value: string | undefined,
  min: number,
  max: number,
  integer: boolean
): Either.Either<number, InvalidOptionError> => {
  const n = value === undefined || value.trim() === "" ? NaN : Number(value)
  const ok = Number.isFinite(n) && n >= min && n <= max && (!integer || Number.isInteger(n))
  return ok ? Either.right(n) : Either.left(bad(flag, value, `${integer ? "an integer" : "a number"} from ${min} to ${max}`))
}

type Setter = (value: string | undefined) => Either.Either<Partial<DrillOptions>, InvalidOptionError>

const valued: Record<string, Setter> = {
  "--rps": (v) => Either.map(parseNumber("--rps", v, 0.1, 1_000, false), (rps) => ({ rps })),
  "--outage": (v) => Either.map(parseDuration("--outage", v, 100), (outageMs) => ({ outageMs })),
  "--healthy": (v) => Either.map(parseDuration("--healthy", v, 100), (healthyMs) => ({ healthyMs })),
  "--recovery": (v) => Either.map(parseDuration("--recovery", v, 100), (recoveryMs) => ({ recoveryMs })),
  "--timeout": (v) => Either.map(parseDuration("--timeout", v, 10, 600_000), (timeoutMs) => ({ timeoutMs })),
  "--open": (v) => Either.map(parseDuration("--open", v, 1, 600_000), (openMs) => ({ openMs })),
  "--retry-base": (v) => Either.map(parseDuration("--retry-base", v, 1, 60_000), (retryBaseMs) => ({ retryBaseMs })),
  "--interval": (v) => Either.map(parseDuration("--interval", v, 50, 60_000), (intervalMs) => ({ intervalMs })),
  "--hedge": (v) =>
    v === "off" ? Either.right({ hedgeMs: null }) : Either.mapBoth(parseDuration("--hedge", v, 0, 600_000), {
      onLeft: () => bad("--hedge", v, "off, or a duration from 0ms to 10m, like 150ms"),
      onRight: (hedgeMs) => ({ hedgeMs })
    }),
  "--threshold": (v) => Either.map(parseNumber("--threshold", v, 1, 1_000, true), (threshold) => ({ threshold })),
  "--permits": (v) => Either.map(parseNumber("--permits", v, 1, 100, true), (permits) => ({ permits })),
  "--retries": (v) => Either.map(parseNumber("--retries", v, 0, 10, true), (retries) => ({ retries })),
  "--noise": (v) => Either.map(parseNumber("--noise", v, 0, 0.5, false), (noise) => ({ noise })),
  "--mode": (v) =>
    v === "hang" || v === "503" ? Either.right({ mode: v }) : Either.left(bad("--mode", v, "hang or 503")),
  "--json": (v) => v === undefined || v === "" || v.startsWith("--") ? Either.left(bad("--json", v, "a file path")) : Either.right({ jsonPath: v }),
  "--svg": (v) => v === undefined || v === "" || v.startsWith("--") ? Either.left(bad("--svg", v, "a file path")) : Either.right({ svgPath: v })
}

const switches: Record<string, Partial<DrillOptions>> = {
  "--no-breaker": { variants: ["no-breaker"] },
  "--breaker-only": { variants: ["breaker"] },
  "--quick": {},
  "--no-metrics": { prometheus: false }
}

/**
 * Parses the command line (without `node` and the script). `--quick` sets the
 * short timings first; every other flag wins over it, whatever the order.
 * Accepts `--flag value` and `--flag=value`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const parseFlags = (
  argv: ReadonlyArray<string>,
  base: DrillOptions = defaults
): Either.Either<Parsed, InvalidOptionError> => {
  let explicit: Partial<DrillOptions> = {}
  let isQuick = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === "--help" || arg === "-h") return Either.right({ _tag: "Help" })
    const eq = arg.indexOf("=")
    const flag = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg
    const inline = arg.startsWith("--") && eq > 0 ? arg.slice(eq + 1) : undefined
    const toggle = switches[flag]
    if (toggle !== undefined) {
      if (inline !== undefined) return Either.left(bad(flag, inline, "no value (it is a switch)"))
      if (flag === "--quick") isQuick = true
      if (flag === "--no-breaker" && explicit.variants?.length === 1 && explicit.variants[0] === "breaker") {
        return Either.left(bad(flag, "", "not together with --breaker-only"))
      }
      if (flag === "--breaker-only" && explicit.variants?.length === 1 && explicit.variants[0] === "no-breaker") {
        return Either.left(bad(flag, "", "not together with --no-breaker"))
      }
      explicit = { ...explicit, ...toggle }
      continue
    }
    const set = valued[flag]
    if (set === undefined) return Either.left(bad(arg.startsWith("-") ? flag : "argument", arg, `one of the flags in --help`))
    const value = inline ?? argv[++i]
    const parsed = set(value)
    if (Either.isLeft(parsed)) return Either.left(parsed.left)
    explicit = { ...explicit, ...parsed.right }
  }
  const options: DrillOptions = { ...base, ...(isQuick ? quick : {}), ...explicit }
  return Either.right({ _tag: "Run", options })
}
