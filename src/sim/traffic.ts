/**
 * The simulated world, as pure functions of the scenario and the seed: when
 * requests arrive and what the provider does with each one.
 *
 * Every arrival draws the same random numbers whatever the breaker decides, so
 * all configurations compared in one run see exactly the same traffic and the
 * same provider (common random numbers): differences in their reports come from
 * the breaker settings alone.
 *
 * @internal
 */
import * as Prng from "./prng.js"
import { type ErrorKind, ErrorKinds, type Latency, type Scenario } from "./Scenario.js"

/** One request and what the provider would do with it. Reused between arrivals: copy what you keep. @internal */
export interface Arrival {
  /** 0, 1, 2, ... in arrival order. */
  id: number
  /** When the request is made (millis since the start, fractional). */
  atMs: number
  /** Index of the window the provider is in at `atMs`, or -1 when healthy. */
  window: number
  /** `undefined` when the provider answers well. */
  error: ErrorKind | undefined
  latencyMs: number
  retryAfterMs: number
}

/** Traffic-rate multiplier at `t` millis. @internal */
export const shapeAt = (s: Scenario, t: number): number => {
  const shape = s.shape
  switch (shape.kind) {
    case "constant":
      return 1
    case "sine":
      return 1 + shape.amplitude * Math.sin((2 * Math.PI * t) / (shape.periodSeconds * 1000))
    case "bursts":
      return t % (shape.everySeconds * 1000) < shape.lastingSeconds * 1000 ? shape.multiplier : 1
  }
}

const peakShape = (s: Scenario): number => {
  const shape = s.shape
  return shape.kind === "constant" ? 1 : shape.kind === "sine" ? 1 + shape.amplitude : Math.max(1, shape.multiplier)
}

/** @internal */
export const sampleLatency = (l: Latency, u1: number, u2: number): number => {
  switch (l.dist) {
    case "fixed":
      return l.ms
    case "uniform":
      return l.minMs + (l.maxMs - l.minMs) * u1
    case "lognormal": {
      const sigma = Math.log(l.p99Ms / l.medianMs) / 2.3263478740408408
      return l.medianMs * Math.exp(sigma * Prng.normal(u1, u2))
    }
  }
}

/**
 * The arrivals of a scenario in time order: a Poisson process whose rate
 * follows the traffic shape (drawn by thinning), ended at the scenario's end.
 *
 * @internal
 */
export class Arrivals {
  private readonly rng: Prng.Prng
  private readonly peakPerMs: number
  private t = 0
  private cursor = 0
  readonly current: Arrival = { id: -1, atMs: 0, window: -1, error: undefined, latencyMs: 0, retryAfterMs: 0 }

  constructor(readonly scenario: Scenario, seed: number = scenario.seed) {
    this.rng = Prng.make(seed)
    this.peakPerMs = (scenario.rps * peakShape(scenario)) / 1000
  }

  /** Advances to the next arrival; false when the scenario is over. */
  next(): boolean {
    const s = this.scenario
    const rng = this.rng
    for (;;) {
      this.t += Prng.exponential(rng.next(), this.peakPerMs)
      if (this.t >= s.durationMs) return false
      if (rng.next() * this.peakPerMs * 1000 <= s.rps * shapeAt(s, this.t)) break
    }
    const a = this.current
    const t = this.t
    const windows = s.windows
    while (this.cursor < windows.length && windows[this.cursor]!.endMs <= t) this.cursor++
    const w = windows[this.cursor]
    const inWindow = w !== undefined && w.startMs <= t
    const b = inWindow ? w.behavior : s.baseline
    // Always four draws, whatever is used, so arrivals stay aligned across configurations.
    const uError = rng.next()
    const uKind = rng.next()
    const u1 = rng.next()
    const u2 = rng.next()
    let error: ErrorKind | undefined = undefined
    if (uError < b.errorRate) {
      let k = 0
      while (k < ErrorKinds.length - 1 && uKind >= b.errorCdf[k]!) k++
      error = ErrorKinds[k]!
    }
    let latency = sampleLatency(error === undefined ? b.latency : b.errorLatency, u1, u2)
    if (error === "timeout" || latency >= s.callTimeoutMs) {
      error = "timeout"
      latency = s.callTimeoutMs
    }
    a.id++
    a.atMs = t
    a.window = inWindow ? w.index : -1
    a.error = error
    a.latencyMs = latency
    a.retryAfterMs = error === "rateLimited" || error === "overloaded" ? b.retryAfterMs : 0
    return true
  }
}
