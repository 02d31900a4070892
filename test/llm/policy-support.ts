/**
 * Shared fixtures of the LLM policy tests that run real sockets under the
 * TestClock: a POST through the platform HttpClient, and `settle`, which runs
 * a fiber to its end by moving the TestClock to each pending sleep (a retry's
 * delay) and otherwise yielding to the event loop so socket I/O can progress.
 * No wall-clock sleep: simulated time only moves to sleeps that are due.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Chunk, Effect, Fiber, TestClock } from "effect"

/** POST a Responses-API body to the fake OpenAI server; non-2xx is an HttpClientError. */
export const post = (url: string, apiKey: string) =>
  Effect.flatMap(HttpClient.HttpClient, (client) =>
    HttpClient.filterStatusOk(client).execute(
      HttpClientRequest.post(`${url}/responses`).pipe(
        HttpClientRequest.bearerToken(apiKey),
        HttpClientRequest.bodyUnsafeJson({ model: "gpt-4o-mini", input: "hi" })
      )
    ))

const ioTurn = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

/** Runs `fiber` to its end under the TestClock (see the module doc). */
export const settle = <A, E>(fiber: Fiber.RuntimeFiber<A, E>): Effect.Effect<A, E> =>
  Effect.gen(function*() {
    for (;;) {
      const done = yield* Fiber.poll(fiber)
      if (done._tag === "Some") return yield* Fiber.join(fiber)
      const sleeps = yield* TestClock.sleeps()
      if (Chunk.isNonEmpty(sleeps)) {
        const now = yield* TestClock.currentTimeMillis
        const due = Math.min(...Chunk.toReadonlyArray(sleeps))
        yield* TestClock.adjust(Math.max(1, due - now))
      } else {
        yield* ioTurn
      }
    }
  })
