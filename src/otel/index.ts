/**
 * `effect-breaker/otel`: export effect-breaker's telemetry (and the rest of the
 * program's Effect spans and metrics) through OpenTelemetry, with the exporter
 * you already run. The exporters have their own subpaths, so you install only
 * what you use:
 *
 * | import | gives | install |
 * |---|---|---|
 * | `effect-breaker/otel` | `layerTracer` (any span processor), `layerMetrics` (any metric reader) | `@effect/opentelemetry` |
 * | `effect-breaker/otel/prometheus` | `layerPrometheus`: a `/metrics` endpoint on loopback | + `@opentelemetry/exporter-prometheus` |
 * | `effect-breaker/otel/otlp` | `layerOtlp`: OTLP over HTTP to a collector | + `@opentelemetry/exporter-trace-otlp-http @opentelemetry/exporter-metrics-otlp-http` |
 *
 * **Details**
 *
 * The root package never imports OpenTelemetry. These layers load their peers
 * when they are built: a missing one fails the layer with `MissingPeerError`,
 * whose message names the package to install. They only export: add the
 * observers with `BreakerTelemetry.layer()` (metrics, spans and logs) where
 * breakers are made.
 *
 * @since 0.1.0
 */
import type { MetricReader } from "@opentelemetry/sdk-metrics"
import type { SpanProcessor } from "@opentelemetry/sdk-trace-base"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type { InvalidOptionError } from "../internal/errors.js"
import { loadEffectOtel, tracerLayer } from "../internal/otel/load.js"
import * as O from "../internal/settings/options.js"
import type { MissingPeerError } from "../internal/peer.js"

export {
  /**
   * A layer needs an optional peer dependency that is not installed; the
   * message names the package and the `npm install` line.
   *
   * @since 0.1.0
   * @category errors
   */
  MissingPeerError
} from "../internal/peer.js"

const SUBPATH = "effect-breaker/otel"

const TracerOptions = O.options({
  processor: O.guarded(
    (u): u is SpanProcessor =>
      typeof u === "object" && u !== null && typeof (u as SpanProcessor).onEnd === "function" &&
      typeof (u as SpanProcessor).onStart === "function" && typeof (u as SpanProcessor).forceFlush === "function" &&
      typeof (u as SpanProcessor).shutdown === "function",
    "an OpenTelemetry SpanProcessor (onStart, onEnd, forceFlush, shutdown)"
  ),
  serviceName: O.nonEmpty,
  secrets: O.optional(O.secrets)
})

const MetricsOptions = O.options({
  reader: O.func("a function returning an OpenTelemetry MetricReader"),
  serviceName: O.nonEmpty
})

/** The options as an object with the positional argument in it, so both are checked and named alike. */
const withArgument = (name: string, argument: unknown, options: unknown): unknown => {
  if (typeof options !== "object" || options === null || Array.isArray(options)) return options
  try {
    return { ...options, [name]: argument }
  } catch {
    // a getter that throws: the check finds it in the options themselves
    return options
  }
}

/**
 * Tracing through any OpenTelemetry span processor (e.g. a `SimpleSpanProcessor`
 * over an `InMemorySpanExporter` in tests), without the Node SDK. The provider
 * is flushed and shut down when the layer is released.
 *
 * Every ended span (the library's, `@effect/ai`'s own `LanguageModel.*` spans,
 * yours) reaches `processor` scrubbed: the `exception` events and error status
 * the Effect tracer records for a failure (the error's message and stack, which
 * for a client error may quote the provider's echo of the API key), and
 * attributes that hold headers, URLs, messages or bodies, lose key shapes and
 * the `secrets` you give; credential header attributes become `<redacted>`.
 * A bad `processor`, `serviceName` or `secrets` fails the layer with an
 * `InvalidOptionError` naming it (a bad secret's value is never shown).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTracer = (
  processor: SpanProcessor,
  options: {
    readonly serviceName: string
    /** API keys to remove from exported spans (besides key shapes), e.g. `[apiKey]`. */
    readonly secrets?: ReadonlyArray<Redacted.Redacted<string>> | undefined
  }
): Layer.Layer<never, MissingPeerError | InvalidOptionError> =>
  Layer.unwrapEffect(
    Effect.zipRight(
      Effect.suspend(() => O.checkSecret(TracerOptions, withArgument("processor", processor, options), ["secrets"])),
      Effect.map(loadEffectOtel(SUBPATH), (otel) =>
      tracerLayer(SUBPATH, otel, processor, options.secrets).pipe(Layer.provide(otel.Resource.layer({ serviceName: options.serviceName }))))
    )
  )

/**
 * Every Effect metric (ours included) through any OpenTelemetry metric reader
 * (e.g. a `PeriodicExportingMetricReader` over your exporter). The reader is
 * shut down when the layer is released. A bad `reader` or `serviceName` fails
 * the layer with an `InvalidOptionError` naming it.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMetrics = (
  reader: () => MetricReader,
  options: { readonly serviceName: string }
): Layer.Layer<never, MissingPeerError | InvalidOptionError> =>
  Layer.unwrapEffect(
    Effect.zipRight(
      Effect.suspend(() => O.check(MetricsOptions, withArgument("reader", reader, options))),
      Effect.map(loadEffectOtel(SUBPATH), (otel) =>
        otel.Metrics.layer(reader).pipe(Layer.provide(otel.Resource.layer({ serviceName: options.serviceName }))))
    )
  )
