/**
 * A small benchmark harness: interleaved rounds, warm-up, medians.
 *
 * The machine is shared and noisy, so every case runs once per round, the
 * rounds interleave the cases (noise hits them all alike), and the report is
 * the median of the rounds plus ratios against baselines measured in the same
 * process. Each run is timed twice: this process's CPU time (`process.cpuUsage`,
 * user + system: stable when other processes compete for the 2 cores, the
 * primary figure) and the wall clock (`process.hrtime.bigint`, shown beside it).
 */
import * as Effect from "effect/Effect"

/** One benchmarked case: `run(n)` performs `n` calls and resolves when done. */
export interface Case {
  readonly key: string
  readonly label: string
  /** What one measured call includes, for the table. */
  readonly includes: string
  /** Calls per round. */
  readonly n: number
  readonly run: (n: number) => Promise<void>
}

/** Median of a list of numbers (the list is copied). */
export const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/**
 * A loop of `n` steps in ONE fiber, each step `yield*` of the effect that
 * `step()` returns. Every Effect case uses this same shape, so the difference
 * between two cases is the difference between their steps.
 */
export const fiberLoop = (step: () => Effect.Effect<unknown, unknown>) => (n: number): Promise<void> =>
  Effect.runPromise(
    Effect.gen(function*() {
      for (let i = 0; i < n; i++) yield* step()
    }) as Effect.Effect<void>
  )

/** A loop of `n` awaited calls: the shape of every promise-based case. */
export const awaitLoop = (step: () => Promise<unknown>) => async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await step()
}

/** The same, for a call that rejects: the rejection is caught and dropped. */
export const awaitRejectLoop = (step: () => Promise<unknown>) => async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) {
    try {
      await step()
    } catch {
      // expected: the circuit is open
    }
  }
}

/** One timed run: wall-clock and this process's CPU time (user + system), in ns per call. */
interface Sample {
  readonly wall: number
  readonly cpu: number
}

const timeOnce = async (c: Case): Promise<Sample> => {
  const u0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  await c.run(c.n)
  const wall = Number(process.hrtime.bigint() - t0) / c.n
  const u = process.cpuUsage(u0)
  return { wall, cpu: ((u.user + u.system) * 1000) / c.n }
}

/** Medians of a case's rounds. `cpu` is the primary figure: on a shared machine it excludes time spent waiting for a core. */
export interface Result {
  readonly cpu: number
  readonly wall: number
  readonly cpuSamples: ReadonlyArray<number>
  /** The wall-clock median (what `measure` returned before CPU time was added; kept for other benches). */
  readonly median: number
}

/**
 * Runs every case `warmup` times, then `rounds` interleaved rounds, and returns
 * the median ns per call of each case by key.
 */
export const measure = async (
  cases: ReadonlyArray<Case>,
  options: { readonly warmup: number; readonly rounds: number }
): Promise<Map<string, Result>> => {
  for (let w = 0; w < options.warmup; w++) {
    for (const c of cases) await timeOnce(c)
  }
  const samples = new Map<string, Array<Sample>>(cases.map((c) => [c.key, []]))
  for (let r = 0; r < options.rounds; r++) {
    for (const c of cases) samples.get(c.key)!.push(await timeOnce(c))
  }
  return new Map([...samples].map(([k, xs]) => {
    const cpuSamples = xs.map((x) => x.cpu)
    const wall = median(xs.map((x) => x.wall))
    return [k, { cpu: median(cpuSamples), wall, cpuSamples, median: wall }]
  }))
}

/** Forces a full collection (needs `node --expose-gc`) and returns heap and off-heap bytes in use. */
export const settledMemory = (): { readonly heap: number; readonly external: number } => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error("run node with --expose-gc")
  for (let i = 0; i < 3; i++) gc()
  const m = process.memoryUsage()
  return { heap: m.heapUsed, external: m.external }
}

/** Formats rows as a fixed-width text table. */
export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n")
}

/** `12.3` → `"12"`, `1234.5` → `"1,235"`. */
export const ns = (x: number): string => Math.round(x).toLocaleString("en-US")

/** A ratio to two decimals with an `x`. */
export const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`
