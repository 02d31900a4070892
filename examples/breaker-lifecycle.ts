/**
 * A breaker's life in one screen: a dependency fails, the circuit opens, calls
 * are rejected in microseconds without reaching it, a probe finds it still
 * down, the opening gets longer, and after it recovers two probes close the
 * circuit again.
 *
 * Run it: `npx tsx examples/breaker-lifecycle.ts`
 */
import { Console, Duration, Effect, Queue, Ref, Schedule } from "effect"
import { CircuitBreaker, TripPolicy } from "effect-breaker"

class Unavailable {
  readonly _tag = "Unavailable"
}

/** What the example prints, one line per step, and the transitions it saw. */
export interface Report {
  readonly lines: ReadonlyArray<string>
  readonly transitions: ReadonlyArray<string>
  readonly dependencyCalls: number
}

export const program = (print: (line: string) => Effect.Effect<void> = Console.log) =>
  Effect.scoped(Effect.gen(function*() {
    const lines: Array<string> = []
    const say = (line: string) => Effect.sync(() => lines.push(line)).pipe(Effect.zipRight(print(line)))

    // The dependency: healthy until `down` is set, and it counts every call that reaches it.
    const down = yield* Ref.make(false)
    const calls = yield* Ref.make(0)
    const dependency = Ref.update(calls, (n) => n + 1).pipe(
      Effect.zipRight(Ref.get(down)),
      Effect.flatMap((isDown) => isDown ? Effect.fail(new Unavailable()) : Effect.succeed("200 OK"))
    )

    const breaker = yield* CircuitBreaker.make({
      name: "provider",
      policy: TripPolicy.consecutiveFailures(3),
      // The first opening lasts 200 ms, the next 400 ms, ... capped at 2 s.
      openDuration: Schedule.exponential("200 millis").pipe(Schedule.union(Schedule.spaced("2 seconds"))),
      halfOpen: { permits: 1, successesToClose: 2 }
    })
    const transitions = yield* breaker.subscribe
    const seen: Array<string> = []

    let attempts = 0
    const call = (label: string) =>
      breaker(dependency).pipe(
        Effect.map((answer) => `${answer}`),
        Effect.catchTags({
          Unavailable: () => Effect.succeed("the dependency failed"),
          CircuitOpenError: (e) =>
            Effect.succeed(`rejected without calling it (${e.state}, retry in ${Duration.format(e.retryAfter)})`)
        }),
        Effect.flatMap((what) => say(`${label}: ${what}`)),
        Effect.zipRight(Effect.sync(() => attempts++)),
        Effect.zipRight(Queue.takeAll(transitions)),
        Effect.flatMap((events) =>
          Effect.forEach(events, (t) => {
            seen.push(`${t.from}→${t.to}`)
            return say(`   ⇒ ${t.from} → ${t.to} (${t.reason._tag})`)
          })
        )
      )

    yield* say("— healthy")
    yield* call("call 1")
    yield* say("— the dependency goes down")
    yield* Ref.set(down, true)
    for (const n of [2, 3, 4]) yield* call(`call ${n}`)
    yield* call("call 5")
    yield* say("— 200 ms later the breaker lets one probe through; the dependency is still down")
    yield* Effect.sleep("200 millis")
    yield* call("probe 1")
    yield* call("call 6")
    yield* say("— the dependency recovers; the second opening lasts 400 ms")
    yield* Ref.set(down, false)
    yield* Effect.sleep("400 millis")
    yield* call("probe 2")
    yield* call("probe 3")
    yield* call("call 7")
    const stats = yield* breaker.stats
    const dependencyCalls = yield* Ref.get(calls)
    yield* say(`— ${stats.state}; the dependency saw ${dependencyCalls} of ${attempts} calls`)
    return { lines, transitions: seen, dependencyCalls } satisfies Report
  }))

if (import.meta.url === `file://${process.argv[1]}`) {
  Effect.runPromise(program())
}
