/**
 * Random breaker configurations as plain descriptions (so a counterexample
 * prints readably), and their compilation into the core's `Config`. Shared by
 * the model test and the transition test.
 */
import { Either, FastCheck as fc, Schedule } from "effect"
import { TripPolicy } from "effect-breaker"
import type * as core from "../../src/internal/core.js"
import { compile, type Options } from "../../src/internal/options.js"

// ---------------------------------------------------------------------------
// Configurations, as plain descriptions (so a counterexample prints readably)
// ---------------------------------------------------------------------------

type WindowDesc = { readonly lastCalls: number } | { readonly lastMs: number; readonly buckets: number }
type PolicyDesc =
  | { readonly consecutive: number }
  | { readonly failureRate: number; readonly minimumCalls: number; readonly window: WindowDesc }
  | { readonly slowRate: number; readonly slowMs: number; readonly minimumCalls: number; readonly window: WindowDesc }
  | { readonly any: ReadonlyArray<PolicyDesc> }
type OpenDesc = number | "exponential(1s)" | "fibonacci(500ms)" | "spaced(2s)*3"

export interface ConfigDesc {
  readonly policy: PolicyDesc
  readonly open: OpenDesc
  readonly maxOpenMs: number
  readonly permits: number
  readonly successesToClose: number
  readonly probeTimeoutMs: number
}

const windowArb = (minimumCalls: number): fc.Arbitrary<WindowDesc> =>
  fc.oneof(
    fc.integer({ min: minimumCalls, max: minimumCalls + 6 }).map((lastCalls) => ({ lastCalls })),
    fc.record({ lastMs: fc.constantFrom(1_000, 2_500, 10_000), buckets: fc.integer({ min: 1, max: 10 }) })
  )

const threshold = fc.constantFrom(0.2, 0.5, 2 / 3, 0.75, 1)
const minimumCalls = fc.integer({ min: 1, max: 5 })

const leafArb: fc.Arbitrary<PolicyDesc> = fc.oneof(
  fc.integer({ min: 1, max: 5 }).map((consecutive) => ({ consecutive })),
  fc.record({ failureRate: threshold, minimumCalls }).chain((p) => windowArb(p.minimumCalls).map((window) => ({ ...p, window }))),
  fc.record({ slowRate: threshold, slowMs: fc.constantFrom(100, 500, 1_000), minimumCalls }).chain((p) =>
    windowArb(p.minimumCalls).map((window) => ({ ...p, window }))
  )
)

export const configArb: fc.Arbitrary<ConfigDesc> = fc.record({
  policy: fc.oneof(
    { arbitrary: leafArb, weight: 3 },
    { arbitrary: fc.array(leafArb, { minLength: 2, maxLength: 3 }).map((any) => ({ any })), weight: 2 }
  ),
  open: fc.constantFrom<OpenDesc>(0, 1_000, 5_000, 30_000, "exponential(1s)", "fibonacci(500ms)", "spaced(2s)*3"),
  maxOpenMs: fc.constantFrom(0, 2_000, 60_000),
  permits: fc.integer({ min: 1, max: 3 }),
  successesToClose: fc.integer({ min: 1, max: 3 }),
  probeTimeoutMs: fc.constantFrom(500, 2_000, 10_000)
})

const toWindow = (w: WindowDesc): TripPolicy.Window =>
  "lastCalls" in w ? TripPolicy.lastCalls(w.lastCalls) : TripPolicy.lastDuration(w.lastMs, w.buckets)

const toPolicy = (p: PolicyDesc): TripPolicy.TripPolicy =>
  "consecutive" in p
    ? TripPolicy.consecutiveFailures(p.consecutive)
    : "failureRate" in p
    ? TripPolicy.failureRate({ threshold: p.failureRate, minimumCalls: p.minimumCalls, window: toWindow(p.window) })
    : "slowRate" in p
    ? TripPolicy.slowCallRate({
      duration: p.slowMs,
      threshold: p.slowRate,
      minimumCalls: p.minimumCalls,
      window: toWindow(p.window)
    })
    : TripPolicy.any(...p.any.map(toPolicy))

const toOpenDuration = (o: OpenDesc): NonNullable<Options["openDuration"]> =>
  typeof o === "number"
    ? o
    : o === "exponential(1s)"
    ? Schedule.exponential("1 second")
    : o === "fibonacci(500ms)"
    ? Schedule.fibonacci("500 millis")
    : Schedule.spaced("2 seconds").pipe(Schedule.intersect(Schedule.recurs(3)))

export const toConfig = (d: ConfigDesc): core.Config => {
  const compiled = compile({
    name: "model",
    policy: toPolicy(d.policy),
    openDuration: toOpenDuration(d.open),
    maxOpenDuration: d.maxOpenMs,
    halfOpen: { permits: d.permits, successesToClose: d.successesToClose, probeTimeout: d.probeTimeoutMs }
  })
  if (Either.isLeft(compiled)) throw new Error(`generator produced invalid options: ${compiled.left.message}`)
  return compiled.right.config
}

