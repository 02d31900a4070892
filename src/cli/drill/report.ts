/**
 * The drill's report: pure functions from a run's recording to figures
 * (latency percentiles, requests that reached the down provider, recovery
 * time, state per interval) and to the text table printed at the end.
 *
 * @since 0.1.0
 */
import type { CircuitBreaker } from "../../index.js"
import { formatMs, percent, table } from "../report/format.js"
import type { DrillOptions, OutageMode, Variant } from "./options.js"
import type { Recorder, RequestRecord, TransitionRecord } from "./recorder.js"
import { renderTargets, type TargetResult } from "./targets.js"

/**
 * One interval of a run (the live view prints the same figures).
 *
 * @since 0.1.0
 * @category models
 */
export interface Interval {
  readonly startMs: number
  readonly phase: string
  /** Each breaker's state at the end of the interval. */
  readonly states: Readonly<Record<string, CircuitBreaker.State>>
  /** Caller requests that finished in the interval, by who answered. */
  readonly primary: number
  readonly failover: number
  readonly cache: number
  readonly failed: number
  /** Requests that finished in the interval for which the hedge fired. */
  readonly hedged: number
  /** Rejections by any breaker (an attempt that never left). */
  readonly rejected: number
  /** Attempts that reached each provider. */
  readonly sent: Readonly<Record<string, number>>
  readonly p99Ms: number | null
}

/**
 * @since 0.1.0
 * @category models
 */
export interface BreakerSummary {
  readonly name: string
  readonly openings: number
  /** Openings while the provider was healthy (before the outage, or after it once its last attempts have ended). */
  readonly falseOpenings: number
  readonly rejected: number
  readonly probes: number
  readonly transitions: ReadonlyArray<TransitionRecord>
}

/**
 * The figures of one run of the script.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunReport {
  readonly variant: Variant
  readonly label: string
  readonly mode: OutageMode
  readonly durationMs: number
  readonly phases: ReadonlyArray<{ readonly name: string; readonly startMs: number; readonly endMs: number }>
  readonly requests: {
    readonly sent: number
    readonly answered: number
    readonly failed: number
    /** Still running when the run ended (interrupted, not counted elsewhere). */
    readonly unfinished: number
    readonly primary: number
    readonly failover: number
    readonly cache: number
    /** Requests for which the hedge fired (the primary had not answered after the hedge delay), by who then answered. */
    readonly hedged: { readonly total: number; readonly primary: number; readonly failover: number; readonly cache: number }
    /** `_tag` → count, of the errors callers saw. */
    readonly errors: Readonly<Record<string, number>>
  }
  /** Callers whose request started during the outage. */
  readonly outage: {
    readonly callers: number
    readonly errors: number
    readonly p50Ms: number | null
    readonly p99Ms: number | null
    readonly maxMs: number | null
    /** Share of those callers answered within 200 ms. */
    readonly within200ms: number | null
    /** Those callers for which the hedge fired. */
    readonly hedged: number
    /**
     * Of those, the ones the primary answered in the end, by when: while it
     * was down (never, when it hangs), or after its recovery (a caller that
     * straddled it, e.g. through a stall of the machine, retried the primary
     * once it answered again).
     */
    readonly hedgedByPrimary: { readonly whileDown: number; readonly afterRecovery: number }
    /** Those callers answered without any attempt reaching the down provider (its breaker turned them away at once). */
    readonly spared: number
    /**
     * Those that came once the primary's circuit had first opened in the
     * outage, and how many of them were spared: all but the half-open probes
     * (none without a breaker, or if it never opened).
     */
    readonly afterOpening: { readonly callers: number; readonly spared: number }
    /**
     * Their latencies minus the machine's stalls inside each request (its own
     * CPU work and GC, waits for a CPU while other processes had it; see
     * `StallMeter`): equal to the latencies on an idle machine, the part the
     * policy is responsible for on a loaded one. `sparedP50Ms`: the median of
     * the spared callers alone (how fast a caller the breaker turns away is
     * answered, whatever share of the callers it turned away).
     */
    readonly netOfStalls: {
      readonly p50Ms: number | null
      readonly p99Ms: number | null
      readonly within200ms: number | null
      readonly sparedP50Ms: number | null
    }
    /** Requests the down provider received while it was down (from its own count). */
    readonly requestsToDownProvider: number
  }
  readonly recovery: {
    /** From the provider's recovery to its breaker closing (null without a breaker, or if it never closed). */
    readonly breakerClosedAfterMs: number | null
    /** From the provider's recovery to the end of the first request it answered again. */
    readonly primaryAnsweringAfterMs: number | null
  }
  readonly breakers: ReadonlyArray<BreakerSummary>
  /**
   * With the breaker: the most requests the down provider should see, from the
   * policy: `threshold + permits × openings + inFlight`, where `inFlight` is the
   * attempts that could already be running when the circuit opened.
   */
  readonly bound: {
    readonly threshold: number
    readonly permits: number
    readonly openings: number
    readonly inFlight: number
    readonly max: number
  } | null
  readonly intervals: ReadonlyArray<Interval>
  /**
   * How late the event loop ran its timers during the run (p99 and max): a
   * stall of the machine (GC, other processes) adds to every latency above.
   * One stall at a time: a request lives through many (`outage.netOfStalls`).
   */
  readonly eventLoopDelay: { readonly p99Ms: number; readonly maxMs: number }
}

