/**
 * Breaker metrics with Effect's `Metric` (no OpenTelemetry import), updated
 * synchronously from the observer hooks. Every tagged series a breaker uses is
 * resolved once, when the breaker is made (`attach`), so a call costs a few
 * `unsafeUpdate`s on cached hooks.
 *
 * @internal
 */
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricKey from "effect/MetricKey"
import type * as MetricKeyType from "effect/MetricKeyType"
import * as MetricLabel from "effect/MetricLabel"
import type { OutcomeCode, StateTag, Transition } from "../core.js"
import type { Observer } from "../observer.js"
import { outcomeLabel, stateCode, stateLabel } from "./attributes.js"
import * as series from "./series.js"

/** Call-duration histogram boundaries, in seconds (5 ms … 2 min: LLM calls are slow). @internal */
export const durationBoundaries: MetricBoundaries.MetricBoundaries = MetricBoundaries.fromIterable([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120
])

const counterKey = (name: string, description: string) => MetricKey.counter(name, { description, incremental: true })

/** @internal */
export const keys = {
  state: MetricKey.gauge(
    "effect_breaker_state",
    { description: "Circuit state: 0 closed, 1 open, 2 half_open, 3 forced_open, 4 disabled, 5 metrics_only" }
  ),
  calls: counterKey("effect_breaker_calls", "Calls admitted and recorded, by outcome (success, failure, ignored)"),
  rejected: counterKey("effect_breaker_rejected_calls", "Calls rejected with CircuitOpenError, by state"),
  slowCalls: counterKey("effect_breaker_slow_calls", "Admitted calls at least as long as the slow-call threshold"),
  transitions: counterKey("effect_breaker_transitions", "State transitions, by from and to"),
  callDuration: MetricKey.histogram(
    "effect_breaker_call_duration_seconds",
    durationBoundaries,
    "Duration of admitted calls in seconds, by outcome"
  ),
  stateTime: counterKey("effect_breaker_state_seconds", "Seconds spent in a state, added when the state is left"),
  retries: counterKey("effect_breaker_retries", "Retry attempts after the first, by breaker"),
  fallbacks: counterKey("effect_breaker_fallbacks", "Calls served by a fallback, by kind")
} as const

/** Every metric name we emit, as Effect names them (Prometheus adds `_total` to counters). @internal */
export const metricNames: ReadonlyArray<string> = Object.values(keys).map((k) => k.name)

type AnyKey = MetricKey.MetricKey<MetricKeyType.MetricKeyType<any, any>>

const EMPTY: ReadonlyArray<MetricLabel.MetricLabel> = []

/** A metric bound to a fixed set of tags; `unsafeUpdate(v, EMPTY)` then hits a cached hook. @internal */
export const bind = <K extends AnyKey>(key: K, tags: Record<string, string>): Bound =>
  Metric.fromMetricKey(
    MetricKey.taggedWithLabels(key, Object.entries(tags).map(([k, v]) => MetricLabel.make(k, v)))
  )

/** @internal */
export const update = (metric: Metric.Metric<any, any, unknown>, value: number): void =>
  metric.unsafeUpdate(value, EMPTY)

type Bound = Metric.Metric<any, any, unknown>

const noop = (): void => {}

/** The instruments of one breaker, resolved once; its series are released with it (see series.ts). */
class Instruments implements Observer {
  readonly state: Bound
  readonly calls: readonly [Bound, Bound, Bound]
  readonly durations: readonly [Bound, Bound, Bound]
  readonly slow: Bound
  readonly rejected: { readonly [K in StateTag]?: Bound } = {}
  readonly transitions = new Map<string, Bound>()
  readonly stateTime = new Map<StateTag, Bound>()
  enteredAt: number
  private readonly releaseSeries: () => void

  constructor(readonly breaker: string, state: StateTag, now: number) {
    series.acquire(breaker)
    this.releaseSeries = series.releaseOnCollect(this, breaker)
    const tag = { breaker }
    this.state = this.own(keys.state, tag)
    const call = (c: OutcomeCode) => this.own(keys.calls, { breaker, outcome: outcomeLabel[c] })
    const duration = (c: OutcomeCode) => this.own(keys.callDuration, { breaker, outcome: outcomeLabel[c] })
    this.calls = [call(0), call(1), call(2)]
    this.durations = [duration(0), duration(1), duration(2)]
    this.slow = this.own(keys.slowCalls, tag)
    for (const s of ["Open", "HalfOpen", "ForcedOpen"] as const) {
      ;(this.rejected as Record<string, Bound>)[s] = this.own(keys.rejected, { breaker, state: stateLabel[s] })
    }
    this.enteredAt = now
    update(this.state, stateCode[state])
    // Register every per-call series at zero, so dashboards and rate() see them before the first event.
    for (const m of [...this.calls, ...this.durations, this.slow, ...Object.values(this.rejected)]) m.unsafeValue(EMPTY)
  }

  /** A series of this breaker: recorded under its name, so it is removed from the registry with it. */
  private own<K extends AnyKey>(key: K, tags: Record<string, string>): Bound {
    const taggedKey = series.tagged(key, tags)
    series.track(this.breaker, taggedKey)
    return Metric.fromMetricKey(taggedKey)
  }

  onCall = (_breaker: string, _admittedIn: StateTag, outcome: OutcomeCode, slow: boolean, durationMs: number): void => {
    update(this.calls[outcome], 1)
    update(this.durations[outcome], durationMs / 1000)
    if (slow) update(this.slow, 1)
  }

  onRejected = (_breaker: string, state: StateTag): void => {
    const m = this.rejected[state]
    if (m !== undefined) update(m, 1)
  }

  onTransition = (t: Transition): void => {
    const edge = `${t.from}>${t.to}`
    let m = this.transitions.get(edge)
    if (m === undefined) {
      m = this.own(keys.transitions, { breaker: this.breaker, from: stateLabel[t.from], to: stateLabel[t.to] })
      this.transitions.set(edge, m)
    }
    update(m, 1)
    let time = this.stateTime.get(t.from)
    if (time === undefined) {
      time = this.own(keys.stateTime, { breaker: this.breaker, state: stateLabel[t.from] })
      this.stateTime.set(t.from, time)
    }
    update(time, Math.max(0, t.at - this.enteredAt) / 1000)
    this.enteredAt = t.at
    update(this.state, stateCode[t.to])
  }

  /**
   * The breaker is gone (its key was evicted): stop updating (a call still in
   * flight on it must not register its series again) and release the series.
   */
  readonly detach = (): void => {
    this.onCall = noop
    this.onRejected = noop
    this.onTransition = noop
    this.releaseSeries()
  }
}

// Series other modules tag with a breaker's name go with it too.
series.alsoRelease((breaker) => series.tagged(keys.retries, { breaker }))
for (const kind of ["value", "effect", "provider", "cache"]) {
  series.alsoRelease((breaker) => series.tagged(keys.fallbacks, { breaker, kind }))
}

/** The metrics observer: each breaker gets its own pre-bound instruments. @internal */
export const observer: Observer = {
  attach: (breaker, state, now) => new Instruments(breaker, state, now)
}
