/**
 * The tuner's search: candidate settings evaluated on one or more scenarios
 * with the pure engine (the breaker's own transitions, no fibers), their
 * figures aggregated, the Pareto frontier kept, and a pick made under the
 * user's constraints. Deterministic for a seed: candidates come from a seeded
 * generator and are evaluated in a fixed order.
 *
 * **Details**
 *
 * The search starts from the presets, draws random candidates for most of the
 * budget, then spends the rest mutating the best feasible candidates (one or
 * two dimensions at a time). Every candidate sees the same arrivals (drawn once
 * per scenario), so figures differ only by the settings.
 *
 * @internal
 */
import * as Either from "effect/Either"
import { summarize } from "../sim/metrics.js"
import * as Prng from "../sim/prng.js"
import * as Pure from "../sim/pureEngine.js"
import type { SimConfig } from "../sim/SimConfig.js"
import * as Space from "./space.js"

/** What a candidate did, over every scenario. Lower is better for each. @internal */
export interface Figures {
  /** Requests that reached the provider during outages: fault windows in which at least half the calls fail. */
  readonly reached: number
  /** Mean time from a fault's end to Closed (ms), over the detected faults; Infinity if one never recovered. */
  readonly recoverMs: number
  readonly falseOpens: number
  /** Caller p99 during faults (ms), the worst scenario's. */
  readonly p99Ms: number
  /** Errors callers saw (failures, rejections; none with a fallback). */
  readonly errors: number
  readonly missed: number
  /** Slowest detection of a fault (ms), Infinity when one was missed. */
  readonly detectMaxMs: number
  readonly opens: number
}

/** The objectives of the frontier, in the order the tables show them. @internal */
export const objectives = ["reached", "recoverMs", "falseOpens", "p99Ms", "errors"] as const

/** Upper bounds a pick must meet (undefined: no bound). @internal */
export interface Constraints {
  readonly maxReached?: number | undefined
  readonly maxRecoverMs?: number | undefined
  readonly maxFalseOpens?: number | undefined
  readonly maxP99Ms?: number | undefined
  readonly maxErrors?: number | undefined
  /** Default 0: every fault detected. */
  readonly maxMissed?: number | undefined
  readonly maxDetectMs?: number | undefined
}

/** @internal */
export interface Candidate {
  readonly name: string
  readonly genome: Space.Genome | undefined
  readonly settings: Space.SettingsData
  readonly figures: Figures
  readonly feasible: boolean
}

/** @internal */
export interface Progress {
  readonly evaluated: number
  readonly budget: number
  readonly simulatedHours: number
  readonly wallMs: number
}

/** Evaluates batches of configurations, in order (in this thread or in worker threads). @internal */
export interface Evaluator {
  readonly evaluate: (configs: ReadonlyArray<SimConfig>) => Promise<ReadonlyArray<Figures>>
  readonly close: () => Promise<void>
}

/** @internal */
export interface Options {
  /** Simulated hours one evaluation covers (the scenarios' total duration). */
  readonly hoursPerRun: number
  readonly evaluator: Evaluator
  readonly seed: number
  /** How many candidates to evaluate (starting points included). */
  readonly budget: number
  readonly constraints: Constraints
  /** Starting points evaluated first (e.g. the presets), by name. */
  readonly starts?: ReadonlyArray<readonly [string, Space.SettingsData]> | undefined
  /** Whether the simulated callers fall back. */
  readonly fallback?: boolean | undefined
  readonly onProgress?: ((p: Progress) => void) | undefined
  /** Wall clock in millis (for the rate); default `performance.now`. */
  readonly now?: (() => number) | undefined
  /** Stops the search between batches (it then fails with "interrupted"). */
  readonly signal?: AbortSignal | undefined
}

/** @internal */
export interface Result {
  readonly evaluated: ReadonlyArray<Candidate>
  readonly frontier: ReadonlyArray<Candidate>
  readonly pick: Candidate | undefined
  readonly simulatedHours: number
  readonly wallMs: number
  /** Simulated hours per wall second. */
  readonly rate: number
  /** Simulated hours per second of CPU time (every thread of the process): the rate on an idle machine, per core. */
  readonly cpuRate: number
}

