/**
 * A copy of an `@effect/platform` `HttpClientError` that can be logged or
 * serialized: `@effect/platform` keeps the request's headers on the error (and
 * on `error.response.request`), and `JSON.stringify` outside a fiber prints
 * `authorization: Bearer <key>` in plain text.
 *
 * @internal
 */
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Inspectable from "effect/Inspectable"
import { findNetworkCause } from "../../llm/classify.js"
import { isSecretHeader, REDACTED, redactUrl, type Scrubber, SECRET_PARAM } from "../secrets.js"

const redactRequest = (request: HttpClientRequest.HttpClientRequest, scrubber: Scrubber) => {
  let out = request
  for (const [name, value] of Object.entries(request.headers)) {
    const clean = isSecretHeader(name) ? REDACTED : scrubber(value)
    if (clean !== value) out = HttpClientRequest.setHeader(out, name, clean)
  }
  const url = scrubber(redactUrl(request.url))
  if (url !== request.url) out = HttpClientRequest.setUrl(out, url)
  let changed = false
  const params = request.urlParams.map(([name, value]) => {
    const clean = SECRET_PARAM.test(name) ? REDACTED : scrubber(value)
    if (clean !== value) changed = true
    return [name, clean] as const
  })
  return changed ? HttpClientRequest.setUrlParams(out, params) : out
}


/**
 * The response, reading through to the original (body, status, headers), whose
 * `request` is the redacted one, and whose JSON / inspection shows only that
 * request, the status and the (platform-redacted) headers: the platform's own
 * wrappers render their original request.
 */
const withRequest = (
  response: HttpClientResponse.HttpClientResponse,
  request: HttpClientRequest.HttpClientRequest
): HttpClientResponse.HttpClientResponse => {
  const toJSON = () => ({
    _id: "@effect/platform/HttpClientResponse",
    request: request.toJSON(),
    status: response.status,
    headers: Inspectable.redact(response.headers)
  })
  return Object.create(response, {
    request: { value: request, enumerable: true },
    toJSON: { value: toJSON },
    toString: { value: () => Inspectable.format(toJSON()) },
    [Inspectable.NodeInspectSymbol]: { value: toJSON }
  }) as HttpClientResponse.HttpClientResponse
}

const safeCause = (cause: unknown): unknown => {
  if (cause === undefined) return undefined
  const network = findNetworkCause(cause)
  return network === undefined ? undefined : Object.assign(new Error(network.code), { code: network.code })
}

/** @internal */
export const redactHttpClientError = (
  error: HttpClientError.HttpClientError,
  scrubber: Scrubber
): HttpClientError.HttpClientError => {
  const request = redactRequest(error.request, scrubber)
  const description = error.description === undefined ? {} : { description: scrubber(error.description) }
  const cause = safeCause(error.cause)
  const withCause = cause === undefined ? {} : { cause }
  return error._tag === "RequestError"
    ? new HttpClientError.RequestError({ request, reason: error.reason, ...description, ...withCause })
    : new HttpClientError.ResponseError({
      request,
      response: withRequest(error.response, request),
      reason: error.reason,
      ...description,
      ...withCause
    })
}
