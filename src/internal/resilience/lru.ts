/**
 * A bounded map in least-recently-used order, over a `Map`'s insertion order.
 * Entries carry an expiry (epoch millis); expired entries are dropped when met
 * and swept before anything live is evicted. Plain data, no Effect, no clock:
 * callers pass `now`.
 *
 * @internal
 */
export class Lru<V> {
  private readonly map = new Map<string, { value: V; expiresAt: number }>()
  /** Inserts since the last full sweep: sweeps are O(size), so one runs at most every capacity/4 inserts (amortised O(1)). */
  private sinceSweep = Infinity
  constructor(readonly capacity: number) {}

  get size(): number {
    return this.map.size
  }

  /** The live entry for `key`, refreshed as most recently used; an expired one is removed. */
  get(key: string, now: number): { readonly value: V; readonly expiresAt: number } | undefined {
    const entry = this.map.get(key)
    if (entry === undefined) return undefined
    this.map.delete(key)
    if (entry.expiresAt <= now) return undefined
    this.map.set(key, entry)
    return entry
  }

  /** The live entry for `key` without touching the order (expired ones are removed). */
  peek(key: string, now: number): { readonly value: V; readonly expiresAt: number } | undefined {
    const entry = this.map.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= now) {
      this.map.delete(key)
      return undefined
    }
    return entry
  }

  set(key: string, value: V, expiresAt: number, now: number): void {
    this.map.delete(key)
    if (this.map.size >= this.capacity) this.makeRoom(now)
    this.map.set(key, { value, expiresAt })
  }

  delete(key: string): void {
    this.map.delete(key)
  }

  /** Drops every expired entry; returns how many remain. */
  sweep(now: number): number {
    this.sinceSweep = 0
    for (const [k, e] of this.map) if (e.expiresAt <= now) this.map.delete(k)
    return this.map.size
  }

  private makeRoom(now: number): void {
    if (++this.sinceSweep >= this.capacity / 4 && this.sweep(now) < this.capacity) return
    // still full: evict the least recently used
    const oldest = this.map.keys().next()
    if (!oldest.done) this.map.delete(oldest.value)
  }
}
