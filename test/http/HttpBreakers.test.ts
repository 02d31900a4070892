import { HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Option } from "effect"
import { CircuitOpenError, InvalidOptionError, TripPolicy } from "effect-breaker"
import { byHost, byHostAndPath, HttpBreakers, hostOf } from "effect-breaker/http"
import { Behavior, FakeProvider } from "effect-breaker/testing"

const SECRET = "sk-test-SECRET0123456789abcdef"

/** A real fake-provider server on 127.0.0.1 (OpenAI flavor: POST /v1/responses). */
const server = (behavior: Behavior.Behavior) => FakeProvider.make({ flavor: "openai", behavior })

const post = (base: string, path = "/v1/responses") =>
  HttpClientRequest.post(`${base}${path}`).pipe(
    HttpClientRequest.bearerToken(SECRET),
    HttpClientRequest.bodyUnsafeJson({ model: "gpt-4o-mini", input: "hi" })
  )

const threeStrikes = { policy: TripPolicy.consecutiveFailures(3), openDuration: "30 seconds" } as const

/** The real platform client (undici), protected by `breakers`. */
const protectedClient = (breakers: HttpBreakers.Service) =>
  Effect.map(HttpClient.HttpClient, (client) => client.pipe(HttpBreakers.protect(breakers)))

const statusOf = <E>(exit: Exit.Exit<{ readonly status: number }, E>) =>
  Exit.isSuccess(exit) ? exit.value.status : Cause.squash(exit.cause)

describe("keys", () => {
  it("hostOf keeps host and port, lower-cases, drops user info, query and fragment", () => {
    assert.strictEqual(hostOf("https://API.openai.com/v1/responses?x=1"), "api.openai.com")
    assert.strictEqual(hostOf("http://127.0.0.1:8080"), "127.0.0.1:8080")
    assert.strictEqual(hostOf(`http://user:${SECRET}@127.0.0.1:9/x@y`), "127.0.0.1:9")
    assert.strictEqual(hostOf("http://h.example?q=a/b"), "h.example")
    assert.strictEqual(hostOf("http://h.example#frag/x"), "h.example")
    assert.strictEqual(hostOf("/relative/path"), "")
  })

  it("byHostAndPath takes the first n path segments", () => {
    const key = byHostAndPath(2)
    const at = (url: string) => key(HttpClientRequest.get(url))
    assert.strictEqual(at("https://api.example.com/v1/chat/completions?x=1"), "api.example.com/v1/chat")
    assert.strictEqual(at("https://api.example.com/v1"), "api.example.com/v1")
    assert.strictEqual(at("https://api.example.com/v1?a=/b/c"), "api.example.com/v1")
    assert.strictEqual(at("https://api.example.com"), "api.example.com")
    assert.strictEqual(byHost(HttpClientRequest.get("https://a.example:8443/x")), "a.example:8443")
  })
})

describe("HttpBreakers without sockets", () => {
  it.effect("breakers are made lazily, named after their key, and bounded by maxKeys (least recently used forgotten)", () =>
    Effect.gen(function*() {
      const breakers = yield* HttpBreakers.make({ maxKeys: 2 })
      assert.deepStrictEqual(yield* breakers.breakers, [])
      const a = yield* breakers.breakerFor("a.example")
      assert.strictEqual(a.name, "http:a.example")
      assert.strictEqual(yield* breakers.breakerFor("a.example"), a)
      yield* breakers.breakerFor("b.example")
      yield* breakers.breakerFor("a.example") // a is now the most recent
      yield* breakers.breakerFor("c.example") // evicts b
      assert.deepStrictEqual((yield* breakers.breakers).map(([k]) => k), ["a.example", "c.example"])
      assert.isTrue(Option.isNone(yield* breakers.get("b.example")))
      assert.strictEqual(Option.getOrThrow(yield* breakers.get("a.example")), a)
      assert.deepStrictEqual((yield* breakers.stats).map((s) => s.breaker), ["http:a.example", "http:c.example"])
    }))

  it.effect("bad options fail with InvalidOptionError naming the option", () =>
    Effect.gen(function*() {
      const cases = [
        [{ maxKeys: 0 }, "maxKeys"],
        [{ maxKeys: 1.5 }, "maxKeys"],
        [{ namePrefix: "" }, "namePrefix"],
        // a blank prefix and a blank key would make a name `make` refuses, on a request: refused up front
        [{ namePrefix: " ", key: () => " " }, "namePrefix"],
        [{ namePrefix: "\u200b" }, "namePrefix"],
        [{ breaker: { policy: TripPolicy.consecutiveFailures(0) } }, "breaker.policy"]
      ] as const
      for (const [options, option] of cases) {
        const error = yield* Effect.flip(HttpBreakers.make(options))
        assert.instanceOf(error, InvalidOptionError)
        assert.isTrue(error.option.startsWith(option), `${error.option} starts with ${option}`)
      }
    }))
})

