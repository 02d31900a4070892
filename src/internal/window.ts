/**
 * Sliding windows over recorded calls. Each keeps, for one rate policy, how many
 * calls it holds and how many of them were "bad" (failed, or slow), with bounded
 * memory and O(1) amortised work per record. A window also carries its policy's
 * parameters (kind, threshold, minimum calls, slow duration): one object per
 * rate policy instead of a policy record pointing at a window (~100 bytes less
 * per breaker).
 *
 * Windows mutate in place; they are owned by one core state and only touched
 * inside one of the breaker's synchronous steps (admission or recording), which
 * no other fiber can interleave. `toData` / `load` turn a window into plain
 * numbers and back (see `state.ts`, the state as data).
 *
 * @internal
 */

/** What a rate policy counts as bad: failed calls, or slow ones. @internal */
export type RateKind = "FailureRate" | "SlowCallRate"

/** @internal */
export type WindowSpec = { readonly _tag: "LastCalls"; readonly size: number } | {
  readonly _tag: "LastDuration"
  readonly durationMs: number
  readonly buckets: number
}

/** A compiled rate policy, as the option compiler produces it. @internal */
export interface RateSpec {
  readonly kind: RateKind
  readonly threshold: number
  readonly minimumCalls: number
  readonly slowMs: number
  /** For SlowCallRate: a call that reports its output tokens is slow past `ttftMs + perTokenMs * tokens` (0: off). */
  readonly perTokenMs?: number | undefined
  /** For SlowCallRate: a stream whose first element took this long (ms) is slow (0: off). */
  readonly ttftMs?: number | undefined
  readonly window: WindowSpec
}

/** @internal */
export interface Window {
  readonly kind: RateKind
  /** Trips when `bad >= threshold * calls`, once `calls >= minimumCalls`. */
  readonly threshold: number
  readonly minimumCalls: number
  /** For SlowCallRate: a call at least this long (ms) is bad. Unused (0) for FailureRate. */
  readonly slowMs: number
  /** For SlowCallRate: the time allowed per output token (ms), 0 when off. */
  readonly perTokenMs: number
  /** For SlowCallRate: the time allowed to the first token (ms), 0 when off. */
  readonly ttftMs: number
  /** Calls in the window as of the last `advance`. */
  calls: number
  /** Bad calls in the window as of the last `advance`. */
  bad: number
  /** Brings the window to time `now` (drops what has aged out). */
  advance(now: number): void
  record(now: number, bad: boolean): void
  reset(): void
  /** The window's contents as plain numbers (see `WindowData`). */
  toData(): WindowData
  /** Overwrites the contents from data of the same shape (already validated). */
  load(data: WindowData): void
}

/**
 * A window's contents as plain data. Its policy parameters (kind, threshold,
 * minimum calls, slow duration) are configuration and stay out.
 *
 * - `LastCalls`: the ring of `size` outcome bits packed 30 to a number in `bits`
 *   (bit `i % 30` of `bits[i / 30]` is call slot `i`, 1 = bad), `next` the slot
 *   the next call goes to, `calls` and `bad` the totals.
 * - `LastDuration`: `buckets` buckets of `durationMs / buckets` ms; `epoch` is
 *   `floor(now / width)` of the newest bucket (-1 before the first record),
 *   bucket `epoch % buckets` the newest; `calls[i]` / `bad[i]` per bucket.
 *
 * @internal
 */
export type WindowData =
  | {
    readonly _tag: "LastCalls"
    readonly size: number
    readonly next: number
    readonly calls: number
    readonly bad: number
    readonly bits: ReadonlyArray<number>
  }
  | {
    readonly _tag: "LastDuration"
    readonly durationMs: number
    readonly buckets: number
    readonly epoch: number
    readonly calls: ReadonlyArray<number>
    readonly bad: ReadonlyArray<number>
  }

/**
 * The last `size` calls, as a ring of bits packed 30 to a number (small
 * integers stay unboxed), in a plain array: 100 calls take 4 numbers instead of
 * a 100-byte `Uint8Array` and its ~200-byte typed-array overhead.
 *
 * @internal
 */
export class CountWindow implements Window {
  calls = 0
  bad = 0
  private next = 0
  private word = 0
  private mask = 1
  private readonly bits: Array<number>
  constructor(
    readonly size: number,
    readonly kind: RateKind = "FailureRate",
    readonly threshold: number = 1,
    readonly minimumCalls: number = 1,
    readonly slowMs: number = 0,
    readonly perTokenMs: number = 0,
    readonly ttftMs: number = 0
  ) {
    this.bits = new Array<number>(Math.ceil(size / 30)).fill(0)
  }
  advance(_now: number): void {}
  record(_now: number, bad: boolean): void {
    const w = this.word
    const m = this.mask
    const bits = this.bits
    if (this.calls === this.size) {
      if ((bits[w]! & m) !== 0) this.bad--
    } else {
      this.calls++
    }
    if (bad) {
      bits[w] = bits[w]! | m
      this.bad++
    } else {
      bits[w] = bits[w]! & ~m
    }
    if (this.next + 1 === this.size) {
      this.next = 0
      this.word = 0
      this.mask = 1
    } else {
      this.next++
      if (m === 0x20000000) {
        this.word = w + 1
        this.mask = 1
      } else {
        this.mask = m << 1
      }
    }
  }
  reset(): void {
    this.bits.fill(0)
    this.calls = 0
    this.bad = 0
    this.next = 0
    this.word = 0
    this.mask = 1
  }
  toData(): WindowData {
    return { _tag: "LastCalls", size: this.size, next: this.next, calls: this.calls, bad: this.bad, bits: this.bits.slice() }
  }
  load(data: WindowData): void {
    if (data._tag !== "LastCalls") return
    for (let i = 0; i < this.bits.length; i++) this.bits[i] = data.bits[i] ?? 0
    this.calls = data.calls
    this.bad = data.bad
    this.next = data.next
    this.word = Math.floor(data.next / 30)
    this.mask = 1 << (data.next % 30)
  }
}