/** Evaluates in this thread. @internal */
export const inProcess = (scenarios: ReadonlyArray<Pure.Prepared>): Evaluator => ({
  evaluate: (configs) => Promise.resolve(configs.map((c) => evaluate(scenarios, c))),
  close: () => Promise.resolve()
})

/** Runs settings over every scenario and aggregates the figures. @internal */
export const evaluate = (
  scenarios: ReadonlyArray<Pure.Prepared>,
  config: SimConfig
): Figures => {
  let reached = 0
  let recoverSum = 0
  let recovered = 0
  let never = 0
  let falseOpens = 0
  let p99 = 0
  let errors = 0
  let missed = 0
  let detectMax = 0
  let opens = 0
  for (const p of scenarios) {
    const trace = Pure.run(p, config)
    if (Either.isLeft(trace)) throw new Error(`config ${config.name}: ${trace.left.message}`)
    const r = summarize(p.scenario, config, trace.right)
    for (const w of r.windows) if (w.fault && w.errorRate >= 0.5) reached += w.reached
    for (const w of r.windows) {
      if (!w.fault || w.detectMs === null) continue
      if (w.recoverMs === null) never++
      else {
        recoverSum += w.recoverMs
        recovered++
      }
      detectMax = Math.max(detectMax, w.detectMs)
    }
    falseOpens += r.falseOpens
    opens += r.opens
    p99 = Math.max(p99, r.faultLatencyP99Ms ?? 0)
    errors += r.callerErrors
    missed += r.missed
  }
  return {
    reached,
    recoverMs: never > 0 ? Infinity : recovered === 0 ? 0 : Math.round(recoverSum / recovered),
    falseOpens,
    p99Ms: p99,
    errors,
    missed,
    detectMaxMs: missed > 0 ? Infinity : detectMax,
    opens
  }
}

/** Whether figures meet the constraints. @internal */
export const meets = (f: Figures, c: Constraints): boolean =>
  f.missed <= (c.maxMissed ?? 0) &&
  (c.maxReached === undefined || f.reached <= c.maxReached) &&
  (c.maxRecoverMs === undefined || f.recoverMs <= c.maxRecoverMs) &&
  (c.maxFalseOpens === undefined || f.falseOpens <= c.maxFalseOpens) &&
  (c.maxP99Ms === undefined || f.p99Ms <= c.maxP99Ms) &&
  (c.maxErrors === undefined || f.errors <= c.maxErrors) &&
  (c.maxDetectMs === undefined || f.detectMaxMs <= c.maxDetectMs)

const dominates = (a: Figures, b: Figures): boolean => {
  let strictly = false
  for (const o of objectives) {
    if (a[o] > b[o]) return false
    if (a[o] < b[o]) strictly = true
  }
  return strictly
}

/** The candidates no other candidate beats on every objective (ties kept once, first seen). @internal */
export const paretoFrontier = (cs: ReadonlyArray<Candidate>): Array<Candidate> => {
  const out: Array<Candidate> = []
  const seen = new Set<string>()
  for (const c of cs) {
    if (cs.some((d) => dominates(d.figures, c.figures))) continue
    const k = objectives.map((o) => c.figures[o]).join(",")
    if (seen.has(k)) continue
    seen.add(k)
    out.push(c)
  }
  return out
}

/**
 * The pick among feasible candidates: the least sum of its objectives, each
 * divided by the median of that objective over the feasible ones (so no unit
 * dominates); ties go to the earlier candidate.
 *
 * @internal
 */
export const choose = (cs: ReadonlyArray<Candidate>): Candidate | undefined => {
  const feasible = cs.filter((c) => c.feasible && Number.isFinite(c.figures.recoverMs))
  if (feasible.length === 0) return undefined
  const scale = objectives.map((o) => {
    const xs = feasible.map((c) => c.figures[o]).sort((a, b) => a - b)
    return Math.max(1, xs[Math.floor(xs.length / 2)]!)
  })
  let best: Candidate | undefined
  let bestScore = Infinity
  for (const c of feasible) {
    const score = objectives.reduce((acc, o, i) => acc + c.figures[o] / scale[i]!, 0)
    if (score < bestScore) {
      best = c
      bestScore = score
    }
  }
  return best
}

