/**
 * The search engine's simulator: the same world (arrivals, provider answers,
 * retries, fallbacks) and the same breaker transitions as the fiber engine, but
 * driven directly through `CircuitBreaker.machine` in a plain event loop: no
 * fibers, no `Clock`, no effects. Hundreds of simulated hours per wall second.
 *
 * **Details**
 *
 * Events are ordered exactly as in `engine.ts`: by time, ties broken by the
 * order their timers were set, an arrival before a timer only when strictly
 * earlier, and every call's duration computed as `end - start` on the same
 * numbers. So both engines give the same trace (a test checks it), and the
 * tuner's pick replays through `simulate` with the figures it promised.
 *
 * Arrivals are drawn once per scenario and seed ({@link prepare}) and shared by
 * every configuration the search tries (common random numbers).
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import { CircuitBreaker, type InvalidOptionError, Outcome } from "../../index.js"
import { Recorder, retryable, type Trace } from "./recorder.js"
import { type ErrorKind, ErrorKinds, type Scenario } from "./Scenario.js"
import { classifierFor, type SimConfig, toOptions } from "./SimConfig.js"
import { type Arrival, Arrivals, retryAnswer } from "./traffic.js"

/** A scenario's arrivals for one seed, as flat arrays. @internal */
export interface Prepared {
  readonly scenario: Scenario
  readonly seed: number
  readonly count: number
  readonly atMs: Float64Array
  readonly window: Int32Array
  /** Index into `ErrorKinds`, or -1 for a good answer. */
  readonly error: Int8Array
  readonly latencyMs: Float64Array
  readonly retryAfterMs: Float64Array
  readonly outputTokens: Float64Array
  readonly firstTokenMs: Float64Array
}

/** Draws a scenario's arrivals once. @internal */
export const prepare = (scenario: Scenario, seed: number = scenario.seed): Prepared => {
  const list: Array<Arrival> = []
  const arrivals = new Arrivals(scenario, seed)
  while (arrivals.next()) list.push({ ...arrivals.current })
  const n = list.length
  const p = {
    scenario,
    seed,
    count: n,
    atMs: new Float64Array(n),
    window: new Int32Array(n),
    error: new Int8Array(n),
    latencyMs: new Float64Array(n),
    retryAfterMs: new Float64Array(n),
    outputTokens: new Float64Array(n),
    firstTokenMs: new Float64Array(n)
  }
  list.forEach((a, i) => {
    p.atMs[i] = a.atMs
    p.window[i] = a.window
    p.error[i] = a.error === undefined ? -1 : ErrorKinds.indexOf(a.error)
    p.latencyMs[i] = a.latencyMs
    p.retryAfterMs[i] = a.retryAfterMs
    p.outputTokens[i] = a.outputTokens
    p.firstTokenMs[i] = a.firstTokenMs
  })
  return p
}

const COMPLETE = 0
const RETRY = 1

/**
 * Pending timers (a call's answer, a retry's delay) as parallel arrays indexed
 * by slot, with a binary heap of slots ordered by (at, seq).
 */
class Timers {
  at: Float64Array = new Float64Array(1024)
  seq: Float64Array = new Float64Array(1024)
  type: Int8Array = new Int8Array(1024)
  request: Int32Array = new Int32Array(1024)
  attempt: Int32Array = new Int32Array(1024)
  token: Int32Array = new Int32Array(1024)
  start: Float64Array = new Float64Array(1024)
  window: Int32Array = new Int32Array(1024)
  error: Int8Array = new Int8Array(1024)
  retryAfter: Float64Array = new Float64Array(1024)
  tokens: Float64Array = new Float64Array(1024)
  ttft: Float64Array = new Float64Array(1024)
  heap: Int32Array = new Int32Array(1024)
  size = 0
  private free: Array<number> = []
  private used = 0
  private nextSeq = 0

