/**
 * Round-3 probes: credentials in request headers and URLs of the client errors
 * the library hands back. Table: header name (vendor, casing) × key × sink
 * (`HttpBreakers.protect`'s `HttpClientError`, `redactAiError`'s `AiError`),
 * each rendered by message, String, JSON, `util.inspect` and `Cause.pretty`.
 */
import { AiError } from "@effect/ai"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Option } from "effect"
import { redactAiError } from "effect-breaker/ai"
import { HttpBreakers } from "effect-breaker/http"
import { inspect } from "node:util"

const KEYS = { openai: "sk-proj-Abc0123456789defGHIjkl012345", opaque: "Zq9vLmXw3Tn7Rb2Kp5Hc8Yd4" }

const HEADERS: ReadonlyArray<readonly [name: string, value: (key: string) => string]> = [
  ["Authorization", (k) => `Bearer ${k}`],
  ["AUTHORIZATION", (k) => `Basic ${Buffer.from(`user:${k}`).toString("base64")}`],
  ["X-Api-Key", (k) => k],
  ["Api-Key", (k) => k],
  ["X-Goog-Api-Key", (k) => k],
  ["anthropic-api-key", (k) => k],
  ["Ocp-Apim-Subscription-Key", (k) => k],
  ["X-Auth-Token", (k) => k],
  ["x-amz-security-token", (k) => k],
  ["Proxy-Authorization", (k) => `Bearer ${k}`],
  ["X-Custom-Forward", (k) => `Bearer ${k}`]
]

const failing = HttpClient.make((request) => Effect.succeed(HttpClientResponse.fromWeb(request, new Response("down", { status: 503 }))))

const rendered = (error: unknown, exit?: Exit.Exit<unknown, unknown>) =>
  [
    (error as Error).message,
    String(error),
    JSON.stringify(error),
    inspect(error, { depth: 8 }),
    exit !== undefined && Exit.isFailure(exit) ? Cause.pretty(exit.cause, { renderErrorCause: true }) : ""
  ].join("\n")

describe("credential headers and URLs in the client errors handed back", () => {
  for (const [kind, key] of Object.entries(KEYS)) {
    for (const [name, value] of HEADERS) {
      if (kind === "opaque" && name === "X-Custom-Forward") continue // an opaque value under an unknown name: nothing says it is secret
      it.effect(`HttpBreakers.protect / ${name} / ${kind}`, () =>
        Effect.gen(function*() {
          const breakers = yield* HttpBreakers.make({ namePrefix: `hdr-${name}-${kind}:` })
          const client = failing.pipe(HttpClient.filterStatusOk, HttpBreakers.protect(breakers))
          const exit = yield* Effect.exit(client.execute(HttpClientRequest.get("https://api.example.test/v1").pipe(HttpClientRequest.setHeader(name, value(key)))))
          expect(Exit.isFailure(exit)).toBe(true)
          const text = Exit.isFailure(exit) ? rendered(Cause.squash(exit.cause), exit) : ""
          expect(text).not.toContain(key)
          expect(text).not.toContain(Buffer.from(`user:${key}`).toString("base64").slice(4, 20))
        }))

      it(`redactAiError / ${name} / ${kind}`, () => {
        const error = new AiError.HttpRequestError({
          module: "OpenAI",
          method: "createResponse",
          reason: "Transport",
          request: {
            method: "POST",
            url: `https://user:${key}@api.example.test/v1/responses`,
            urlParams: [["key", key], ["alt", "json"]],
            hash: Option.none(),
            headers: { [name.toLowerCase()]: value(key) }
          },
          description: `connect failed for ${name}`
        })
        const text = rendered(redactAiError(error))
        expect(text).not.toContain(key)
        expect(text).toContain("api.example.test")
        expect(text).toContain("alt")
      })
    }
  }
})
