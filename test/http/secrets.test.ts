/**
 * Issue 9 finding 3, its class in the http subpath: `@effect/platform` keeps
 * the request headers on an `HttpClientError` (and on `error.response.request`),
 * and `JSON.stringify` prints `authorization: Bearer <key>`. Errors leaving a
 * client protected by `HttpBreakers` carry no key, in any channel, while their
 * class, reason, status and body stay usable.
 */
import { HttpClient, HttpClientError, HttpClientRequest } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Redacted } from "effect"
import { HttpBreakers, redactHttpClientError } from "effect-breaker/http"
import { Behavior, FakeProvider } from "effect-breaker/testing"

const KEYS = ["sk-proj-Abc0123456789defGHIjkl012345", "AIzaSyA1234567890abcdefghijklmnopqrstu", "opaqueKEYzyxwvut9876543210"]

const call = (url: string, key: string) =>
  Effect.gen(function*() {
    const breakers = yield* HttpBreakers.make()
    const client = (yield* HttpClient.HttpClient).pipe(HttpClient.filterStatusOk, HttpBreakers.protect(breakers))
    return yield* client.execute(
      HttpClientRequest.post(url).pipe(
        HttpClientRequest.bearerToken(key),
        HttpClientRequest.setHeader("x-api-key", key),
        HttpClientRequest.setUrlParam("key", key),
        HttpClientRequest.bodyUnsafeJson({ model: "m" })
      )
    )
  }).pipe(Effect.provide(NodeHttpClient.layerUndici), Effect.exit)

const rendered = (exit: Exit.Exit<unknown, unknown>) => {
  assert.isTrue(Exit.isFailure(exit))
  const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) as Error : new Error("none")
  return {
    error,
    texts: [
      error.message,
      String(error),
      JSON.stringify(error),
      JSON.stringify((error as any).response ?? null),
      Exit.isFailure(exit) ? Cause.pretty(exit.cause, { renderErrorCause: true }) : "",
      error.stack ?? ""
    ]
  }
}

describe("HttpBreakers: errors carry no key", () => {
  for (const key of KEYS) {
    it.scopedLive(`${key.slice(0, 6)}…: a 401 ResponseError and a refused RequestError`, () =>
      Effect.gen(function*() {
        const fake = yield* FakeProvider.make({ flavor: "openai", behavior: Behavior.unauthorized })
        const response = rendered(yield* call(`${fake.url}/responses`, key))
        assert.instanceOf(response.error, HttpClientError.ResponseError)
        const e = response.error as HttpClientError.ResponseError
        assert.strictEqual(e.reason, "StatusCode")
        assert.strictEqual(e.response.status, 401)
        assert.strictEqual(e.request.headers.authorization, "<redacted>")
        // the body is still the caller's to read (it is the provider's own answer)
        assert.include(yield* e.response.text, "invalid_api_key")
        const port = yield* FakeProvider.closedPort
        const refused = rendered(yield* call(`http://127.0.0.1:${port}/v1/responses`, key))
        assert.instanceOf(refused.error, HttpClientError.RequestError)
        for (const text of [...response.texts, ...refused.texts]) {
          assert.notInclude(text, key)
          assert.notInclude(text, key.slice(0, 12))
        }
        assert.isTrue((yield* fake.log).every((r) => r.hasAuth))
      }))
  }

  it("redactHttpClientError removes the secrets it is given from the URL too", () => {
    const key = "opaque-path-secret-0123"
    const request = HttpClientRequest.get(`http://127.0.0.1:1/v1/${key}/x`)
    const error = new HttpClientError.RequestError({ request, reason: "Transport", description: `failed ${key}` })
    const clean = redactHttpClientError(error, { secrets: [Redacted.make(key)] })
    assert.notInclude(JSON.stringify(clean), key)
    assert.notInclude(clean.message, key)
  })
})
