/**
 * A breaker that survives a restart: persist its state as JSON when the
 * process stops, and start the next process from it. A serverless function or
 * a rolling deploy then does not forget that a provider is down.
 *
 * Run it: `npx tsx examples/export-restore.ts`
 */
import { Console, Effect, Either, Schema } from "effect"
import { CircuitBreaker, InvalidOptionError, TripPolicy } from "effect-breaker"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

class Unavailable {
  readonly _tag = "Unavailable"
}

const options: CircuitBreaker.Options = {
  name: "provider",
  policy: TripPolicy.consecutiveFailures(3),
  openDuration: "30 seconds"
}

/** The first process: the provider fails three times, the circuit opens, the state goes to a file. */
const firstProcess = (file: string) =>
  Effect.gen(function*() {
    const breaker = yield* CircuitBreaker.make(options)
    for (let i = 0; i < 3; i++) yield* Effect.exit(breaker(Effect.fail(new Unavailable())))
    const state = yield* breaker.export
    // Plain data: every number is finite, so JSON keeps it exactly.
    writeFileSync(file, JSON.stringify(state))
    return state.tag
  })

/** The next process: starts from the file, and is still open without calling the provider once. */
const nextProcess = (file: string) =>
  Effect.gen(function*() {
    const breaker = yield* CircuitBreaker.make({ ...options, restore: JSON.parse(readFileSync(file, "utf8")) })
    const rejected = yield* Effect.flip(breaker(Effect.succeed("the provider would have been called")))
    return `${rejected._tag} (${rejected.state})`
  })

/** A file that was tampered with: `make` fails with an InvalidOptionError naming the field. */
const tampered = (file: string) =>
  Effect.gen(function*() {
    const data = JSON.parse(readFileSync(file, "utf8"))
    const error = yield* Effect.flip(CircuitBreaker.make({ ...options, restore: { ...data, generation: -1 } }))
    return error instanceof InvalidOptionError ? `${error.option}: ${error.value}` : "unexpected"
  })

export const program = Effect.gen(function*() {
  const file = join(mkdtempSync(join(tmpdir(), "breaker-")), "provider.json")
  const before = yield* firstProcess(file)
  const after = yield* nextProcess(file)
  const bad = yield* tampered(file)
  const valid = Either.isRight(Schema.decodeUnknownEither(CircuitBreaker.BreakerState)(JSON.parse(readFileSync(file, "utf8"))))
  yield* Console.log(`first process left the circuit ${before}; the next one starts ${after}`)
  yield* Console.log(`the file matches CircuitBreaker.BreakerState: ${valid}; a tampered copy: ${bad}`)
  return { before, after, bad, valid }
})

if (import.meta.url === `file://${process.argv[1]}`) Effect.runPromise(program)
