/**
 * Pure parsers for the retry and rate-limit headers of LLM providers.
 *
 * Every function takes a record of lower-cased header names (the shape of
 * `@effect/platform`'s `Headers` and of `node:http`'s `IncomingHttpHeaders`)
 * and the current time in epoch millis, so results are deterministic. Garbage,
 * negative, non-finite or absurd values are ignored (`undefined`): a header
 * never makes a parser throw.
 *
 * @internal
 */

/** @internal */
export type HeaderRecord = Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

/** @internal */
export type LimitKind = "requests" | "tokens"

/**
 * What the headers of one response say about retrying.
 *
 * @internal
 */
export interface RetryHints {
  /** Explicit delay from `retry-after-ms` or `retry-after`. */
  readonly retryAfterMs?: number
  /** When the exhausted limit (or, if none is known exhausted, the latest limit) resets, epoch millis. */
  readonly resetAtMs?: number
  /** The limit that is exhausted (remaining = 0). */
  readonly limit?: LimitKind
  /** The provider's own `x-should-retry` verdict. */
  readonly shouldRetry?: boolean
  /** Some limit reports zero remaining. */
  readonly exhausted?: boolean
}

/** Hints longer than this are treated as garbage (a day). @internal */
export const MAX_HINT_MS = 24 * 60 * 60 * 1000

const header = (headers: HeaderRecord, name: string): string | undefined => {
  const value = headers[name]
  const first = typeof value === "string" ? value : Array.isArray(value) ? value[0] : undefined
  if (typeof first !== "string") return undefined
  const trimmed = first.trim()
  return trimmed.length === 0 || trimmed.length > 100 ? undefined : trimmed
}

const validDelay = (ms: number): number | undefined =>
  Number.isFinite(ms) && ms >= 0 && ms <= MAX_HINT_MS ? ms : undefined

const DECIMAL = /^\d+(?:\.\d+)?$/

/**
 * `retry-after-ms`: a non-negative number of milliseconds.
 *
 * @internal
 */
export const parseRetryAfterMs = (value: string | undefined): number | undefined =>
  value !== undefined && DECIMAL.test(value) ? validDelay(Number(value)) : undefined

const IMF_FIXDATE = /^[A-Za-z]{3}, \d{1,2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/
const RFC850 = /^[A-Za-z]+, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/
const ASCTIME = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/

/**
 * An HTTP date (IMF-fixdate, RFC 850 or asctime) as epoch millis.
 *
 * @internal
 */
export const parseHttpDate = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
  if (!IMF_FIXDATE.test(value) && !RFC850.test(value) && !ASCTIME.test(value)) return undefined
  const millis = Date.parse(ASCTIME.test(value) ? `${value} GMT` : value)
  return Number.isFinite(millis) ? millis : undefined
}

/**
 * `retry-after`: delta seconds or an HTTP date, as a delay from `now`. A date
 * in the past means "now" (0).
 *
 * @internal
 */
export const parseRetryAfter = (value: string | undefined, now: number): number | undefined => {
  if (value === undefined) return undefined
  if (DECIMAL.test(value)) return validDelay(Number(value) * 1000)
  const date = parseHttpDate(value)
  return date === undefined ? undefined : validDelay(Math.max(0, date - now))
}

const GO_UNITS: Readonly<Record<string, number>> = {
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
  ms: 1,
  us: 0.001,
  "µs": 0.001,
  "μs": 0.001,
  ns: 0.000001
}
const GO_DURATION = /^(?:\d+(?:\.\d+)?(?:h|ms|m|s|us|µs|μs|ns))+$/
const GO_PART = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|μs|ns)/g

/**
 * A Go-style duration as OpenAI sends in `x-ratelimit-reset-*`
 * (`1s`, `6m0s`, `12ms`, `1h2m3.5s`, `0.5s`), in millis.
 *
 * @internal
 */
