import * as HttpServer from "@effect/platform/HttpServer"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Layer, Logger, Redacted } from "effect"
import * as Admin from "effect-breaker/admin"
import { BreakerRegistry } from "effect-breaker"

const token = "adm1n-T0KEN-that-must-never-leak"

const registryLayer = BreakerRegistry.layer({
  breakers: { "openai/gpt-4o": { preset: "aggressive" }, anthropic: { policy: { _tag: "ConsecutiveFailures", threshold: 2 } } }
})

interface Answer {
  readonly status: number
  readonly type: string | null
  readonly text: string
  readonly body: any
}

/**
 * Starts the admin API on an ephemeral port of 127.0.0.1, with every Effect log
 * line captured, and hands back a request function and everything seen so far.
 */
const start = (options: Partial<Admin.Options> = {}) =>
  Effect.gen(function*() {
    const logs: Array<string> = []
    const capture = Logger.make((entry) => {
      logs.push(JSON.stringify({
        message: entry.message,
        annotations: Object.fromEntries(entry.annotations),
        cause: String(entry.cause)
      }))
    })
    const layer = Admin.layer({ token: Redacted.make(token), port: 0, ...options }).pipe(
      Layer.provideMerge(registryLayer)
    )
    const ctx = yield* Layer.build(layer).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, capture)))
    const address = Context.get(ctx, HttpServer.HttpServer).address
    if (address._tag !== "TcpAddress") return yield* Effect.die("expected a TCP address")
    const registry = Context.get(ctx, BreakerRegistry.BreakerRegistry)
    const answers: Array<string> = []
    const request = (method: string, path: string, init: { auth?: string; body?: string } = {}) =>
      Effect.promise(async (): Promise<Answer> => {
        const headers: Record<string, string> = {}
        if (init.auth !== undefined) headers.authorization = init.auth
        if (init.body !== undefined) headers["content-type"] = "application/json"
        const response = await fetch(`http://127.0.0.1:${address.port}${path}`, {
          method,
          headers,
          ...(init.body === undefined ? {} : { body: init.body })
        })
        const text = await response.text()
        answers.push(JSON.stringify([...response.headers]) + text)
        let body: unknown = undefined
        try {
          body = JSON.parse(text)
        } catch {
          body = undefined
        }
        return { status: response.status, type: response.headers.get("content-type"), text, body }
      })
    return { address, registry, request, logs, answers }
  })

const bearer = `Bearer ${token}`