/**
 * The whole drill: its options and one report per variant.
 *
 * @since 0.1.0
 * @category models
 */
export interface DrillReport {
  readonly version: 1
  readonly generatedAt: string
  readonly options: DrillOptions
  readonly providers: ReadonlyArray<string>
  readonly runs: ReadonlyArray<RunReport>
  /** The outage targets and whether the run with the breaker met each (empty without one). */
  readonly targets: ReadonlyArray<TargetResult>
  readonly wallTimeMs: number
}

/**
 * The `q`-quantile (0..1) of `values` by nearest rank, or null when empty.
 *
 * @since 0.1.0
 * @category getters
 */
export const quantile = (values: ReadonlyArray<number>, q: number): number | null => {
  if (values.length === 0) return null
  const sorted = values.slice().sort((a, b) => a - b)
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)))
  return sorted[rank - 1]!
}

const round = (n: number | null, digits = 1): number | null => n === null ? null : Number(n.toFixed(digits))

/**
 * Each breaker's state at `atMs`, from the transitions (initially Closed).
 *
 * @since 0.1.0
 * @category getters
 */
export const statesAt = (
  names: ReadonlyArray<string>,
  transitions: ReadonlyArray<TransitionRecord>,
  atMs: number
): Record<string, CircuitBreaker.State> => {
  const states: Record<string, CircuitBreaker.State> = {}
  for (const name of names) states[name] = "Closed"
  for (const t of transitions) if (t.atMs <= atMs) states[t.breaker] = t.to
  return states
}

/**
 * Attempts, besides the `threshold` failures themselves, that may already be
 * admitted when the circuit opens: the callers arriving during one attempt's
 * worst latency (the timeout when the provider hangs, ~50 ms for a quick 503),
 * those arriving while the `threshold` failures land, and the retries those
 * failures fire before the circuit opens.
 *
 * @since 0.1.0
 * @category getters
 */
export const inFlightAllowance = (options: DrillOptions): number => {
  const attemptMs = options.mode === "hang" ? options.timeoutMs : 50
  return Math.ceil(options.rps * attemptMs / 1000) + options.threshold + (options.threshold - 1) * options.retries
}

/**
 * Summarises one run.
 *
 * @since 0.1.0
 * @category constructors
 */
