/**
 * Ready layers that export effect-breaker's telemetry (and the rest of the
 * program's Effect spans and metrics) through OpenTelemetry: OTLP over HTTP to a
 * collector, or a Prometheus `/metrics` endpoint on loopback.
 *
 * **Details**
 *
 * The OpenTelemetry packages are optional peers of this subpath; the root
 * package never imports them. These layers only export: add the observers with
 * `BreakerTelemetry.layer()` (metrics, spans and logs)
 * where breakers are made. Collector headers (which often carry an API key) are
 * taken as `Redacted` and never logged.
 *
 * @since 0.1.0
 */
import * as OtelMetrics from "@effect/opentelemetry/Metrics"
import * as OtelResource from "@effect/opentelemetry/Resource"
import * as OtelTracer from "@effect/opentelemetry/Tracer"
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http"
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics"
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace-base"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { InvalidOptionError } from "../CircuitBreaker.js"

/**
 * The Prometheus endpoint could not start (e.g. the port is taken).
 *
 * @since 0.1.0
 * @category errors
 */
export class ExporterStartError extends Schema.TaggedError<ExporterStartError>()("ExporterStartError", {
  exporter: Schema.String,
  address: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.exporter} exporter could not start on ${this.address}: ${this.reason}`
  }
}

/**
 * Options of the OTLP/HTTP layer.
 *
 * @since 0.1.0
 * @category models
 */
export interface OtlpOptions {
  readonly serviceName: string
  readonly serviceVersion?: string | undefined
  /** The collector's base URL; `/v1/traces` and `/v1/metrics` are appended. Default `http://localhost:4318`. */
  readonly endpoint?: string | undefined
  /** Headers sent to the collector (e.g. an API key). */
  readonly headers?: Readonly<Record<string, Redacted.Redacted<string>>> | undefined
  /** How often metrics are pushed. Default 15 seconds. */
  readonly exportInterval?: Duration.DurationInput | undefined
  readonly traces?: boolean | undefined
  readonly metrics?: boolean | undefined
}

const tracerProvider = (processor: SpanProcessor) =>
  Layer.scoped(
    OtelTracer.OtelTracerProvider,
    Effect.flatMap(OtelResource.Resource, (resource) =>
      Effect.acquireRelease(
        Effect.sync(() => new BasicTracerProvider({ resource, spanProcessors: [processor] })),
        (provider) =>
          Effect.promise(() => provider.forceFlush().then(() => provider.shutdown())).pipe(
            Effect.ignoreLogged,
            Effect.interruptible,
            Effect.timeoutOption(3000)
          )
      ))
  )

/**
 * Tracing through any OpenTelemetry span processor (e.g. a `SimpleSpanProcessor`
 * over an `InMemorySpanExporter` in tests), without the Node SDK.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTracer = (processor: SpanProcessor, options: { readonly serviceName: string }): Layer.Layer<never> =>
  OtelTracer.layer.pipe(
    Layer.provide(tracerProvider(processor)),
    Layer.provide(OtelResource.layer({ serviceName: options.serviceName }))
  )

const validUrl = (option: string, value: string): Effect.Effect<string, InvalidOptionError> =>
  Effect.try({
    try: () => {
      const url = new URL(value)
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("protocol")
      // Drop userinfo from what we echo back in errors and keep the base without a trailing slash.
      return url.href.replace(/\/$/, "")
    },
    catch: () =>
      new InvalidOptionError({ option, value: JSON.stringify(value.replace(/\/\/[^@/]*@/, "//***@")), expected: "an http(s) URL" })
  })

/**
 * Exports traces and metrics with OTLP over HTTP (JSON) to a collector.
 *
 * **Details**
 *
 * Spans go through a `BatchSpanProcessor`; metrics through a
 * `PeriodicExportingMetricReader` (cumulative). Both flush when the layer is
 * released. Fails with `InvalidOptionError` when `endpoint` is not an http(s) URL.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerOtlp = (options: OtlpOptions): Layer.Layer<never, InvalidOptionError> =>
  Layer.unwrapEffect(
    Effect.map(validUrl("endpoint", options.endpoint ?? "http://localhost:4318"), (base) => {
      const headers: Record<string, string> = {}
      for (const [k, v] of Object.entries(options.headers ?? {})) headers[k] = Redacted.value(v)
      const traces = options.traces === false ? Layer.empty : OtelTracer.layer.pipe(
        Layer.provide(
          tracerProvider(new BatchSpanProcessor(new OTLPTraceExporter({ url: `${base}/v1/traces`, headers })))
        )
      )
      const metrics = options.metrics === false ? Layer.empty : OtelMetrics.layer(() =>
        new PeriodicExportingMetricReader({
          exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics`, headers }),
          exportIntervalMillis: Duration.toMillis(options.exportInterval ?? "15 seconds")
        })
      )
      return Layer.mergeAll(traces, metrics).pipe(
        Layer.provide(OtelResource.layer({
          serviceName: options.serviceName,
          ...(options.serviceVersion !== undefined ? { serviceVersion: options.serviceVersion } : {})
        }))
      )
    })
  )

const parseHeaders = (raw: string): Record<string, Redacted.Redacted<string>> => {
  const out: Record<string, Redacted.Redacted<string>> = {}
  for (const pair of raw.split(",")) {
    const i = pair.indexOf("=")
    if (i > 0) out[decodeURIComponent(pair.slice(0, i).trim())] = Redacted.make(decodeURIComponent(pair.slice(i + 1).trim()))
  }
  return out
}

/**
 * `layerOtlp` configured from the standard environment: `OTEL_EXPORTER_OTLP_ENDPOINT`
 * (default `http://localhost:4318`), `OTEL_SERVICE_NAME` (default `effect-breaker`),
 * `OTEL_EXPORTER_OTLP_HEADERS` (`k=v,k2=v2`, read as a secret) and
 * `OTEL_METRIC_EXPORT_INTERVAL` (milliseconds, default 15000).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerOtlpConfig: Layer.Layer<never, InvalidOptionError | ConfigError.ConfigError> = Layer.unwrapEffect(
  Effect.map(
    Config.all({
      endpoint: Config.withDefault(Config.string("OTEL_EXPORTER_OTLP_ENDPOINT"), "http://localhost:4318"),
      serviceName: Config.withDefault(Config.string("OTEL_SERVICE_NAME"), "effect-breaker"),
      headers: Config.option(Config.redacted("OTEL_EXPORTER_OTLP_HEADERS")),
      interval: Config.withDefault(Config.integer("OTEL_METRIC_EXPORT_INTERVAL"), 15_000)
    }),
    (c) =>
      layerOtlp({
        endpoint: c.endpoint,
        serviceName: c.serviceName,
        headers: Option.match(c.headers, { onNone: () => ({}), onSome: (h) => parseHeaders(Redacted.value(h)) }),
        exportInterval: Duration.millis(c.interval)
      })
  )
)

/**
 * Options of the Prometheus layer.
 *
 * @since 0.1.0
 * @category models
 */
