/**
 * A span processor that scrubs what a span may quote of a request before any
 * exporter sees it: the `exception` events and the error status that the
 * Effect tracer records for a failed span (the error's message and stack: an
 * `@effect/ai` error's message quotes the provider's answer, which may echo the
 * API key), and attributes that hold headers, URLs, messages or bodies.
 * Other attributes (names, ids, figures) pass unchanged.
 *
 * @internal
 */
import type { Context } from "@opentelemetry/api"
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base"
import { isSecretHeader, REDACTED, redactUrl, type Scrubber } from "../secrets.js"

type Attributes = ReadableSpan["attributes"]

/** Attribute keys whose string values are scrubbed (or replaced, for credential headers). */
const TEXT_KEY = /exception|error|message|description|body|url|uri|query|address|target|header|authorization|cookie|prompt|detail/i

/** Attribute keys that hold a URL or a part of one (`url.full`, `url.query`, `http.url`, `server.address`). */
const URL_KEY = /url|uri|query|address|target/i

/** Shorter texts under other keys are left unread (a state, an outcome, a model name). */
const MIN_TEXT = 8

const scrubAttributes = (attributes: Attributes, scrubber: Scrubber, all: boolean): Attributes => {
  let out: Record<string, unknown> | undefined
  const strong = scrubber.strong ?? scrubber
  for (const [key, value] of Object.entries(attributes)) {
    // other keys (ids, names, the caller's own) get the secrets and the shapes that are never an id
    const scrub = all || TEXT_KEY.test(key) ? scrubber : strong
    if (scrub === strong && !(typeof value === "string" ? value.length >= MIN_TEXT : Array.isArray(value))) continue
    const header = /header\.([a-z0-9_-]+)$/i.exec(key)?.[1]?.replace(/_/g, "-").toLowerCase()
    let clean: unknown = value
    if (header !== undefined && isSecretHeader(header)) clean = REDACTED
    else if (typeof value === "string") clean = scrub(URL_KEY.test(key) ? redactUrl(value) : value)
    else if (Array.isArray(value)) clean = value.map((v) => typeof v === "string" ? scrub(v) : v)
    if (clean !== value) (out ??= { ...attributes })[key] = clean
  }
  return (out ?? attributes) as Attributes
}

/** The span as exporters see it, scrubbed; the span itself when nothing changes. @internal */
export const redactSpan = (span: ReadableSpan, scrubber: Scrubber): ReadableSpan => {
  const strong = scrubber.strong ?? scrubber
  const attributes = scrubAttributes(span.attributes, scrubber, false)
  let eventsChanged = false
  const events = span.events.map((event) => {
    // a log line inside a span becomes an event named by its message
    const name = event.name === "exception" ? event.name : scrubber(event.name)
    const scrubbed = event.attributes === undefined
      ? undefined
      : scrubAttributes(event.attributes, scrubber, event.name === "exception")
    if (scrubbed === event.attributes && name === event.name) return event
    eventsChanged = true
    return { ...event, name, ...(scrubbed === undefined ? {} : { attributes: scrubbed }) }
  })
  const message = span.status.message === undefined ? undefined : scrubber(span.status.message)
  const statusChanged = message !== span.status.message
  const name = strong(span.name)
  if (attributes === span.attributes && !eventsChanged && !statusChanged && name === span.name) return span
  return Object.create(span, {
    name: { value: name, enumerable: true },
    attributes: { value: attributes, enumerable: true },
    events: { value: eventsChanged ? events : span.events, enumerable: true },
    status: { value: statusChanged ? { ...span.status, message } : span.status, enumerable: true }
  }) as ReadableSpan
}

/** Wraps `inner`: every ended span reaches it scrubbed. @internal */
export const redactingProcessor = (inner: SpanProcessor, scrubber: Scrubber): SpanProcessor => ({
  onStart: (span: Span, context: Context) => inner.onStart(span, context),
  onEnd: (span: ReadableSpan) => inner.onEnd(redactSpan(span, scrubber)),
  forceFlush: () => inner.forceFlush(),
  shutdown: () => inner.shutdown()
})