export const summarize = (input: {
  readonly recorder: Recorder
  readonly options: DrillOptions
  readonly variant: Variant
  readonly providers: ReadonlyArray<string>
  readonly requestsToDownProvider: number
  readonly eventLoopDelay: { readonly p99Ms: number; readonly maxMs: number }
}): RunReport => {
  const { options, providers, recorder, variant } = input
  const primaryName = providers[0]!
  const outagePhase = recorder.phases.find((p) => p.name === "outage")
  const outageStart = outagePhase?.startMs ?? Infinity
  const outageEnd = outagePhase?.endMs ?? Infinity
  const durationMs = recorder.phases[recorder.phases.length - 1]?.endMs ?? recorder.now()
  const requests = recorder.requests
  const done = requests.filter((r) => r.outcome !== "pending")
  const count = (o: string) => done.filter((r) => r.outcome === o).length
  const hedgedBy = (o: string) => done.filter((r) => r.hedged && r.outcome === o).length
  const errors: Record<string, number> = {}
  for (const r of done) if (r.outcome === "error") errors[r.error ?? "unknown"] = (errors[r.error ?? "unknown"] ?? 0) + 1

  const duringOutage = requests.filter((r) => r.startMs >= outageStart && r.startMs < outageEnd)
  const outageDone = duringOutage.filter((r) => r.outcome !== "pending")
  const outageLatencies = outageDone.map((r) => r.endMs - r.startMs)
  const net = (r: RequestRecord) => r.endMs - r.startMs - recorder.stallOf(r)
  const netLatencies = outageDone.map(net)
  const sparedDone = outageDone.filter((r) => !r.reached.includes(primaryName))
  const firstOpening = recorder.transitions.find((t) => t.breaker === primaryName && t.to === "Open" && t.atMs >= outageStart)
  const afterOpening = firstOpening === undefined ? [] : outageDone.filter((r) => r.startMs >= firstOpening.atMs)
  const within200ms = (latencies: ReadonlyArray<number>) =>
    latencies.length === 0 ? null : round(latencies.filter((ms) => ms <= 200).length / latencies.length, 3)

  // the last failures caused by the outage end one attempt after it: openings later than that are false
  const lateFailureMs = outageEnd + options.timeoutMs + 250
  const breakers: Array<BreakerSummary> = providers.map((name) => {
    const own = recorder.transitions.filter((t) => t.breaker === name)
    const openings = own.filter((t) => t.to === "Open")
    return {
      name,
      openings: openings.length,
      falseOpenings: openings.filter((t) => t.atMs < outageStart || t.atMs > lateFailureMs).length,
      rejected: recorder.rejections.filter((r) => r.breaker === name).length,
      probes: recorder.probes[name] ?? 0,
      transitions: own.map((t) => ({ ...t, atMs: round(t.atMs)! }))
    }
  })

  const closed = recorder.transitions.find((t) => t.breaker === primaryName && t.to === "Closed" && t.atMs >= outageEnd)
  const firstPrimary = done
    .filter((r) => r.outcome === "primary" && r.startMs >= outageEnd)
    .reduce<number | null>((min, r) => (min === null || r.endMs < min ? r.endMs : min), null)

  const primaryBreaker = breakers[0]!
  const bound = variant === "breaker"
    ? {
      threshold: options.threshold,
      permits: options.permits,
      openings: primaryBreaker.openings,
      inFlight: inFlightAllowance(options),
      max: options.threshold + options.permits * primaryBreaker.openings + inFlightAllowance(options)
    }
    : null

  const intervals: Array<Interval> = []
  for (let start = 0; start < durationMs; start += options.intervalMs) {
    intervals.push(intervalOf(recorder, providers, start, Math.min(start + options.intervalMs, durationMs)))
  }

  return {
    variant,
    label: variant === "breaker" ? "with breaker" : "without breaker",
    mode: options.mode,
    durationMs: round(durationMs)!,
    phases: recorder.phases.map((p) => ({ name: p.name, startMs: round(p.startMs)!, endMs: round(p.endMs)! })),
    requests: {
      sent: requests.length,
      answered: done.length - count("error"),
      failed: count("error"),
      unfinished: requests.length - done.length,
      primary: count("primary"),
      failover: count("failover"),
      cache: count("cache"),
      hedged: {
        total: done.filter((r) => r.hedged).length,
        primary: hedgedBy("primary"),
        failover: hedgedBy("failover"),
        cache: hedgedBy("cache")
      },
      errors
    },
    outage: {
      callers: duringOutage.length,
      errors: duringOutage.filter((r) => r.outcome === "error").length,
      p50Ms: round(quantile(outageLatencies, 0.5)),
      p99Ms: round(quantile(outageLatencies, 0.99)),
      maxMs: round(quantile(outageLatencies, 1)),
      within200ms: within200ms(outageLatencies),
      hedged: duringOutage.filter((r) => r.hedged).length,
      hedgedByPrimary: {
        whileDown: outageDone.filter((r) => r.hedged && r.outcome === "primary" && r.endMs < outageEnd).length,
        afterRecovery: outageDone.filter((r) => r.hedged && r.outcome === "primary" && r.endMs >= outageEnd).length
      },
      spared: sparedDone.length,
      afterOpening: {
        callers: afterOpening.length,
        spared: afterOpening.filter((r) => !r.reached.includes(primaryName)).length
      },
      netOfStalls: {
        p50Ms: round(quantile(netLatencies, 0.5)),
        p99Ms: round(quantile(netLatencies, 0.99)),
        within200ms: within200ms(netLatencies),
        sparedP50Ms: round(quantile(sparedDone.map(net), 0.5))
      },
      requestsToDownProvider: input.requestsToDownProvider
    },
    recovery: {
      breakerClosedAfterMs: variant === "breaker" && closed !== undefined ? round(closed.atMs - outageEnd) : null,
      primaryAnsweringAfterMs: firstPrimary === null ? null : round(firstPrimary - outageEnd)
    },
    breakers,
    bound,
    intervals,
    eventLoopDelay: { p99Ms: round(input.eventLoopDelay.p99Ms)!, maxMs: round(input.eventLoopDelay.maxMs)! }
  }
}

