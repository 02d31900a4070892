/**
 * One circuit per host: two local HTTP servers, one of which starts answering
 * 503. Its circuit opens and its requests are rejected without being sent,
 * while the other host keeps serving through its own, closed, circuit.
 *
 * Run it: `npx tsx examples/http-per-host.ts`
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { Console, Duration, Effect } from "effect"
import * as Http from "node:http"
import type * as Net from "node:net"
import { TripPolicy } from "effect-breaker"
import { HttpBreakers } from "effect-breaker/http"

/** A local server answering every request with `status()`; counts the requests it receives. */
const server = (status: () => number) =>
  Effect.acquireRelease(
    Effect.async<{ readonly url: string; readonly received: () => number; readonly server: Http.Server }>((resume) => {
      let received = 0
      const s = Http.createServer((_req, res) => {
        received++
        res.writeHead(status(), { "content-type": "text/plain" }).end("hello")
      })
      s.listen(0, "127.0.0.1", () => {
        const { port } = s.address() as Net.AddressInfo
        resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, received: () => received, server: s }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )

/** What the example did: one line per step, and how many requests each server really received. */
export interface Report {
  readonly lines: ReadonlyArray<string>
  readonly received: { readonly payments: number; readonly search: number }
  readonly states: Readonly<Record<string, string>>
}

export const program = (print: (line: string) => Effect.Effect<void> = Console.log) =>
  Effect.scoped(Effect.gen(function*() {
    const lines: Array<string> = []
    const say = (line: string) => Effect.zipRight(Effect.sync(() => lines.push(line)), print(line))

    let paymentsDown = false
    const payments = yield* server(() => paymentsDown ? 503 : 200)
    const search = yield* server(() => 200)

    // A breaker per host, made on the first request to it: 3 failures in a row open it for 30 s.
    const breakers = yield* HttpBreakers.make({
      breaker: { policy: TripPolicy.consecutiveFailures(3), openDuration: "30 seconds" }
    })
    const client = (yield* HttpClient.HttpClient).pipe(
      HttpClient.transformResponse(Effect.timeout("2 seconds")), // inside: a hanging host counts as failing
      HttpBreakers.protect(breakers)
    )

    const call = (name: string, base: string) =>
      client.execute(HttpClientRequest.get(`${base}/`)).pipe(
        Effect.map((response) => `${response.status}`),
        Effect.catchTags({
          CircuitOpenError: (e) => Effect.succeed(`rejected, not sent (${e.state}, retry in ${Duration.format(e.retryAfter)})`),
          RequestError: (e) => Effect.succeed(`request failed: ${e.reason}`),
          TimeoutException: () => Effect.succeed("timed out")
        }),
        Effect.flatMap((result) => say(`  ${name.padEnd(8)} → ${result}`))
      )

    yield* say("Both hosts healthy:")
    yield* call("payments", payments.url)
    yield* call("search", search.url)

    yield* say("payments starts answering 503 (the responses still reach the caller, and count):")
    paymentsDown = true
    for (let i = 0; i < 3; i++) yield* call("payments", payments.url)

    yield* say("payments' circuit is open; search's is not:")
    yield* call("payments", payments.url)
    yield* call("payments", payments.url)
    yield* call("search", search.url)
    yield* call("search", search.url)

    const states: Record<string, string> = {}
    for (const s of yield* breakers.stats) {
      states[s.breaker] = s.state
      const host = s.breaker.endsWith(new URL(payments.url).host) ? "payments" : "search"
      yield* say(`  ${s.breaker} (${host}): ${s.state}, opened ${s.openings}×, ${s.rejected} rejected`)
    }
    const received = { payments: payments.received(), search: search.received() }
    yield* say(`Requests received: payments ${received.payments} (of 6 attempted), search ${received.search} (of 3)`)
    return { lines, received, states } satisfies Report
  })).pipe(Effect.provide(NodeHttpClient.layerUndici))

if (import.meta.url === `file://${process.argv[1]}`) {
  Effect.runPromise(program())
}