export const parseGoDuration = (value: string | undefined): number | undefined => {
  if (value === undefined || !GO_DURATION.test(value)) return undefined
  let total = 0
  for (const match of value.matchAll(GO_PART)) {
    const unit = GO_UNITS[match[2] ?? ""]
    if (unit === undefined) return undefined
    total += Number(match[1]) * unit
  }
  return validDelay(total)
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/

/**
 * An RFC 3339 timestamp as Anthropic sends in `anthropic-ratelimit-*-reset`,
 * as epoch millis (only if within a day of `now`).
 *
 * @internal
 */
export const parseRfc3339 = (value: string | undefined, now: number): number | undefined => {
  if (value === undefined || !RFC3339.test(value)) return undefined
  const millis = Date.parse(value)
  return Number.isFinite(millis) && millis >= 0 && Math.abs(millis - now) <= MAX_HINT_MS ? millis : undefined
}

/**
 * A remaining-count header: a non-negative integer.
 *
 * @internal
 */
export const parseCount = (value: string | undefined): number | undefined => {
  if (value === undefined || !/^\d+$/.test(value)) return undefined
  const n = Number(value)
  return Number.isSafeInteger(n) ? n : undefined
}

/** @internal */
export const parseBoolean = (value: string | undefined): boolean | undefined => {
  const lower = value?.toLowerCase()
  return lower === "true" ? true : lower === "false" ? false : undefined
}

interface LimitReading {
  readonly limit: LimitKind
  readonly remaining: number | undefined
  readonly resetAtMs: number | undefined
}

const readLimits = (headers: HeaderRecord, now: number): ReadonlyArray<LimitReading> => {
  const readings: Array<LimitReading> = []
  for (const limit of ["requests", "tokens"] as const) {
    const reset = parseGoDuration(header(headers, `x-ratelimit-reset-${limit}`))
    readings.push({
      limit,
      remaining: parseCount(header(headers, `x-ratelimit-remaining-${limit}`)),
      resetAtMs: reset === undefined ? undefined : now + reset
    })
  }
  for (const name of ["requests", "tokens", "input-tokens", "output-tokens"] as const) {
    readings.push({
      limit: name === "requests" ? "requests" : "tokens",
      remaining: parseCount(header(headers, `anthropic-ratelimit-${name}-remaining`)),
      resetAtMs: parseRfc3339(header(headers, `anthropic-ratelimit-${name}-reset`), now)
    })
  }
  return readings
}

const latest = (readings: ReadonlyArray<LimitReading>): number | undefined => {
  let result: number | undefined
  for (const r of readings) {
    if (r.resetAtMs !== undefined && (result === undefined || r.resetAtMs > result)) result = r.resetAtMs
  }
  return result
}

/**
 * Reads every retry and rate-limit header a provider may send.
 *
 * **Details**
 *
 * `retryAfterMs` prefers `retry-after-ms` over `retry-after`. `resetAtMs` is
 * the latest reset among the limits reporting zero remaining; when no limit
 * reports zero, the latest reset of any limit (a conservative guess for a 429
 * that does not say which limit it hit). `limit` names the first exhausted
 * limit, requests before tokens.
 *
 * @internal
 */
export const parseRetryHints = (headers: HeaderRecord, now: number): RetryHints => {
  const retryAfterMs = parseRetryAfterMs(header(headers, "retry-after-ms")) ??
    parseRetryAfter(header(headers, "retry-after"), now)
  const shouldRetry = parseBoolean(header(headers, "x-should-retry"))
  const readings = readLimits(headers, now)
  const exhausted = readings.filter((r) => r.remaining === 0)
  const resetAtMs = exhausted.length > 0 ? latest(exhausted) ?? latest(readings) : latest(readings)
  const limit = exhausted[0]?.limit
  const result: {
    retryAfterMs?: number
    resetAtMs?: number
    limit?: LimitKind
    shouldRetry?: boolean
    exhausted?: boolean
  } = {}
  if (retryAfterMs !== undefined) result.retryAfterMs = retryAfterMs
  if (resetAtMs !== undefined) result.resetAtMs = resetAtMs
  if (limit !== undefined) result.limit = limit
  if (shouldRetry !== undefined) result.shouldRetry = shouldRetry
  if (exhausted.length > 0) result.exhausted = true
  return result
}

/**
 * The headers an error may keep: retry and rate-limit hints and request ids.
 * Everything else (`authorization`, `x-api-key`, `cookie`, ...) is dropped.
 *
 * @internal
 */
export const isAllowedHeader = (name: string): boolean =>
  name === "retry-after" || name === "retry-after-ms" || name === "x-should-retry" ||
  name === "x-request-id" || name === "request-id" ||
  name.startsWith("x-ratelimit-") || name.startsWith("anthropic-ratelimit-")

/**
 * Keeps only allow-listed headers (lower-casing names, first value of a list).
 *
 * @internal
 */
export const allowedHeaders = (headers: HeaderRecord): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const key of Object.keys(headers)) {
    const name = key.toLowerCase()
    if (!isAllowedHeader(name)) continue
    const value = header(headers, key)
    if (value !== undefined) out[name] = value
  }
  return out
}
