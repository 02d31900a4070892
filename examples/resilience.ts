/**
 * The resilience combinators around a breaker, against a simulated provider
 * that is down for a while. Run: `npx tsx examples/resilience.ts`
 */
import { Console, Data, Duration, Effect } from "effect"
import { CircuitBreaker, Fallback, RateLimitGate, Resilience, TripPolicy } from "effect-breaker"

class Unavailable extends Data.TaggedError("Unavailable")<{ readonly retryAfter?: Duration.Duration }> {}

const program = Effect.gen(function*() {
  // a provider that answers once, then is down for 3 calls
  let calls = 0
  const provider = (prompt: string) =>
    Effect.suspend(() => {
      calls++
      return calls >= 2 && calls <= 4 ? Effect.fail(new Unavailable({})) : Effect.succeed(`openai says hi to ${prompt}`)
    })

  const breaker = yield* CircuitBreaker.make({
    name: "openai",
    policy: TripPolicy.consecutiveFailures(3),
    openDuration: "200 millis"
  })
  const gate = yield* RateLimitGate.make({ name: "openai" })
  const policy = yield* Resilience.make({
    breaker,
    timeout: "1 second",
    gate: { gate, key: "gpt-4o" },
    retry: { times: 4, base: "20 millis", retryAfter: (e: Unavailable) => e.retryAfter, maxWait: "1 second" }
  })
  const cache = yield* Fallback.makeCache<string>({ maxAge: "1 minute" })

  const ask = (prompt: string) =>
    provider(prompt).pipe(
      Resilience.serve(policy, { fallback: [Fallback.cached(cache, prompt), Fallback.value("(canned) try again later", "canned")] })
    )

  for (const [i, prompt] of ["alice", "bob", "alice"].entries()) {
    const served = yield* ask(prompt)
    const stats = yield* breaker.stats
    yield* Console.log(
      `request ${i + 1} (${prompt}): ${JSON.stringify(served.value)} served by ${served.servedBy._tag}` +
        `${served.servedBy._tag === "Fallback" ? ` "${served.servedBy.name}"` : ""}; ` +
        `breaker ${stats.state}, provider calls so far ${calls}`
    )
  }

  yield* Console.log("waiting 250 ms for the circuit to half-open…")
  yield* Effect.sleep("250 millis")
  const recovered = yield* ask("alice")
  yield* Console.log(`request 4 (alice): ${JSON.stringify(recovered.value)} served by ${recovered.servedBy._tag}`)
  const again = yield* ask("alice")
  yield* Console.log(`request 5 (alice): served by ${again.servedBy._tag}; breaker ${(yield* breaker.stats).state}`)

  // the gate: a 429 said the key resets in 5 s; calls fail fast with a typed error (5 s > maxWait, so no retry)
  yield* gate.closeFor("gpt-4o", "5 seconds")
  const gated = yield* Effect.flip(policy(provider("carol")))
  yield* Console.log(`while rate limited: ${gated._tag === "GateClosedError" ? gated.message : gated._tag}`)
  yield* gate.open("gpt-4o")

  // failover: openai forced open is skipped at once; anthropic answers
  const anthropic = yield* CircuitBreaker.make({ name: "anthropic" })
  yield* breaker.forceOpen
  const failover = yield* Fallback.failover([
    { name: "openai", breaker, run: provider },
    { name: "anthropic", breaker: anthropic, run: (p: string) => Effect.succeed(`anthropic says hi to ${p}`) }
  ])
  const fo = yield* failover.serve("dave")
  yield* Console.log(`failover: ${JSON.stringify(fo.value)} served by ${fo.servedBy._tag === "Fallback" ? fo.servedBy.name : "openai"}`)
})

Effect.runPromise(program).catch((e) => {
  console.error(e)
  process.exitCode = 1
})
