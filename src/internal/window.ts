/**
 * Sliding windows over recorded calls. Each keeps, for one trip policy, how many
 * calls it holds and how many of them were "bad" (failed, or slow), with bounded
 * memory and O(1) amortised work per record.
 *
 * Windows mutate in place; they are owned by one core state and only touched
 * inside the breaker's atomic `Ref.modify`.
 *
 * @internal
 */

/** @internal */
export interface Window {
  /** Calls in the window as of the last `advance`. */
  calls: number
  /** Bad calls in the window as of the last `advance`. */
  bad: number
  /** Brings the window to time `now` (drops what has aged out). */
  advance(now: number): void
  record(now: number, bad: boolean): void
  reset(): void
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
  constructor(readonly size: number) {
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
  constructor(readonly durationMs: number, readonly buckets: number) {
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
}
