/**
 * A small seeded pseudo-random generator for the simulator (mulberry32), and
 * the distributions it needs. Pure and synchronous: the simulator draws millions
 * of numbers, and an Effect per draw (`Random`) would cost more than the breaker.
 *
 * @internal
 */

/** A stream of uniform numbers in [0, 1), fixed by its seed. @internal */
export interface Prng {
  next(): number
}

/** @internal */
export const make = (seed: number): Prng => {
  let a = (seed >>> 0) ^ 0x9e3779b9
  return {
    next() {
      a = (a + 0x6d2b79f5) | 0
      let t = a
      t = Math.imul(t ^ (t >>> 15), t | 1)
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296
    }
  }
}

/** An exponentially distributed wait with the given rate (per unit). @internal */
export const exponential = (u: number, rate: number): number => -Math.log(1 - u) / rate

/** A standard normal from two uniforms (Box–Muller). @internal */
export const normal = (u1: number, u2: number): number =>
  Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2)
