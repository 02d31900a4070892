/**
 * The DNS-rebinding class of issue 9 finding 8 outside the admin API: the
 * Prometheus endpoint on loopback answers only loopback names, IP literals and
 * `allowedHosts`; other paths 404, other methods 405. Raw sockets on 127.0.0.1.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer } from "effect"
import { layerPrometheus } from "effect-breaker/otel/prometheus"
import * as net from "node:net"
import { freePort } from "../support/net.js"
import * as BreakerTelemetry from "../../src/BreakerTelemetry.js"

const raw = (port: number, method: string, path: string, host: string) =>
  Effect.async<string, Error>((resume) => {
    const socket = net.connect(port, "127.0.0.1", () =>
      socket.end(`${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`))
    let out = ""
    socket.setEncoding("utf8")
    socket.on("data", (d: string) => (out += d))
    socket.on("end", () => resume(Effect.succeed(out)))
    socket.on("error", (e) => resume(Effect.fail(e)))
  })

const status = (text: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)

describe("Prometheus endpoint: Host, path and method", () => {
  it.scopedLive("loopback names, IP literals and allowedHosts pass; other names 421; other paths 404; POST 405", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      yield* Effect.gen(function*() {
        for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, "scrape.internal", `10.0.0.7:${port}`]) {
          const answer = yield* raw(port, "GET", "/metrics", host)
          expect(status(answer), host).toBe(200)
        }
        for (const host of [`evil.example:${port}`, "localhost.evil.example"]) {
          const answer = yield* raw(port, "GET", "/metrics", host)
          expect(status(answer), host).toBe(421)
          expect(answer).not.toContain("effect_breaker")
        }
        expect(status(yield* raw(port, "GET", "/other", `127.0.0.1:${port}`))).toBe(404)
        const post = yield* raw(port, "POST", "/metrics", `127.0.0.1:${port}`)
        expect(status(post)).toBe(405)
        expect(post.toLowerCase()).toContain("allow: get, head")
      }).pipe(
        Effect.provide(Layer.mergeAll(
          BreakerTelemetry.layerMetrics,
          layerPrometheus({ serviceName: "t", port, allowedHosts: ["scrape.internal"] })
        ))
      )
    }))

  it.effect("a bad allowedHosts entry fails the layer with InvalidOptionError naming it", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Layer.build(layerPrometheus({ serviceName: "t", port: 1, allowedHosts: ["a b"] })).pipe(Effect.scoped))
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit)) expect(JSON.stringify(exit.cause)).toContain("allowedHosts[0]")
    }))
})