describe("HttpBreakers against real servers on 127.0.0.1", () => {
  it.scopedLive("two hosts: 503s open only the failing host's circuit; the other keeps serving", () =>
    Effect.gen(function*() {
      const failing = yield* server(Behavior.unavailable)
      const healthy = yield* server(Behavior.ok("fine"))
      const breakers = yield* HttpBreakers.make({ breaker: threeStrikes })
      const client = yield* protectedClient(breakers)

      // no filterStatusOk: the 503 responses come back to the caller, and still count
      for (let i = 0; i < 3; i++) {
        assert.strictEqual(statusOf(yield* Effect.exit(client.execute(post(failing.baseUrl)))), 503)
        assert.strictEqual(statusOf(yield* Effect.exit(client.execute(post(healthy.baseUrl)))), 200)
      }
      const rejected = yield* Effect.flip(client.execute(post(failing.baseUrl)))
      assert.instanceOf(rejected, CircuitOpenError)
      assert.strictEqual((rejected as CircuitOpenError).breaker, `http:127.0.0.1:${failing.port}`)
      assert.strictEqual(yield* failing.requests, 3) // the rejected request never reached the server

      assert.strictEqual(statusOf(yield* Effect.exit(client.execute(post(healthy.baseUrl)))), 200)
      assert.strictEqual(yield* healthy.requests, 4)

      const stats = yield* breakers.stats
      const byName = Object.fromEntries(stats.map((s) => [s.breaker, s]))
      assert.strictEqual(byName[`http:127.0.0.1:${failing.port}`]?.state, "Open")
      assert.strictEqual(byName[`http:127.0.0.1:${failing.port}`]?.rejected, 1)
      assert.strictEqual(byName[`http:127.0.0.1:${healthy.port}`]?.state, "Closed")
      assert.strictEqual(byName[`http:127.0.0.1:${healthy.port}`]?.calls, 4)
      // secrets: nothing we produce carries the bearer token
      assert.notInclude(JSON.stringify(stats), SECRET)
      assert.notInclude(`${(rejected as CircuitOpenError).message} ${JSON.stringify(rejected)}`, SECRET)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("429 is back-pressure: it never trips the circuit", () =>
    Effect.gen(function*() {
      const limited = yield* server(Behavior.rateLimited({ retryAfter: "1 second" }))
      const breakers = yield* HttpBreakers.make({ breaker: threeStrikes })
      const client = yield* protectedClient(breakers)
      for (let i = 0; i < 6; i++) {
        assert.strictEqual(statusOf(yield* Effect.exit(client.execute(post(limited.baseUrl)))), 429)
      }
      assert.strictEqual(yield* limited.requests, 6)
      const [stats] = yield* breakers.stats
      assert.strictEqual(stats?.state, "Closed")
      assert.strictEqual(stats?.failures, 0)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("filterStatusOk before or after protect: the same outcome (5xx fail, 4xx ignored)", () =>
    Effect.gen(function*() {
      const failing = yield* server(Behavior.serverError(500))
      const invalid = yield* server(Behavior.invalidRequest("invalid"))
      const breakers = yield* HttpBreakers.make({ breaker: threeStrikes })
      const base = yield* HttpClient.HttpClient
      const filteredInside = base.pipe(HttpClient.filterStatusOk, HttpBreakers.protect(breakers))
      const filteredOutside = base.pipe(HttpBreakers.protect(breakers), HttpClient.filterStatusOk)
      for (const client of [filteredInside, filteredOutside]) {
        for (let i = 0; i < 4; i++) {
          const error = yield* Effect.flip(client.execute(post(invalid.baseUrl)))
          assert.strictEqual(error._tag, "ResponseError")
        }
      }
      assert.strictEqual((yield* breakers.stats).find((s) => s.breaker.endsWith(`:${invalid.port}`))?.state, "Closed")
      yield* Effect.flip(filteredInside.execute(post(failing.baseUrl)))
      yield* Effect.flip(filteredOutside.execute(post(failing.baseUrl)))
      yield* Effect.flip(filteredInside.execute(post(failing.baseUrl)))
      assert.instanceOf(yield* Effect.flip(filteredOutside.execute(post(failing.baseUrl))), CircuitOpenError)
      assert.strictEqual(yield* failing.requests, 3)
      assert.strictEqual(yield* invalid.requests, 8)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("a hanging host, with Effect.timeout inside the breaker, is recorded as failing", () =>
    Effect.gen(function*() {
      const hanging = yield* server(Behavior.hang)
      const breakers = yield* HttpBreakers.make({ breaker: { policy: TripPolicy.consecutiveFailures(2) } })
      const client = (yield* HttpClient.HttpClient).pipe(
        HttpClient.transformResponse(Effect.timeout("150 millis")),
        HttpBreakers.protect(breakers)
      )
      for (let i = 0; i < 2; i++) {
        const error = yield* Effect.flip(client.execute(post(hanging.baseUrl)))
        assert.isTrue(Cause.isTimeoutException(error))
      }
      assert.instanceOf(yield* Effect.flip(client.execute(post(hanging.baseUrl))), CircuitOpenError)
      assert.strictEqual(yield* hanging.requests, 2)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("connection refused is a failure; a key per host+path separates circuits on one host", () =>
    Effect.gen(function*() {
      const port = yield* FakeProvider.closedPort
      const up = yield* server(Behavior.ok())
      const breakers = yield* HttpBreakers.make({ breaker: { policy: TripPolicy.consecutiveFailures(2) }, key: byHostAndPath(1) })
      const client = yield* protectedClient(breakers)
      const refused = `http://127.0.0.1:${port}`
      for (let i = 0; i < 2; i++) {
        const error = yield* Effect.flip(client.execute(post(refused, "/a/x")))
        assert.strictEqual(error._tag, "RequestError")
      }
      assert.instanceOf(yield* Effect.flip(client.execute(post(refused, "/a/y"))), CircuitOpenError)
      // same host, another first segment: its own circuit, still closed (and the request is sent)
      const other = yield* Effect.flip(client.execute(post(refused, "/b/x")))
      assert.strictEqual(other._tag, "RequestError")
      const keys = (yield* breakers.breakers).map(([k]) => k)
      assert.deepStrictEqual(keys, [`127.0.0.1:${port}/a`, `127.0.0.1:${port}/b`])
      assert.strictEqual(statusOf(yield* Effect.exit(client.execute(post(up.baseUrl)))), 200)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it.scopedLive("the layer provides the breakers as a service; HttpBreakers.client protects the HttpClient in context", () =>
    Effect.gen(function*() {
      const failing = yield* server(Behavior.unavailable)
      const client = yield* HttpBreakers.client
      for (let i = 0; i < 3; i++) yield* Effect.exit(client.execute(post(failing.baseUrl)))
      assert.instanceOf(yield* Effect.flip(client.execute(post(failing.baseUrl))), CircuitOpenError)
      const service = yield* HttpBreakers.HttpBreakers
      assert.strictEqual((yield* service.stats)[0]?.state, "Open")
      // user info in a URL never reaches a breaker's name
      yield* Effect.exit(client.execute(post(`http://user:${SECRET}@127.0.0.1:${failing.port}`)))
      assert.notInclude(JSON.stringify(yield* service.stats), SECRET)
    }).pipe(
      Effect.provide(HttpBreakers.layer({ breaker: threeStrikes })),
      Effect.provide(NodeHttpClient.layerUndici)
    ))
})
