/**
 * `effect-breaker drill`: an outage drill. Fake OpenAI and Anthropic servers on
 * 127.0.0.1, steady traffic through real `@effect/ai` clients and the
 * effect-breaker LLM policy (`Policy.make` per provider, `Policy.failover`, a
 * last-good cache, and a hedge that starts the failover beside a primary silent
 * for 100 ms), the primary goes down and recovers, and the same script runs
 * again with the breakers disabled (still hedged). Prints a live view, then a
 * comparison; writes JSON and SVG.
 *
 * Exit codes: 0 done, 1 failed, 2 bad flag.
 *
 * @internal
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type { InvalidOptionError } from "../../index.js"
import * as Flags from "../flags.js"
import { importOptional } from "../peers.js"
import { defaults, type DrillOptions, quick } from "./options.js"

const d = Options.withDescription
const opt = Options.optional

/** The drill's flags, each optional: what is not given comes from `--quick` or the defaults. @internal */
export const flags = {
  mode: Flags.choice("mode", ["hang", "503"]).pipe(d("how the primary fails during the outage (default hang)"), opt),
  outage: Flags.duration("outage", 100).pipe(d("outage length (ms, s or m; default 6s)"), opt),
  healthy: Flags.duration("healthy", 100).pipe(d("healthy traffic before the outage (default 2s)"), opt),
  recovery: Flags.duration("recovery", 100).pipe(d("traffic after the provider recovers (default 3s)"), opt),
  rps: Flags.number("rps", 0.1, 1_000).pipe(d("requests per second (default 20)"), opt),
  timeout: Flags.duration("timeout", 10, 600_000).pipe(d("per-attempt timeout, inside the breaker (default 1s)"), opt),
  open: Flags.duration("open", 1, 600_000).pipe(d("how long the circuit stays open (default 200ms)"), opt),
  threshold: Flags.integer("threshold", 1, 1_000).pipe(d("consecutive failures that open it (default 5)"), opt),
  permits: Flags.integer("permits", 1, 100).pipe(d("half-open probes (default 1)"), opt),
  retries: Flags.integer("retries", 0, 10).pipe(d("retries per provider, outside the breaker (default 2)"), opt),
  retryBase: Flags.duration("retry-base", 1, 60_000).pipe(d("first retry delay, doubling, ±20% jitter (default 50ms)"), opt),
  hedge: Flags.parsed("hedge", "duration|off", (flag, v) =>
    v === "off" ? Either.right(null) : Either.mapLeft(
      Flags.parseDuration(flag, v, 0, 600_000),
      () => Flags.invalid(flag, v, "off, or a duration from 0ms to 10m, like 150ms")
    )).pipe(
      d("start the failover beside a primary silent this long, without cancelling it (default 100ms; both variants hedge)"),
      opt
    ),
  noise: Flags.number("noise", 0, 0.5).pipe(d("share of 500s from a healthy provider (default 0.02)"), opt),
  interval: Flags.duration("interval", 50, 60_000).pipe(d("live view / report interval (default 500ms)"), opt),
  noBreaker: Options.boolean("no-breaker").pipe(d("run only the baseline without the breaker")),
  breakerOnly: Options.boolean("breaker-only").pipe(d("run only the variant with the breaker")),
  quick: Options.boolean("quick").pipe(d("a 2s outage (healthy 1s, recovery 2s); other flags win over it")),
  json: Flags.path("json").pipe(d("JSON report (default .reports/drill.json)"), opt),
  svg: Flags.path("svg").pipe(d("SVG timeline (default .reports/drill.svg)"), opt),
  noMetrics: Options.boolean("no-metrics").pipe(d("do not serve Prometheus metrics while running")),
  fleet: Flags.integer("fleet", 1, 16).pipe(
    d("replicas sharing their breakers through Redis in the run with the breaker (starts a local redis-server)"),
    opt
  ),
  redisUrl: Flags.parsed("redis-url", "url", (flag, v) =>
    /^rediss?:\/\//.test(v) ? Either.right(v) : Either.left(Flags.invalid(flag, "<redacted>", "a redis:// or rediss:// URL"))
  ).pipe(d("with --fleet: use this Redis instead of starting one"), opt)
}

/** What the flags parse to. @internal */
export type Parsed = Command.Command.ParseConfig<typeof flags>

/**
 * The drill's options from its flags: `--quick` sets the short timings first;
 * every other flag wins over it. `--no-breaker` and `--breaker-only` exclude each other.
 *
 * @internal
 */
export const toOptions = (f: Parsed, base: DrillOptions = defaults): Either.Either<DrillOptions, InvalidOptionError> => {
  if (f.noBreaker && f.breakerOnly) return Either.left(Flags.invalid("--no-breaker", "", "not together with --breaker-only"))
  const explicit: { -readonly [K in keyof DrillOptions]?: DrillOptions[K] } = {}
  const set = <K extends keyof DrillOptions>(key: K, value: Option.Option<DrillOptions[K]>) => {
    if (Option.isSome(value)) explicit[key] = value.value
  }
  set("mode", f.mode)
  set("outageMs", f.outage)
  set("healthyMs", f.healthy)
  set("recoveryMs", f.recovery)
  set("rps", f.rps)
  set("timeoutMs", f.timeout)
  set("openMs", f.open)
  set("threshold", f.threshold)
  set("permits", f.permits)
  set("retries", f.retries)
  set("retryBaseMs", f.retryBase)
  set("hedgeMs", f.hedge)
  set("noise", f.noise)
  set("intervalMs", f.interval)
  set("jsonPath", f.json)
  set("svgPath", f.svg)
  if (f.noBreaker) explicit.variants = ["no-breaker"]
  if (f.breakerOnly) explicit.variants = ["breaker"]
  if (f.noMetrics) explicit.prometheus = false
  set("fleet", f.fleet)
  if (Option.isSome(f.redisUrl)) explicit.redisUrl = f.redisUrl.value
  return Either.right({ ...base, ...(f.quick ? quick : {}), ...explicit })
}

/** `effect-breaker drill`. @internal */
export const command = Command.make("drill", flags, (f) =>
  Effect.flatMap(
    toOptions(f),
    // The drill's program needs the optional peers @effect/ai, -openai, -anthropic and the OTel Prometheus exporter:
    // loaded only when the drill runs, so `simulate` and `--help` work without them.
    (options) => Effect.flatMap(importOptional("drill", () => import("./program.js")), (program) => program.run(options))
  )).pipe(
  Command.withDescription(
    "Outage drill: fake OpenAI + Anthropic servers on 127.0.0.1, real @effect/ai clients through the LLM policy; " +
      "the primary goes down and recovers, with and without the breaker. Writes a JSON report and an SVG timeline."
  )
)
