/**
 * Helpers for the retry, fallback and rate-limit modules to say what they did,
 * on the current span and in metrics, under stable names. Rare paths (one per
 * retry or fallback), so plain effects are fine here.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Tracer from "effect/Tracer"
import {
  ATTR_FALLBACK_KIND,
  ATTR_FALLBACK_SERVED_BY,
  ATTR_RATE_LIMIT_DECISION,
  ATTR_RATE_LIMIT_WAIT_MS,
  ATTR_RETRY_ATTEMPT,
  EVENT_FALLBACK,
  EVENT_RETRY
} from "./attributes.js"
import { keys } from "./metrics.js"

const retries = Metric.fromMetricKey(keys.retries)
const fallbacks = Metric.fromMetricKey(keys.fallbacks)

/** Runs `f` on the current span if there is one (no-op otherwise). */
const onCurrentSpan = (f: (span: Tracer.Span, nanos: bigint) => void): Effect.Effect<void> =>
  Effect.flatMap(Effect.serviceOption(Tracer.ParentSpan), (parent) =>
    parent._tag === "Some" && parent.value._tag === "Span"
      ? Effect.map(Clock.currentTimeNanos, (nanos) => f(parent.value as Tracer.Span, nanos))
      : Effect.void)

/**
 * Marks the current span with a retry attempt (1 = first try) and, for attempts
 * after the first, counts a retry for `breaker`.
 *
 * @internal
 */
export const annotateAttempt = (attempt: number, breaker?: string): Effect.Effect<void> => {
  const mark = onCurrentSpan((span, nanos) => {
    span.attribute(ATTR_RETRY_ATTEMPT, attempt)
    if (attempt > 1) span.event(EVENT_RETRY, nanos, { [ATTR_RETRY_ATTEMPT]: attempt })
  })
  return attempt > 1 ? Effect.zipRight(mark, Metric.increment(Metric.tagged(retries, "breaker", breaker ?? "none"))) : mark
}

/** Where a fallback came from: a small enum, used as a metric tag. @internal */
export type FallbackKind = "value" | "effect" | "provider" | "cache" | (string & {})

/**
 * Marks the current span as served by a fallback (`servedBy` names the step, e.g. a
 * provider or model, never a URL with credentials) and counts it by `kind`.
 *
 * @internal
 */
export const annotateFallback = (servedBy: string, kind: FallbackKind, breaker?: string): Effect.Effect<void> =>
  Effect.zipRight(
    onCurrentSpan((span, nanos) => {
      span.attribute(ATTR_FALLBACK_SERVED_BY, servedBy)
      span.attribute(ATTR_FALLBACK_KIND, kind)
      span.event(EVENT_FALLBACK, nanos, { [ATTR_FALLBACK_SERVED_BY]: servedBy, [ATTR_FALLBACK_KIND]: kind })
    }),
    countFallback(kind, breaker)
  )

/** Counts an answer served by a fallback of `kind` (`effect_breaker_fallbacks`). @internal */
export const countFallback = (kind: FallbackKind, breaker?: string): Effect.Effect<void> =>
  Metric.increment(Metric.tagged(Metric.tagged(fallbacks, "breaker", breaker ?? "none"), "kind", kind))

/** What a rate-limit gate decided for a call. @internal */
export const annotateRateLimit = (decision: "admitted" | "delayed" | "rejected", waitMs = 0): Effect.Effect<void> =>
  onCurrentSpan((span) => {
    span.attribute(ATTR_RATE_LIMIT_DECISION, decision)
    span.attribute(ATTR_RATE_LIMIT_WAIT_MS, waitMs)
  })

/** Adds a policy's attributes (e.g. GenAI) to the current span; nothing when there are none. @internal */
export const annotateAttributes = (attributes: Readonly<Record<string, string | number>>): Effect.Effect<void> => {
  for (const _ in attributes) return Effect.annotateCurrentSpan(attributes)
  return Effect.void
}
