/**
 * Issue 9 finding 8: the admin API over real HTTP on 127.0.0.1 (node:http
 * client and raw sockets): a chunked body over the limit answers 413 on a
 * connection that stays usable; a known path with a method it does not serve
 * answers 405 with `Allow` (RFC 9110 §15.5.6); a Host header that is not a
 * loopback name, an IP literal or an allowed name (DNS rebinding) answers 421.
 */
import * as HttpServer from "@effect/platform/HttpServer"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Logger, Redacted } from "effect"
import { BreakerRegistry } from "effect-breaker"
import * as Admin from "effect-breaker/admin"
import * as Http from "node:http"
import * as Net from "node:net"

const token = "adm1n-T0KEN-that-must-never-leak"
const bearer = `Bearer ${token}`

const start = (options: Partial<Admin.Options> = {}) =>
  Effect.gen(function*() {
    const layer = Admin.layer({ token: Redacted.make(token), port: 0, ...options }).pipe(
      Layer.provideMerge(BreakerRegistry.layer({ breakers: { anthropic: {} } }))
    )
    const ctx = yield* Layer.build(layer)
    const address = Context.get(ctx, HttpServer.HttpServer).address
    if (address._tag !== "TcpAddress") return yield* Effect.die("expected a TCP address")
    return { port: address.port, registry: Context.get(ctx, BreakerRegistry.BreakerRegistry) }
  })

interface Reply {
  readonly status: number
  readonly headers: Http.IncomingHttpHeaders
  readonly body: any
  readonly socketReused: boolean
}

/** One request with node:http over `agent` (keep-alive), optionally with a chunked body written in pieces. */
const send = (
  port: number,
  agent: Http.Agent,
  options: { method: string; path: string; headers?: Record<string, string>; chunks?: ReadonlyArray<string> }
) =>
  Effect.async<Reply, Error>((resume) => {
    const req = Http.request({ host: "127.0.0.1", port, method: options.method, path: options.path, agent, headers: options.headers })
    req.on("response", (res) => {
      let text = ""
      res.setEncoding("utf8")
      res.on("data", (c: string) => (text += c))
      res.on("end", () => {
        let body: unknown = text
        try {
          body = JSON.parse(text)
        } catch {
          // not JSON
        }
        resume(Effect.succeed({ status: res.statusCode ?? 0, headers: res.headers, body, socketReused: req.reusedSocket }))
      })
    })
    req.on("error", (e) => resume(Effect.fail(e)))
    if (options.chunks !== undefined) {
      req.setHeader("transfer-encoding", "chunked")
      for (const chunk of options.chunks) req.write(chunk)
    }
    req.end()
  })

/** Raw bytes over a socket: for Host headers node:http would not send as given. */
const raw = (port: number, text: string) =>
  Effect.async<string, Error>((resume) => {
    const socket = Net.connect(port, "127.0.0.1", () => socket.end(text))
    let out = ""
    socket.setEncoding("utf8")
    socket.on("data", (d: string) => (out += d))
    socket.on("end", () => resume(Effect.succeed(out)))
    socket.on("error", (e) => resume(Effect.fail(e)))
  })

const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0)

