/**
 * The drill's options (its flags are in `command.ts`).
 *
 * @since 0.1.0
 */

/**
 * How the primary provider fails during the outage: it never answers (`hang`,
 * the caller's timeout ends each call) or it answers HTTP 503 at once (`503`).
 *
 * @since 0.1.0
 * @category models
 */
export type OutageMode = "hang" | "503"

/**
 * Which variants of the policy run the script: with the breaker, and the same
 * policy with the breaker disabled.
 *
 * @since 0.1.0
 * @category models
 */
export type Variant = "breaker" | "no-breaker"

/**
 * Everything a drill needs. Times are milliseconds of wall-clock time
 * (compressed: a 6 s outage stands for minutes of a real one).
 *
 * @since 0.1.0
 * @category models
 */
export interface DrillOptions {
  /** Requests per second, arriving at a steady pace whatever the latency (open loop). */
  readonly rps: number
  readonly healthyMs: number
  readonly outageMs: number
  readonly recoveryMs: number
  readonly mode: OutageMode
  readonly variants: ReadonlyArray<Variant>
  /** Per attempt, inside the breaker. */
  readonly timeoutMs: number
  /** How long the circuit stays open before a probe. */
  readonly openMs: number
  /** Consecutive failures that open the circuit. */
  readonly threshold: number
  /** Half-open probes at once (and successes needed to close). */
  readonly permits: number
  /** Retries per provider (outside its breaker). */
  readonly retries: number
  /** The first retry delay (doubles each retry, ±20% jitter). */
  readonly retryBaseMs: number
  /**
   * Hedge: after this long without an answer from the primary, start the
   * failover beside it (the primary is not cancelled: its breaker still records
   * it). `null`: no hedging. Both variants hedge, so the comparison isolates the breaker.
   */
  readonly hedgeMs: number | null
  /** Share of requests a healthy provider answers with a 500 (blips the policy should absorb without opening). */
  readonly noise: number
  /** How often the live view prints a line (and the width of the report's intervals). */
  readonly intervalMs: number
  readonly jsonPath: string
  readonly svgPath: string
  /** Serve the breaker metrics on a Prometheus endpoint on 127.0.0.1 while the drill runs. */
  readonly prometheus: boolean
  /**
   * Replicas sharing their breakers through Redis (`effect-breaker/redis`) in
   * the run with the breaker; the traffic is spread over them. 0: one process,
   * memory store.
   */
  readonly fleet: number
  /** The Redis of the fleet; `null`: a redis-server the drill starts on a free loopback port. */
  readonly redisUrl: string | null
}

/**
 * The defaults of `npm start`: about 11 s per run, both variants, ~25 s in all.
 *
 * @since 0.1.0
 * @category constructors
 */
export const defaults: DrillOptions = {
  rps: 20,
  healthyMs: 2_000,
  outageMs: 6_000,
  recoveryMs: 3_000,
  mode: "hang",
  variants: ["breaker", "no-breaker"],
  timeoutMs: 1_000,
  openMs: 200,
  threshold: 5,
  permits: 1,
  retries: 2,
  retryBaseMs: 50,
  hedgeMs: 100,
  noise: 0.02,
  intervalMs: 500,
  jsonPath: ".reports/drill.json",
  svgPath: ".reports/drill.svg",
  prometheus: true,
  fleet: 0,
  redisUrl: null
}

/**
 * `--quick`: a 2 s outage, about 5 s per run.
 *
 * @since 0.1.0
 * @category constructors
 */
export const quick: Partial<DrillOptions> = { healthyMs: 1_000, outageMs: 2_000, recoveryMs: 2_000 }