export interface PrometheusOptions {
  readonly serviceName: string
  /** Default 9464 (OpenTelemetry's Prometheus port). */
  readonly port?: number | undefined
  /** Default `127.0.0.1`: expose it wider on purpose, not by accident. */
  readonly host?: string | undefined
  /** Default `/metrics`. */
  readonly endpoint?: string | undefined
}

/**
 * Serves every Effect metric (ours included) in the Prometheus text format.
 *
 * **Details**
 *
 * The layer completes once the server listens, so the first scrape succeeds; it
 * fails with `ExporterStartError` if it cannot (port taken), and with
 * `InvalidOptionError` for a bad port. The server stops when the layer is
 * released. Prometheus adds `_total` to counters and an `otel_scope_name` label.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerPrometheus = (
  options: PrometheusOptions
): Layer.Layer<never, InvalidOptionError | ExporterStartError> => {
  const port = options.port ?? 9464
  const host = options.host ?? "127.0.0.1"
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    return Layer.fail(new InvalidOptionError({ option: "port", value: String(port), expected: "an integer in [0, 65535]" }))
  }
  const start = Effect.acquireRelease(
    Effect.async<PrometheusExporter, ExporterStartError>((resume) => {
      const exporter: PrometheusExporter = new PrometheusExporter(
        { host, port, endpoint: options.endpoint ?? "/metrics" },
        (error) =>
          resume(
            error
              ? Effect.fail(new ExporterStartError({ exporter: "prometheus", address: `${host}:${port}`, reason: String(error.message ?? error) }))
              : Effect.succeed(exporter)
          )
      )
    }),
    // OtelMetrics.layer shuts the reader down too; stopping the server twice is harmless.
    (exporter) => Effect.promise(() => exporter.stopServer()).pipe(Effect.ignore)
  )
  return Layer.unwrapScoped(
    Effect.map(start, (exporter) =>
      OtelMetrics.layer(() => exporter).pipe(
        Layer.provide(OtelResource.layer({ serviceName: options.serviceName }))
      ))
  )
}

/**
 * `layerPrometheus` configured from `OTEL_EXPORTER_PROMETHEUS_PORT` (default 9464),
 * `OTEL_EXPORTER_PROMETHEUS_HOST` (default `127.0.0.1`) and `OTEL_SERVICE_NAME`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerPrometheusConfig: Layer.Layer<
  never,
  InvalidOptionError | ExporterStartError | ConfigError.ConfigError
> = Layer.unwrapEffect(
  Effect.map(
    Config.all({
      port: Config.withDefault(Config.port("OTEL_EXPORTER_PROMETHEUS_PORT"), 9464),
      host: Config.withDefault(Config.string("OTEL_EXPORTER_PROMETHEUS_HOST"), "127.0.0.1"),
      serviceName: Config.withDefault(Config.string("OTEL_SERVICE_NAME"), "effect-breaker")
    }),
    layerPrometheus
  )
)