describe("admin API HTTP conformance (real server on 127.0.0.1)", () => {
  it.scopedLive("a chunked body over 4 KiB answers 413, nothing changes, and the connection stays usable", () =>
    Effect.gen(function*() {
      const { port, registry } = yield* start()
      const agent = new Http.Agent({ keepAlive: true, maxSockets: 1 })
      yield* Effect.addFinalizer(() => Effect.sync(() => agent.destroy()))
      const chunks = Array.from({ length: 16 }, () => "x".repeat(1024))
      const big = yield* send(port, agent, {
        method: "POST",
        path: "/breakers/anthropic/force-open",
        headers: { authorization: bearer, "content-type": "application/json" },
        chunks: [`{"reason":"`, ...chunks, `"}`]
      })
      assert.strictEqual(big.status, 413)
      assert.strictEqual(big.body.error, "payload_too_large")
      assert.strictEqual((yield* registry.entry("anthropic")!.breaker.stats).state, "Closed")
      // the same connection answers the next request
      const next = yield* send(port, agent, { method: "GET", path: "/breakers/anthropic" })
      assert.strictEqual(next.status, 200)
      assert.isTrue(next.socketReused)
      // a chunked body within the limit is read
      const small = yield* send(port, agent, {
        method: "POST",
        path: "/breakers/anthropic/force-open",
        headers: { authorization: bearer },
        chunks: [`{"reason":`, `"incident 42"}`]
      })
      assert.strictEqual(small.status, 200)
      assert.strictEqual((yield* registry.entry("anthropic")!.breaker.stats).state, "ForcedOpen")
    }))

  it.scopedLive("a chunked body of 8 MiB: 413 as soon as it passes 4 KiB; the rest is discarded and the same connection answers the next request", () =>
    Effect.gen(function*() {
      const { port, registry } = yield* start()
      const answers = yield* Effect.async<string, Error>((resume) => {
        const socket = Net.connect(port, "127.0.0.1", () => {
          socket.write(
            `POST /breakers/anthropic/force-open HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${bearer}\r\n` +
              "Transfer-Encoding: chunked\r\n\r\n"
          )
          const piece = "x".repeat(64 * 1024)
          for (let i = 0; i < 128; i++) socket.write(`${piece.length.toString(16)}\r\n${piece}\r\n`)
          socket.write("0\r\n\r\n")
          // a second request on the same connection, after the whole oversized body
          socket.write("GET /breakers/anthropic HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        })
        let out = ""
        socket.setEncoding("utf8")
        socket.on("data", (d: string) => (out += d))
        socket.on("end", () => resume(Effect.succeed(out)))
        socket.on("error", (e) => resume(Effect.fail(e)))
      })
      const statuses = [...answers.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]))
      assert.deepStrictEqual(statuses, [413, 200])
      assert.include(answers, "payload_too_large")
      assert.strictEqual((yield* registry.entry("anthropic")!.breaker.stats).state, "Closed")
    }))

  it.scopedLive("a known path with a method it does not serve: 405 with Allow; unknown paths stay 404", () =>
    Effect.gen(function*() {
      const { port } = yield* start()
      const agent = new Http.Agent({ keepAlive: false })
      const cases: ReadonlyArray<readonly [string, string, string]> = [
        ["POST", "/breakers", "GET, HEAD"],
        ["DELETE", "/breakers/anthropic", "GET, HEAD"],
        ["PUT", "/breakers/anthropic", "GET, HEAD"],
        ["GET", "/breakers/anthropic/force-open", "POST"],
        ["DELETE", "/breakers/anthropic/reset", "POST"],
        ["POST", "/health", "GET, HEAD"],
        ["PATCH", "/metrics", "GET, HEAD"]
      ]
      for (const [method, path, allow] of cases) {
        const reply = yield* send(port, agent, { method, path, headers: { authorization: bearer } })
        assert.strictEqual(reply.status, 405, `${method} ${path}`)
        assert.strictEqual(reply.headers.allow, allow, `${method} ${path}`)
        assert.strictEqual(reply.body.error, "method_not_allowed")
      }
      assert.strictEqual((yield* send(port, agent, { method: "DELETE", path: "/nowhere" })).status, 404)
      assert.strictEqual((yield* send(port, agent, { method: "GET", path: "/breakers/a/b/c" })).status, 404)
      assert.strictEqual((yield* send(port, agent, { method: "HEAD", path: "/breakers" })).status, 200)
    }))

  it.scopedLive("Host: loopback names and IP literals pass; another name (DNS rebinding) is 421 on every route", () =>
    Effect.gen(function*() {
      const { port } = yield* start()
      const get = (host: string, path = "/breakers") =>
        Effect.map(raw(port, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`), statusOf)
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, "localhost", `[::1]:${port}`, `10.1.2.3:${port}`, "LOCALHOST"]) {
        assert.strictEqual(yield* get(host), 200, host)
      }
      for (const host of [`evil.example:${port}`, "attacker.test", `localhost.evil.example:${port}`, `127.0.0.1.nip.io:${port}`]) {
        assert.strictEqual(yield* get(host), 421, host)
        assert.strictEqual(yield* get(host, "/health"), 421, host)
        assert.strictEqual(yield* get(host, "/metrics"), 421, host)
      }
      const body = yield* raw(port, `GET /breakers HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`)
      assert.notInclude(body, "anthropic")
      assert.include(body, "misdirected_request")
    }))

  it.scopedLive("allowedHosts adds names (e.g. behind a proxy); it is validated", () =>
    Effect.gen(function*() {
      const { port } = yield* start({ allowedHosts: ["breakers.internal"] })
      const get = (host: string) =>
        Effect.map(raw(port, `GET /breakers HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`), statusOf)
      assert.strictEqual(yield* get("breakers.internal:8443"), 200)
      assert.strictEqual(yield* get("BREAKERS.internal"), 200)
      assert.strictEqual(yield* get(`localhost:${port}`), 200)
      assert.strictEqual(yield* get("other.internal"), 421)
      for (const bad of [[""], ["has space"], [5], "breakers.internal"] as ReadonlyArray<unknown>) {
        const error = yield* Effect.flip(Admin.app({ token: Redacted.make(token), allowedHosts: bad as any }))
        assert.strictEqual(error._tag, "InvalidOptionError")
        assert.match(error.option, /^allowedHosts/)
      }
    }))
})

describe("admin audit line", () => {
  it.scopedLive("a key pasted into the free-text reason does not reach the log", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const logger = Logger.make((entry) => void lines.push(JSON.stringify([entry.message, Object.fromEntries(entry.annotations)])))
      const key = "sk-proj-Pasted0123456789abcdefXYZ"
      const { port } = yield* start().pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
      const agent = new Http.Agent({ keepAlive: false })
      const reply = yield* send(port, agent, {
        method: "POST",
        path: "/breakers/anthropic/force-open",
        headers: { authorization: bearer, "content-type": "application/json" },
        chunks: [JSON.stringify({ reason: `incident 42, rotated ${key}` })]
      })
      assert.strictEqual(reply.status, 200)
      const audit = lines.filter((l) => l.includes("changed by an operator"))
      assert.strictEqual(audit.length, 1)
      assert.include(audit[0], "incident 42")
      assert.notInclude(audit.join("\n"), key.slice(0, 14))
    }))
})
