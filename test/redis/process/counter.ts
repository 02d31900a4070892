/**
 * One replica process of test/redis/processes-counts.test.ts: its own runtime,
 * TestClock, Redis store and breaker "counts" (never trips, so every outcome
 * stays in one generation and must be counted; an "ignored" result is not
 * counted). The parent drives it:
 *
 * - `send {seed, calls}`: sends the seeded plan's calls, 64 at a time; replies what it sent
 *   `{ success, failure, ignored, rejected }` as the calls returned them, and when it sent them (`from`, `to`: wall
 *   clock, for the report);
 * - `flush`: flushes every buffered outcome and waits for every command in flight; replies the store's status.
 *
 * argv: <redis url> <key prefix>
 */
import { Effect, Exit } from "effect"
import { CircuitBreaker, TripPolicy } from "../../../src/index.js"
import { plan } from "./plan.js"
import { fleetStore, serve } from "./serve.js"

const [redisUrl, prefix] = process.argv.slice(2) as [string, string]

serve(Effect.gen(function*() {
  const { ctx, fleet } = yield* fleetStore(redisUrl, prefix)
  const breaker = yield* CircuitBreaker.make({
    name: "counts",
    policy: TripPolicy.consecutiveFailures(1_000_000),
    classify: (exit) =>
      Exit.isSuccess(exit)
        ? (exit.value === "ignored" ? { _tag: "Ignored" } : { _tag: "Success" })
        : { _tag: "Failure", retryAfter: undefined }
  }).pipe(Effect.provide(ctx))

  return (request) => {
    switch (request.op) {
      case "send":
        return Effect.gen(function*() {
          const sent = { success: 0, failure: 0, ignored: 0, rejected: 0 }
          const from = Date.now() // wall clock, only to report how the processes' sending overlapped
          yield* Effect.forEach(
            plan(request.seed, request.calls),
            (outcome) =>
              Effect.map(
                Effect.exit(breaker(outcome === "failure" ? Effect.fail("down") : Effect.succeed(outcome))),
                (exit) => {
                  // what the call returned: its own result, or the breaker's rejection
                  if (Exit.isSuccess(exit)) sent[exit.value as "success" | "ignored"]++
                  else if (exit.cause._tag === "Fail" && exit.cause.error === "down") sent.failure++
                  else sent.rejected++
                }
              ),
            { concurrency: 64, discard: true }
          )
          return { ...sent, from, to: Date.now() }
        })
      case "flush":
        return Effect.zipRight(fleet.flush, fleet.status)
      default:
        return Effect.fail(`unknown request ${request.op}`)
    }
  }
}))