const randomGenome = (rng: Prng.Prng): Space.Genome =>
  Space.dimensionNames.map((d) => Math.floor(rng.next() * Space.dimensions[d].length))

const mutate = (g: Space.Genome, rng: Prng.Prng): Space.Genome => {
  const out = [...g]
  const changes = rng.next() < 0.5 ? 1 : 2
  for (let k = 0; k < changes; k++) {
    const i = Math.floor(rng.next() * out.length)
    const size = Space.dimensions[Space.dimensionNames[i]!].length
    const step = rng.next() < 0.5 ? -1 : 1
    out[i] = Math.min(size - 1, Math.max(0, out[i]! + step))
  }
  return out
}

const BATCH = 16

/** Runs the search. Deterministic for a seed, whatever evaluates the batches. @internal */
export const search = async (options: Options): Promise<Result> => {
  const now = options.now ?? (() => performance.now())
  const started = now()
  const cpuStarted = process.cpuUsage()
  const rng = Prng.make(options.seed)
  const evaluated: Array<Candidate> = []
  const seen = new Set<string>()
  let simulatedHours = 0
  const extra = options.fallback ? { fallback: true } : {}
  const run = async (batch: ReadonlyArray<readonly [string, Space.Genome | undefined, Space.SettingsData]>): Promise<void> => {
    if (options.signal?.aborted === true) throw new Error("interrupted")
    const figures = await options.evaluator.evaluate(batch.map(([name, , settings]) => Space.toSimConfig(name, settings, extra)))
    batch.forEach(([name, genome, settings], i) => {
      const f = figures[i]!
      evaluated.push({ name, genome, settings, figures: f, feasible: meets(f, options.constraints) })
    })
    simulatedHours += options.hoursPerRun * batch.length
    options.onProgress?.({ evaluated: evaluated.length, budget: options.budget, simulatedHours, wallMs: now() - started })
  }
  /** Up to `n` new genomes from `draw`, each once. */
  const fresh = (n: number, draw: () => Space.Genome) => {
    const out: Array<readonly [string, Space.Genome, Space.SettingsData]> = []
    for (let misses = 0; out.length < n && misses < 1000;) {
      const g = Space.normalize(draw())
      const k = Space.key(g)
      if (seen.has(k)) {
        misses++
        continue
      }
      seen.add(k)
      out.push([`candidate-${evaluated.length + out.length + 1}`, g, Space.toSettings(g)])
    }
    return out
  }
  const starts = (options.starts ?? []).slice(0, options.budget).map(([name, s]) => [name, undefined, s] as const)
  if (starts.length > 0) await run(starts)
  const explore = Math.floor(options.budget * 0.6)
  while (evaluated.length < explore) {
    const batch = fresh(Math.min(BATCH, explore - evaluated.length), () => randomGenome(rng))
    if (batch.length === 0) break
    await run(batch)
  }
  while (evaluated.length < options.budget) {
    const pool = evaluated.filter((c) => c.genome !== undefined)
    const best = choose(pool)
    const frontier = paretoFrontier(pool)
    const batch = fresh(Math.min(BATCH / 2, options.budget - evaluated.length), () => {
      const parent = best !== undefined && rng.next() < 0.6 ? best : frontier[Math.floor(rng.next() * frontier.length)]
      return parent?.genome !== undefined ? mutate(parent.genome, rng) : randomGenome(rng)
    })
    if (batch.length === 0) break
    await run(batch)
  }
  const wallMs = now() - started
  const cpu = process.cpuUsage(cpuStarted)
  return {
    evaluated,
    frontier: paretoFrontier(evaluated),
    pick: choose(evaluated),
    simulatedHours,
    wallMs,
    rate: simulatedHours / Math.max(1e-9, wallMs / 1000),
    cpuRate: simulatedHours / Math.max(1e-9, (cpu.user + cpu.system) / 1e6)
  }
}
