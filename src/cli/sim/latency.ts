/**
 * Caller latency as a histogram with bounded memory and O(1) recording: one
 * bucket for answers under 1 ms, then buckets 2% wide up to 24 hours. A
 * percentile is reported as its bucket's upper edge (at most 2% above the true
 * value), the same for every engine.
 *
 * @internal
 */

const GROWTH = 1.02
const LOG_GROWTH = Math.log(GROWTH)
/** Buckets: [0, 1 ms), then [1.02^(i-1), 1.02^i) ms for i = 1.. */
const SIZE = 2 + Math.ceil(Math.log(86_400_000) / LOG_GROWTH)

/** @internal */
export type Histogram = Array<number>

/** @internal */
export const make = (): Histogram => new Array<number>(SIZE).fill(0)

/** @internal */
export const add = (h: Histogram, ms: number): void => {
  h[bucket(ms)]!++
}

/** The bucket of `ms`. @internal */
export const bucket = (ms: number): number => (ms < 1 ? 0 : Math.min(SIZE - 1, 1 + Math.floor(Math.log(ms) / LOG_GROWTH)))

/** @internal */
export const count = (h: Histogram): number => {
  let n = 0
  for (let i = 0; i < h.length; i++) n += h[i]!
  return n
}

/** The `q` quantile (0 < q ≤ 1) in whole millis (the bucket's upper edge), or null for no answers. @internal */
export const quantile = (h: Histogram, q: number): number | null => {
  const n = count(h)
  if (n === 0) return null
  const rank = Math.ceil(q * n)
  let seen = 0
  for (let i = 0; i < h.length; i++) {
    seen += h[i]!
    if (seen >= rank) return i === 0 ? 0 : Math.round(Math.pow(GROWTH, i))
  }
  return null
}