  alloc(at: number): number {
    let slot: number
    if (this.free.length > 0) slot = this.free.pop()!
    else {
      if (this.used === this.at.length) this.grow()
      slot = this.used++
    }
    this.at[slot] = at
    this.seq[slot] = this.nextSeq++
    return slot
  }
  release(slot: number): void {
    this.free.push(slot)
  }
  private grow(): void {
    const n = this.at.length * 2
    const g = <T extends Float64Array | Int32Array | Int8Array>(a: T): T => {
      const b = new (a.constructor as new(length: number) => T)(n)
      b.set(a)
      return b
    }
    this.at = g(this.at)
    this.seq = g(this.seq)
    this.type = g(this.type)
    this.request = g(this.request)
    this.attempt = g(this.attempt)
    this.token = g(this.token)
    this.start = g(this.start)
    this.window = g(this.window)
    this.error = g(this.error)
    this.retryAfter = g(this.retryAfter)
    this.tokens = g(this.tokens)
    this.ttft = g(this.ttft)
    this.heap = g(this.heap)
  }
  private less(a: number, b: number): boolean {
    const ta = this.at[a]!
    const tb = this.at[b]!
    return ta < tb || (ta === tb && this.seq[a]! < this.seq[b]!)
  }
  push(slot: number): void {
    const h = this.heap
    let i = this.size++
    h[i] = slot
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!this.less(h[i]!, h[p]!)) break
      const t = h[i]!
      h[i] = h[p]!
      h[p] = t
      i = p
    }
  }
  peekAt(): number {
    return this.size === 0 ? Infinity : this.at[this.heap[0]!]!
  }
  pop(): number {
    const h = this.heap
    const top = h[0]!
    const last = h[--this.size]!
    if (this.size > 0) {
      h[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < this.size && this.less(h[l]!, h[m]!)) m = l
        if (r < this.size && this.less(h[r]!, h[m]!)) m = r
        if (m === i) break
        const t = h[i]!
        h[i] = h[m]!
        h[m] = t
        i = m
      }
    }
    return top
  }
}

/** The outcome the configuration's classifier gives each failure, cached by (kind, retry-after). */
const failureOutcomes = (config: SimConfig): (kind: number, retryAfterMs: number) => Outcome.Outcome => {
  const classify = classifierFor(config.rateLimited ?? "ignored")
  const cache = new Map<number, Outcome.Outcome>()
  return (kind, retryAfterMs) => {
    const key = retryAfterMs * 8 + kind
    let o = cache.get(key)
    if (o === undefined) {
      o = classify(Exit.fail({ kind: ErrorKinds[kind]!, retryAfterMs }))
      cache.set(key, o)
    }
    return o
  }
}

/**
 * Runs one configuration over prepared arrivals and returns what happened: the
 * same `Trace` the fiber engine records.
 *
 * @internal
 */