/**
 * The figures of `[startMs, endMs)`: requests by the time they finished,
 * rejections and attempts by the time they happened.
 *
 * @since 0.1.0
 * @category constructors
 */
export const intervalOf = (
  recorder: Recorder,
  providers: ReadonlyArray<string>,
  startMs: number,
  endMs: number
): Interval => {
  const inside = (ms: number) => ms >= startMs && ms < endMs
  const finished = recorder.requests.filter((r) => r.outcome !== "pending" && inside(r.endMs))
  const by = (o: string) => finished.filter((r) => r.outcome === o).length
  const sent: Record<string, number> = {}
  for (const name of providers) sent[name] = 0
  for (const a of recorder.attempts) if (inside(a.atMs)) sent[a.provider] = (sent[a.provider] ?? 0) + 1
  const phase = recorder.phases.filter((p) => p.startMs <= startMs).pop()?.name ?? recorder.phases[0]?.name ?? "healthy"
  return {
    startMs: round(startMs)!,
    phase,
    states: statesAt(providers, recorder.transitions, endMs),
    primary: by("primary"),
    failover: by("failover"),
    cache: by("cache"),
    failed: by("error"),
    hedged: finished.filter((r) => r.hedged).length,
    rejected: recorder.rejections.filter((r) => inside(r.atMs)).length,
    sent,
    p99Ms: round(quantile(finished.map((r) => r.endMs - r.startMs), 0.99))
  }
}

const ms = formatMs
const pct = percent

/**
 * The comparison table printed at the end of `npm start`.
 *
 * @since 0.1.0
 * @category getters
 */
