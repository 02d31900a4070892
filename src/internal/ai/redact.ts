/**
 * A copy of an `@effect/ai` `AiError` that can be logged: same class, `_tag`,
 * `reason`, status and response headers (so classifiers still work), but the
 * request's credential headers replaced, and every text that may quote the
 * request or echo the key (description, body, URL) scrubbed.
 *
 * @internal
 */
import * as AiError from "@effect/ai/AiError"
import * as ParseResult from "effect/ParseResult"
import { findNetworkCause } from "../../llm/classify.js"
import { isSecretHeader, REDACTED, redactUrl, type Scrubber, SECRET_PARAM } from "../secrets.js"

const redactHeaders = (headers: Readonly<Record<string, string>>, scrubber: Scrubber): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    out[name] = isSecretHeader(name) ? REDACTED : scrubber(String(value))
  }
  return out
}

const redactRequest = (request: typeof AiError.HttpRequestDetails.Type, scrubber: Scrubber) => ({
  ...request,
  url: scrubber(redactUrl(request.url)),
  urlParams: request.urlParams.map(([k, v]) => [k, SECRET_PARAM.test(k) ? REDACTED : scrubber(v)] as const),
  headers: redactHeaders(request.headers, scrubber)
})

/** Keeps what classification reads from a cause (a network error code), nothing else. */
const safeCause = (cause: unknown, scrubber: Scrubber): unknown => {
  if (cause === undefined) return undefined
  const network = findNetworkCause(cause)
  if (network !== undefined) return Object.assign(new Error(network.code), { code: network.code })
  // a ParseError keeps the answer it failed on; keep it only when it quotes nothing secret
  if (ParseResult.isParseError(cause)) {
    let text: string
    try {
      text = JSON.stringify(cause.issue.actual) ?? ""
    } catch {
      return undefined
    }
    return scrubber(text) === text && scrubber(cause.message) === cause.message ? cause : undefined
  }
  if (typeof cause === "object" && cause !== null && "_tag" in cause) {
    // our own errors (CircuitOpenError, StreamTimeoutError) carry no request data
    const tag = (cause as { _tag: unknown })._tag
    if (tag === "CircuitOpenError" || tag === "StreamTimeoutError") return cause
  }
  return undefined
}

/** Texts kept on a redacted error are cut to this many characters: the scrub of a huge body stays cheap. */
const MAX_TEXT = 64 * 1024
const cut = (scrubber: Scrubber): Scrubber => (text) =>
  scrubber(text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}… (cut by effect-breaker)` : text)

const opt = <A>(key: string, value: A | undefined): Record<string, A> => value === undefined ? {} : { [key]: value }

/** @internal */
export const redactAiError = (error: AiError.AiError, fullScrubber: Scrubber): AiError.AiError => {
  const scrubber = cut(fullScrubber)
  const noCheck = { disableValidation: true }
  const description = error.description === undefined ? undefined : scrubber(error.description)
  switch (error._tag) {
    case "HttpRequestError":
      return new AiError.HttpRequestError({
        module: error.module,
        method: error.method,
        reason: error.reason,
        request: redactRequest(error.request, scrubber),
        ...opt("description", description),
        ...opt("cause", safeCause(error.cause, scrubber))
      }, noCheck)
    case "HttpResponseError":
      return new AiError.HttpResponseError({
        module: error.module,
        method: error.method,
        reason: error.reason,
        request: redactRequest(error.request, scrubber),
        response: { ...error.response, headers: redactHeaders(error.response.headers, scrubber) },
        ...opt("body", error.body === undefined ? undefined : scrubber(error.body)),
        ...opt("description", description),
        ...opt("cause", safeCause(error.cause, scrubber))
      }, noCheck)
    case "MalformedInput":
    case "MalformedOutput":
    case "UnknownError": {
      const Ctor = error.constructor as new(props: Record<string, unknown>, options: typeof noCheck) => AiError.AiError
      return new Ctor({
        module: error.module,
        method: error.method,
        ...opt("description", description),
        ...opt("cause", safeCause(error.cause, scrubber))
      }, noCheck)
    }
  }
}