export const run = (prepared: Prepared, config: SimConfig): Either.Either<Trace, InvalidOptionError> => {
  const made = CircuitBreaker.machine(toOptions(config))
  if (Either.isLeft(made)) return Either.left(made.left)
  const m = made.right
  const s = prepared.scenario
  const rec = new Recorder(s, config.name)
  const onTransition = rec.observer.onTransition!
  const fallback = config.fallback ?? false
  const failureOutcome = failureOutcomes(config)
  const totals = rec.trace.totals
  const timers = new Timers()
  const scratch: Arrival = { id: 0, atMs: 0, window: -1, error: undefined, latencyMs: 0, retryAfterMs: 0, outputTokens: 0, firstTokenMs: NaN }
  const P = prepared
  // One outcome reused for every good answer that did measured work (the machine reads it at once and keeps
  // nothing): what `successOutcome` gives the fiber engine, without two allocations per call.
  const work = { ...Outcome.work({}), outputTokens: 0, firstTokenMs: NaN }
  const measured: Outcome.Outcome = { _tag: "Success", work }
  const successOf = (tokens: number, ttft: number): Outcome.Outcome => {
    if (!(tokens > 0) && !(ttft >= 0)) return Outcome.success
    work.outputTokens = tokens
    work.firstTokenMs = ttft
    return measured
  }

  // The current time lives in a typed array, and attempts read their answer from arrays by index: passing
  // doubles between these functions would box each one in a heap number (a third of the run went to GC).
  const clock = new Float64Array(1)
  // A retry's answer (attempt k > 0), drawn when it starts.
  const retry = { window: -1, error: -1, latency: 0, retryAfterMs: 0, tokens: 0, ttft: NaN }

  const finish = (req: number, kind: ErrorKind | "rejected" | undefined): void => {
    const now = clock[0]!
    const at = P.atMs[req]!
    rec.final(rec.interval(at), kind, kind !== undefined && fallback)
    rec.answered(at, P.window[req]!, kind !== undefined && fallback ? now + s.fallbackMs : now)
  }

  /** An attempt ended (answered, or rejected): retry it, or finish the request. */
  const ended = (req: number, k: number, kind: ErrorKind | "rejected" | undefined): void => {
    if (kind !== undefined && k < s.retries && retryable(kind)) {
      totals.retries++
      if (s.retryDelayMs > 0) {
        const slot = timers.alloc(clock[0]! + s.retryDelayMs)
        timers.type[slot] = RETRY
        timers.request[slot] = req
        timers.attempt[slot] = k + 1
        timers.push(slot)
      } else {
        startRetry(req, k + 1)
      }
      return
    }
    finish(req, kind)
  }

  /** The call admitted as `token` at `start` answered now; its answer is in the prepared arrays (k = 0) or `timers[slot]`. */
  const complete = (req: number, k: number, token: number, slot: number): void => {
    const now = clock[0]!
    const start = slot < 0 ? now : timers.start[slot]!
    const first = k === 0
    const window = first ? P.window[req]! : slot < 0 ? retry.window : timers.window[slot]!
    const error = first ? P.error[req]! : slot < 0 ? retry.error : timers.error[slot]!
    if (window >= 0) rec.done(window)
    let outcome: Outcome.Outcome
    if (error < 0) {
      const tokens = first ? P.outputTokens[req]! : slot < 0 ? retry.tokens : timers.tokens[slot]!
      const ttft = first ? P.firstTokenMs[req]! : slot < 0 ? retry.ttft : timers.ttft[slot]!
      outcome = successOf(tokens, ttft)
    } else {
      outcome = failureOutcome(error, first ? P.retryAfterMs[req]! : slot < 0 ? retry.retryAfterMs : timers.retryAfter[slot]!)
    }
    m.record(token, now, outcome, now - start)
    if (m.transition !== undefined) onTransition(m.transition)
    if (error < 0) {
      rec.success(window, now)
      finish(req, undefined)
    } else ended(req, k, ErrorKinds[error]!)
  }

  /** Attempt `k` of request `req` starts now (its answer: the prepared arrays for k = 0, else `retry`). */
  const attempt = (req: number, k: number): void => {
    const now = clock[0]!
    const token = m.admit(now)
    if (m.transition !== undefined) onTransition(m.transition)
    if (token < 0) {
      ended(req, k, "rejected")
      return
    }
    const first = k === 0
    rec.reach(first ? P.window[req]! : retry.window)
    const latency = first ? P.latencyMs[req]! : retry.latency
    if (latency > 0) {
      const slot = timers.alloc(now + latency)
      timers.type[slot] = COMPLETE
      timers.request[slot] = req
      timers.attempt[slot] = k
      timers.token[slot] = token
      timers.start[slot] = now
      if (!first) {
        // A retry's answer is not in the prepared arrays: keep it with the timer.
        timers.window[slot] = retry.window
        timers.error[slot] = retry.error
        timers.retryAfter[slot] = retry.retryAfterMs
        timers.tokens[slot] = retry.tokens
        timers.ttft[slot] = retry.ttft
      }
      timers.push(slot)
    } else complete(req, k, token, -1)
  }

  const startRetry = (req: number, k: number): void => {
    const a = retryAnswer(s, prepared.seed, req, k, clock[0]!, scratch)
    retry.window = a.window
    retry.error = a.error === undefined ? -1 : ErrorKinds.indexOf(a.error)
    retry.latency = a.latencyMs
    retry.retryAfterMs = a.retryAfterMs
    retry.tokens = a.outputTokens
    retry.ttft = a.firstTokenMs
    attempt(req, k)
  }

  const n = P.count
  let i = 0
  for (;;) {
    const timerAt = timers.peekAt()
    if (i < n && P.atMs[i]! < timerAt) {
      totals.requests++
      clock[0] = P.atMs[i]!
      attempt(i, 0)
      i++
    } else if (timerAt < Infinity) {
      const slot = timers.pop()
      clock[0] = timers.at[slot]!
      const req = timers.request[slot]!
      const k = timers.attempt[slot]!
      if (timers.type[slot] === COMPLETE) complete(req, k, timers.token[slot]!, slot)
      else startRetry(req, k)
      timers.release(slot)
    } else break
  }
  return Either.right(rec.trace)
}