/**
 * The last `durationMs`, as `buckets` buckets of equal width. A bucket ages out
 * whole, so the window covers between `durationMs - width` and `durationMs`.
 * Running totals are kept exact: moving to a later bucket clears at most
 * `buckets` old ones, so recording is O(1) amortised.
 *
 * @internal
 */
export class TimeWindow implements Window {
  calls = 0
  bad = 0
  readonly width: number
  /** The epoch (now / width) of the newest bucket, or -1 before the first record. */
  private epoch = -1
  private readonly callsIn: Array<number>
  private readonly badIn: Array<number>
  constructor(
    readonly durationMs: number,
    readonly buckets: number,
    readonly kind: RateKind = "FailureRate",
    readonly threshold: number = 1,
    readonly minimumCalls: number = 1,
    readonly slowMs: number = 0,
    readonly perTokenMs: number = 0,
    readonly ttftMs: number = 0
  ) {
    this.width = Math.max(1, Math.ceil(durationMs / buckets))
    this.callsIn = new Array<number>(buckets).fill(0)
    this.badIn = new Array<number>(buckets).fill(0)
  }
  advance(now: number): void {
    const e = Math.floor(now / this.width)
    if (this.epoch < 0) {
      this.epoch = e
      return
    }
    if (e <= this.epoch) return // same bucket, or the clock went back: keep recording in the newest
    const steps = Math.min(this.buckets, e - this.epoch)
    for (let k = 1; k <= steps; k++) {
      const i = (this.epoch + k) % this.buckets
      this.calls -= this.callsIn[i]!
      this.bad -= this.badIn[i]!
      this.callsIn[i] = 0
      this.badIn[i] = 0
    }
    this.epoch = e
  }
  record(now: number, bad: boolean): void {
    this.advance(now)
    const i = this.epoch % this.buckets
    this.callsIn[i]!++
    this.calls++
    if (bad) {
      this.badIn[i]!++
      this.bad++
    }
  }
  reset(): void {
    this.callsIn.fill(0)
    this.badIn.fill(0)
    this.calls = 0
    this.bad = 0
    this.epoch = -1
  }
  toData(): WindowData {
    return {
      _tag: "LastDuration",
      durationMs: this.durationMs,
      buckets: this.buckets,
      epoch: this.epoch,
      calls: this.callsIn.slice(),
      bad: this.badIn.slice()
    }
  }
  load(data: WindowData): void {
    if (data._tag !== "LastDuration") return
    this.calls = 0
    this.bad = 0
    for (let i = 0; i < this.buckets; i++) {
      this.callsIn[i] = data.calls[i] ?? 0
      this.badIn[i] = data.bad[i] ?? 0
      this.calls += this.callsIn[i]!
      this.bad += this.badIn[i]!
    }
    this.epoch = data.epoch
  }
}

/**
 * The window of a compiled rate policy. A FailureRate window keeps `slowMs` at 0
 * (it never reads it): a small integer stays unboxed, Infinity would cost a heap number.
 *
 * @internal
 */
export const makeWindow = (r: RateSpec): Window => {
  const slowMs = r.kind === "SlowCallRate" ? r.slowMs : 0
  const perTokenMs = r.perTokenMs ?? 0
  const ttftMs = r.ttftMs ?? 0
  return r.window._tag === "LastCalls"
    ? new CountWindow(r.window.size, r.kind, r.threshold, r.minimumCalls, slowMs, perTokenMs, ttftMs)
    : new TimeWindow(r.window.durationMs, r.window.buckets, r.kind, r.threshold, r.minimumCalls, slowMs, perTokenMs, ttftMs)
}

/**
 * Whether a call is slow for a SlowCallRate window, judged relative to the work
 * it did when that is known:
 *
 * - a stream's time to first element (`firstTokenMs`, NaN when unknown) against `ttftMs`;
 * - an answer with `outputTokens` > 0 against `ttftMs + perTokenMs * outputTokens` (the time to the first
 *   token, then each token in its allowance);
 * - otherwise, when neither measure applies, the plain duration against `slowMs`.
 *
 * @internal
 */
export const isSlow = (w: Window, durationMs: number, outputTokens: number, firstTokenMs: number): boolean =>
  judgeSlow(w.slowMs, w.perTokenMs, w.ttftMs, durationMs, outputTokens, firstTokenMs)

/** {@link isSlow} on a policy's thresholds alone (0 for an unset per-token or first-token threshold). @internal */
export const judgeSlow = (
  slowMs: number,
  perTokenMs: number,
  ttftMs: number,
  durationMs: number,
  outputTokens: number,
  firstTokenMs: number
): boolean => {
  let judged = false
  if (ttftMs > 0 && firstTokenMs === firstTokenMs) {
    if (firstTokenMs >= ttftMs) return true
    judged = true
  }
  if (perTokenMs > 0 && outputTokens > 0) return durationMs >= ttftMs + perTokenMs * outputTokens
  return !judged && durationMs >= slowMs
}
