/**
 * The calls a replica process of test/redis/processes-counts.test.ts sends: a
 * seeded PRNG (mulberry32) picks each call's outcome, so the parent can work
 * out from the seed what each process was asked to send.
 */
export type Outcome = "success" | "failure" | "ignored"

const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/** `calls` outcomes: 30% failures, 10% ignored (say nothing about the dependency), 60% successes. */
export const plan = (seed: number, calls: number): Array<Outcome> => {
  const random = prng(seed)
  return Array.from({ length: calls }, () => {
    const r = random()
    return r < 0.3 ? "failure" : r < 0.4 ? "ignored" : "success"
  })
}

export const tally = (outcomes: ReadonlyArray<Outcome>): Record<Outcome, number> => {
  const t = { success: 0, failure: 0, ignored: 0 }
  for (const o of outcomes) t[o]++
  return t
}
