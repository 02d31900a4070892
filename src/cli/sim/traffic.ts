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
import { type Behavior, type ErrorKind, ErrorKinds, type Latency, type Scenario } from "./Scenario.js"

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
  /** Output tokens of the answer: 0 when the scenario does not model them or the call failed. */
  outputTokens: number
  /** Time to the first token (streams only), else NaN. */
  firstTokenMs: number
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

const Z99 = 2.3263478740408408

/** A lognormal through its median and 99th percentile, from a standard normal. @internal */
export const lognormal = (median: number, p99: number, z: number): number =>
  median * Math.exp((Math.log(p99 / median) / Z99) * z)

/** @internal */
export const sampleLatency = (l: Latency, u1: number, u2: number, tokens = 0): number => {
  switch (l.dist) {
    case "tokens":
      return l.firstTokenMs + tokens * l.perTokenMs
    case "fixed":
      return l.ms
    case "uniform":
      return l.minMs + (l.maxMs - l.minMs) * u1
    case "lognormal": {
      return lognormal(l.medianMs, l.p99Ms, Prng.normal(u1, u2))
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
  readonly current: Arrival = {
    id: -1,
    atMs: 0,
    window: -1,
    error: undefined,
    latencyMs: 0,
    retryAfterMs: 0,
    outputTokens: 0,
    firstTokenMs: NaN
  }

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
    a.id++
    a.atMs = t
    a.window = inWindow ? w.index : -1
    draw(s, inWindow ? w.behavior : s.baseline, rng, a)
    return true
  }
}

/**
 * What the provider does with one call made under behaviour `b`: always the same number of draws for a
 * scenario (4, +2 when it models answer lengths, +1 when it models slow calls), whatever is used, so
 * arrivals stay aligned across configurations.
 *
 * @internal
 */
export const draw = (s: Scenario, b: Behavior, rng: Prng.Prng, a: Arrival): void => {
  const uError = rng.next()
  const uKind = rng.next()
  const u1 = rng.next()
  const u2 = rng.next()
  let tokens = 0
  if (s.usesTokens) {
    const z = Prng.normal(rng.next(), rng.next())
    if (b.outputTokens !== undefined) tokens = Math.max(1, Math.round(lognormal(b.outputTokens.median, b.outputTokens.p99, z)))
  }
  let factor = 1
  if (s.usesSlow) {
    const uSlow = rng.next()
    if (b.slow !== undefined && uSlow < b.slow.fraction) factor = b.slow.factor
  }
  let error: ErrorKind | undefined = undefined
  if (uError < b.errorRate) {
    let k = 0
    while (k < ErrorKinds.length - 1 && uKind >= b.errorCdf[k]!) k++
    error = ErrorKinds[k]!
  }
  const l = error === undefined ? b.latency : b.errorLatency
  let latency = factor * sampleLatency(l, u1, u2, error === undefined ? tokens : 0)
  let firstTokenMs = NaN
  if (s.stream && error === undefined) firstTokenMs = factor * (l.dist === "tokens" ? l.firstTokenMs : 0)
  if (error === "timeout" || latency >= s.callTimeoutMs) {
    error = "timeout"
    latency = s.callTimeoutMs
  }
  a.error = error
  a.latencyMs = latency
  a.retryAfterMs = error === "rateLimited" || error === "overloaded" ? b.retryAfterMs : 0
  a.outputTokens = error === undefined ? tokens : 0
  a.firstTokenMs = error === undefined ? firstTokenMs : NaN
}

/** The behaviour in force at `t` (any time, by binary search). @internal */
export const behaviorAt = (s: Scenario, t: number): { readonly window: number; readonly behavior: Behavior } => {
  const ws = s.windows
  let lo = 0
  let hi = ws.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (ws[mid]!.endMs <= t) lo = mid + 1
    else hi = mid
  }
  const w = ws[lo]
  return w !== undefined && w.startMs <= t ? { window: lo, behavior: w.behavior } : { window: -1, behavior: s.baseline }
}

/**
 * The provider's answer to retry `attempt` (1, 2, ...) of request `id`, made at `t`: its own random
 * numbers (from the seed, the request and the attempt), so both engines and every configuration agree.
 *
 * @internal
 */
export const retryAnswer = (s: Scenario, seed: number, id: number, attempt: number, t: number, into: Arrival): Arrival => {
  const { behavior, window } = behaviorAt(s, t)
  const rng = Prng.make((Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) ^ Math.imul(id + 1, 0x165667b1) ^ Math.imul(attempt, 0x9e3779b1)) | 0)
  into.id = id
  into.atMs = t
  into.window = window
  draw(s, behavior, rng, into)
  return into
}