describe("admin API against a real server on 127.0.0.1", () => {
  it.scopedLive("binds 127.0.0.1 by default and lists every breaker with health, stats and settings", () =>
    Effect.gen(function*() {
      const { address, request } = yield* start()
      assert.strictEqual(address.hostname, "127.0.0.1")
      const list = yield* request("GET", "/breakers")
      assert.strictEqual(list.status, 200)
      assert.include(list.type, "application/json")
      assert.deepStrictEqual(list.body.breakers.map((b: any) => b.name), ["openai/gpt-4o", "anthropic"])
      assert.strictEqual(list.body.breakers[0].status, "healthy")
      assert.strictEqual(list.body.breakers[0].stats.state, "Closed")
      assert.strictEqual(list.body.breakers[0].settings.preset, "aggressive")
      const one = yield* request("GET", "/breakers/openai%2Fgpt-4o")
      assert.strictEqual(one.status, 200)
      assert.strictEqual(one.body.name, "openai/gpt-4o")
      const missing = yield* request("GET", "/breakers/nope")
      assert.strictEqual(missing.status, 404)
      assert.strictEqual(missing.body.error, "not_found")
      const route = yield* request("GET", "/nowhere")
      assert.strictEqual(route.status, 404)
      assert.strictEqual(route.body.error, "not_found")
    }))

  it.scopedLive("state changes need the bearer token: missing, wrong or malformed → 401 and nothing changes", () =>
    Effect.gen(function*() {
      const { registry, request } = yield* start()
      for (
        const auth of [undefined, "Bearer wrong-token-wrong-token", `Basic ${token}`, token, `Bearer ${token}x`, "Bearer "]
      ) {
        const answer = yield* request("POST", "/breakers/anthropic/force-open", auth === undefined ? {} : { auth })
        assert.strictEqual(answer.status, 401, `auth ${auth}`)
        assert.strictEqual(answer.body.error, "unauthorized")
      }
      const breaker = yield* registry.get("anthropic")
      assert.strictEqual((yield* breaker.stats).state, "Closed")
    }))

  it.scopedLive("force-open rejects calls and fails /health with 503; reset brings it back", () =>
    Effect.gen(function*() {
      const { registry, request } = yield* start()
      const breaker = yield* registry.get("anthropic")
      const opened = yield* request("POST", "/breakers/anthropic/force-open", {
        auth: bearer,
        body: JSON.stringify({ reason: "incident 42" })
      })
      assert.strictEqual(opened.status, 200)
      assert.strictEqual(opened.body.action, "force-open")
      assert.strictEqual(opened.body.stats.state, "ForcedOpen")
      assert.strictEqual(opened.body.status, "failed")
      assert.isNull(opened.body.stats.retryAfterMs, "Infinity is written as null")
      assert.strictEqual((yield* Effect.flip(breaker(Effect.succeed(1))))._tag, "CircuitOpenError")
      const health = yield* request("GET", "/health")
      assert.strictEqual(health.status, 503)
      assert.strictEqual(health.body.status, "failed")
      assert.strictEqual(health.body.breakers[1].stats.state, "ForcedOpen")
      const reset = yield* request("POST", "/breakers/anthropic/reset", { auth: bearer })
      assert.strictEqual(reset.status, 200)
      assert.strictEqual(reset.body.stats.state, "Closed")
      assert.strictEqual(yield* breaker(Effect.succeed(1)), 1)
      assert.strictEqual((yield* request("GET", "/health")).status, 200)
    }))

  it.scopedLive("disable, metrics-only and force-close reach the breaker; a real trip shows in health", () =>
    Effect.gen(function*() {
      const { registry, request } = yield* start()
      const breaker = yield* registry.get("openai/gpt-4o")
      const steps: Array<[string, string]> = [["disable", "Disabled"], ["metrics-only", "MetricsOnly"], [
        "force-close",
        "Closed"
      ]]
      for (const [action, state] of steps) {
        const answer = yield* request("POST", `/breakers/openai%2Fgpt-4o/${action}`, { auth: bearer })
        assert.strictEqual(answer.status, 200, action)
        assert.strictEqual((yield* breaker.stats).state, state)
      }
      const anthropic = yield* registry.get("anthropic")
      yield* Effect.ignore(anthropic(Effect.fail("down")))
      yield* Effect.ignore(anthropic(Effect.fail("down")))
      const health = yield* request("GET", "/health")
      assert.strictEqual(health.status, 503)
      assert.strictEqual(health.body.breakers[1].status, "failed")
      assert.isAbove(health.body.breakers[1].stats.retryAfterMs, 0)
    }))

  it.scopedLive("malformed requests are 400, unknown breakers 404, all JSON", () =>
    Effect.gen(function*() {
      const { request } = yield* start()
      const unknownAction = yield* request("POST", "/breakers/anthropic/explode", { auth: bearer })
      assert.strictEqual(unknownAction.status, 400)
      assert.include(unknownAction.body.message, "force-open")
      for (const body of ["{not json", "[1]", "\"text\"", "{\"reason\": 5}", JSON.stringify({ reason: "x".repeat(600) })]) {
        const answer = yield* request("POST", "/breakers/anthropic/force-open", { auth: bearer, body })
        assert.strictEqual(answer.status, 400, body)
        assert.strictEqual(answer.body.error, "bad_request")
      }
      const huge = yield* request("POST", "/breakers/anthropic/force-open", {
        auth: bearer,
        body: JSON.stringify({ reason: "x".repeat(10_000) })
      })
      assert.strictEqual(huge.status, 413)
      assert.strictEqual(huge.body.error, "payload_too_large")
      const unknown = yield* request("POST", "/breakers/nope/force-open", { auth: bearer })
      assert.strictEqual(unknown.status, 404)
      assert.strictEqual(unknown.body.breaker, "nope")
    }))

  it.scopedLive("the token never appears in an answer or a log line; the audit log names breaker, action, reason", () =>
    Effect.gen(function*() {
      const { answers, logs, request } = yield* start()
      yield* request("POST", "/breakers/anthropic/force-open", { auth: bearer, body: "{\"reason\":\"drill\"}" })
      yield* request("POST", "/breakers/anthropic/reset", { auth: `Bearer ${token}-wrong` })
      yield* request("POST", "/breakers/anthropic/explode", { auth: bearer })
      yield* request("POST", "/breakers/anthropic/force-open", { auth: bearer, body: `{"reason": ${token}` })
      yield* request("GET", "/breakers")
      yield* request("GET", "/health")
      const audit = logs.find((l) => l.includes("changed by an operator"))
      assert.isDefined(audit)
      assert.include(audit!, "\"breaker\":\"anthropic\"")
      assert.include(audit!, "\"action\":\"force-open\"")
      assert.include(audit!, "\"reason\":\"drill\"")
      assert.isAbove(answers.length, 5)
      for (const line of [...answers, ...logs]) assert.notInclude(line, "T0KEN")
    }))

  it.scopedLive("an operator's reason quoting the admin token, or a provider key, reaches the audit log without it", () =>
    Effect.gen(function*() {
      const { logs, request } = yield* start()
      const reasons = [
        `pasted ${token} by mistake`,
        `curl -H 'authorization: Bearer ${encodeURIComponent(token)}'`,
        `b64 ${Buffer.from(`admin:${token}`).toString("base64")}`,
        "key sk-proj-Abc0123456789defGHIjkl012345 leaked"
      ]
      for (const reason of reasons) {
        yield* request("POST", "/breakers/anthropic/force-open", { auth: bearer, body: JSON.stringify({ reason }) })
      }
      const audits = logs.filter((l) => l.includes("changed by an operator"))
      assert.strictEqual(audits.length, reasons.length)
      for (const line of audits) {
        assert.notInclude(line, token.slice(-12))
        assert.notInclude(line, "0123456789defGHIjkl012345")
        assert.include(line, "<redacted>")
      }
    }))

  it.scopedLive("/metrics serves the program's text, 404 without a source, 500 when it fails", () =>
    Effect.gen(function*() {
      const withMetrics = yield* start({ metrics: Effect.succeed("# TYPE breaker_calls_total counter\n") })
      const ok = yield* withMetrics.request("GET", "/metrics")
      assert.strictEqual(ok.status, 200)
      assert.include(ok.type, "text/plain")
      assert.strictEqual(ok.text, "# TYPE breaker_calls_total counter\n")
      const without = yield* start()
      assert.strictEqual((yield* without.request("GET", "/metrics")).status, 404)
      const failing = yield* start({ metrics: Effect.fail(new Error(`exporter down ${token}`)) })
      const failed = yield* failing.request("GET", "/metrics")
      assert.strictEqual(failed.status, 500)
      assert.notInclude(failed.text, token)
    }))

  it.scopedLive("a short or empty token fails the layer with InvalidOptionError that does not show it", () =>
    Effect.gen(function*() {
      for (const t of ["", "short-secret"]) {
        const error = yield* Layer.build(
          Admin.layer({ token: Redacted.make(t), port: 0 }).pipe(Layer.provide(registryLayer))
        ).pipe(Effect.flip)
        assert.strictEqual(error._tag, "InvalidOptionError")
        if (t.length > 0) assert.notInclude(error.message, t)
      }
    }))

  it.scopedLive("layerConfig reads BREAKER_ADMIN_TOKEN / PORT / HOST from Config", () =>
    Effect.gen(function*() {
      const provider = ConfigProvider.fromMap(new Map([["BREAKER_ADMIN_TOKEN", token], ["BREAKER_ADMIN_PORT", "0"]]))
      const ctx = yield* Layer.build(Admin.layerConfig().pipe(Layer.provide(registryLayer))).pipe(
        Effect.withConfigProvider(provider)
      )
      const address = Context.get(ctx, HttpServer.HttpServer).address
      assert.strictEqual(address._tag === "TcpAddress" && address.hostname, "127.0.0.1")
      const port = address._tag === "TcpAddress" ? address.port : 0
      const answer = yield* Effect.promise(() =>
        fetch(`http://127.0.0.1:${port}/breakers/anthropic/force-open`, {
          method: "POST",
          headers: { authorization: bearer }
        })
      )
      assert.strictEqual(answer.status, 200)
      const missing = yield* Layer.build(Admin.layerConfig().pipe(Layer.provide(registryLayer))).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map())),
        Effect.flip
      )
      assert.include(String(missing), "BREAKER_ADMIN_TOKEN")
    }))
})
