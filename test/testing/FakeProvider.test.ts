import { HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Behavior, FakeProvider } from "effect-breaker/testing"

const status = (url: string, body: unknown = { model: "m-1", input: "x" }) =>
  HttpClient.HttpClient.pipe(
    Effect.flatMap((client) => client.execute(HttpClientRequest.post(url).pipe(HttpClientRequest.bodyUnsafeJson(body)))),
    Effect.map((r) => r.status),
    Effect.scoped,
    Effect.provide(NodeHttpClient.layerUndici)
  )

describe("FakeProvider", () => {
  it.scopedLive("a timeline of request-count phases, restarted by setBehavior", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.make({
        flavor: "anthropic",
        behavior: Behavior.timeline([
          { requests: 2, behavior: Behavior.ok() },
          { requests: 3, behavior: Behavior.overloaded },
          { behavior: Behavior.ok("recovered") }
        ])
      })
      const url = `${fake.url}/v1/messages`
      const seen: Array<number> = []
      for (let i = 0; i < 7; i++) seen.push(yield* status(url))
      expect(seen).toEqual([200, 200, 529, 529, 529, 200, 200])
      yield* fake.setBehavior(Behavior.timeline([{ requests: 1, behavior: Behavior.unauthorized }, { behavior: Behavior.ok() }]))
      expect([yield* status(url), yield* status(url)]).toEqual([401, 200])
      expect(yield* fake.counts).toEqual({ Ok: 5, Overloaded: 3, Unauthorized: 1 })
    }))

  it.scopedLive("a timeline phase by duration uses the provider's clock", () =>
    Effect.gen(function*() {
      let now = 1_000
      const fake = yield* FakeProvider.make({
        flavor: "openai",
        clock: () => now,
        behavior: Behavior.timeline([{ duration: "10 seconds", behavior: Behavior.unavailable }, { behavior: Behavior.ok() }])
      })
      const url = `${fake.url}/responses`
      expect(yield* status(url)).toBe(503)
      now += 9_999
      expect(yield* status(url)).toBe(503)
      now += 1
      expect(yield* status(url)).toBe(200)
    }))

  it.scopedLive("dynamic behaviours see the index and the parsed body; the log is bounded and keeps the model", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.make({
        flavor: "openai",
        logLimit: 3,
        behavior: Behavior.dynamic((req) =>
          req.model === "bad" ? Behavior.invalidRequest("not_found") : req.index % 2 === 0 ? Behavior.ok() : Behavior.serverError(500)
        )
      })
      const url = `${fake.url}/responses`
      const seen = [
        yield* status(url),
        yield* status(url),
        yield* status(url, { model: "bad" }),
        yield* status(url),
        yield* status(`${fake.baseUrl}/v1/chat/completions`)
      ]
      expect(seen).toEqual([200, 500, 404, 500, 404])
      const log = yield* fake.log
      expect(log.map((e) => e.index)).toEqual([2, 3, 4])
      expect(log[0]).toMatchObject({ model: "bad", outcome: "InvalidRequest", hasAuth: false, path: "/v1/responses" })
      expect(log[2]).toMatchObject({ path: "/v1/chat/completions", outcome: "InvalidRequest" })
      expect(yield* fake.requests).toBe(5)
    }))

  it.scopedLive("delay answers later with the inner behaviour and counts it by that behaviour", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.make({ flavor: "openai", behavior: Behavior.delay("30 millis", Behavior.serverError(502)) })
      expect(yield* status(`${fake.url}/responses`)).toBe(502)
      expect(yield* fake.counts).toEqual({ ServerError: 1 })
    }))

  it.live("closing the scope ends hanging requests instead of keeping them open", () =>
    Effect.gen(function*() {
      const result = yield* Effect.gen(function*() {
        const fake = yield* FakeProvider.make({ flavor: "openai", behavior: Behavior.hang })
        const fiber = yield* Effect.fork(Effect.either(status(`${fake.url}/responses`)))
        // wait until the server has the request, by polling its counter (no sleeps)
        while ((yield* fake.requests) === 0) yield* Effect.yieldNow()
        return fiber
      }).pipe(Effect.scoped)
      const outcome = yield* result.await
      expect(outcome._tag).toBe("Success")
      if (outcome._tag === "Success") expect(outcome.value._tag).toBe("Left")
    }))

  it.scopedLive("the layer form provides the service", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.FakeProvider
      expect(fake.url).toBe(`http://127.0.0.1:${fake.port}/v1`)
      expect(yield* status(`${fake.url}/responses`)).toBe(200)
    }).pipe(Effect.provide(Layer.fresh(FakeProvider.layer({ flavor: "openai" })))))
})