export const renderText = (report: DrillReport): string => {
  const runs = report.runs
  const o = report.options
  const primary = report.providers[0] ?? "primary"
  const rows: Array<[string, ...Array<string>]> = [
    ["", ...runs.map((r) => r.label)],
    [`requests sent to ${primary} while it was down`, ...runs.map((r) => String(r.outage.requestsToDownProvider))],
    ["  bound: threshold + permits × openings + in flight", ...runs.map((r) =>
      r.bound === null ? "—" : `${r.bound.max} = ${r.bound.threshold} + ${r.bound.permits}×${r.bound.openings} + ${r.bound.inFlight}`
    )],
    ["caller latency during the outage, p50", ...runs.map((r) => ms(r.outage.p50Ms))],
    ["caller latency during the outage, p99", ...runs.map((r) => ms(r.outage.p99Ms))],
    ["caller latency during the outage, max", ...runs.map((r) => ms(r.outage.maxMs))],
    ["callers answered within 200 ms (outage)", ...runs.map((r) => pct(r.outage.within200ms))],
    ["  net of machine stalls: p50 / p99 / within 200 ms", ...runs.map((r) => {
      const net = r.outage.netOfStalls
      return `${ms(net.p50Ms)} / ${ms(net.p99Ms)} / ${pct(net.within200ms)}`
    })],
    [`callers spared ${primary} (outage: no attempt reached it)`, ...runs.map((r) =>
      `${r.outage.spared} of ${r.outage.callers}` + (r.outage.spared > 0 ? `, net p50 ${ms(r.outage.netOfStalls.sparedP50Ms)}` : "")
    )],
    ["errors the callers saw (whole run)", ...runs.map((r) => String(r.requests.failed))],
    ["answered by primary / failover / cache", ...runs.map((r) => `${r.requests.primary} / ${r.requests.failover} / ${r.requests.cache}`)],
    [o.hedgeMs === null ? "hedged" : `hedged (primary silent past ${o.hedgeMs} ms)`, ...runs.map((r) => o.hedgeMs === null ? "no hedge" : String(r.requests.hedged.total))],
    ["  then answered by primary / failover / cache", ...runs.map((r) =>
      o.hedgeMs === null ? "—" : `${r.requests.hedged.primary} / ${r.requests.hedged.failover} / ${r.requests.hedged.cache}`
    )],
    [`${primary} recovered → breaker closed`, ...runs.map((r) => r.variant === "breaker" ? ms(r.recovery.breakerClosedAfterMs) : "no breaker")],
    [`${primary} recovered → answering callers again`, ...runs.map((r) => ms(r.recovery.primaryAnsweringAfterMs))],
    [`${primary} breaker: openings / false opens / probes`, ...runs.map((r) => {
      const b = r.breakers[0]
      return r.variant === "breaker" && b !== undefined ? `${b.openings} / ${b.falseOpenings} / ${b.probes}` : "—"
    })],
    ["rejected without calling (all breakers)", ...runs.map((r) => String(r.breakers.reduce((n, b) => n + b.rejected, 0)))],
    ["event-loop delay p99 / max (machine stalls)", ...runs.map((r) => `${ms(r.eventLoopDelay.p99Ms)} / ${ms(r.eventLoopDelay.maxMs)}`)]
  ]
  const head = `Outage drill: ${primary} ${o.mode === "hang" ? "hangs" : "answers 503"} for ${o.outageMs / 1000}s at ${o.rps} rps` +
    ` (timeout ${o.timeoutMs} ms, ${o.retries} retries, open ${o.openMs} ms after ${o.threshold} failures, failover to ${
      report.providers.slice(1).join(", ") || "nothing"
    }${o.hedgeMs === null ? "" : ` hedged after ${o.hedgeMs} ms`}, last-good cache)`
  const targets = renderTargets(runs)
  return [head, table(rows, { gap: 3, rule: "box" }), ...(targets === "" ? [] : [targets])].join("\n")
}
