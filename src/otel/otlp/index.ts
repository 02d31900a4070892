/**
 * `effect-breaker/otel/otlp`: traces and metrics (effect-breaker's and the rest
 * of the program's) exported with OTLP over HTTP (JSON) to a collector.
 *
 * Install: `npm install @effect/opentelemetry @opentelemetry/exporter-trace-otlp-http @opentelemetry/exporter-metrics-otlp-http`.
 * A missing one fails the layer with `MissingPeerError` naming it. Collector
 * headers (which often carry an API key) are taken as `Redacted` and never logged.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { InvalidOptionError } from "../../CircuitBreaker.js"
import * as O from "../../internal/settings/options.js"
import * as S from "../../internal/settings/schema.js"
import { REDACTED } from "../../internal/secrets.js"
import * as Schema from "effect/Schema"
import { loadEffectOtel, tracerLayer } from "../../internal/otel/load.js"
import { importPeer, type MissingPeerError } from "../../internal/peer.js"

export {
  /**
   * A layer needs an optional peer dependency that is not installed; the
   * message names the package and the `npm install` line.
   *
   * @since 0.1.0
   * @category errors
   */
  MissingPeerError
} from "../../internal/peer.js"

const SUBPATH = "effect-breaker/otel/otlp"

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
  /**
   * API keys to remove from exported spans, besides key shapes (every span is
   * scrubbed before export: exception events, error status, header/URL/message
   * attributes). The collector `headers` are removed too.
   */
  readonly secrets?: ReadonlyArray<Redacted.Redacted<string>> | undefined
}

const OtlpOptionsSchema = O.options({
  serviceName: O.nonEmpty,
  serviceVersion: O.optional(O.nonEmpty),
  endpoint: O.optional(Schema.String),
  headers: O.optional(S.expecting(Schema.Record({ key: Schema.String, value: O.redacted }), "a record of Redacted header values")),
  exportInterval: O.optional(O.duration(true)),
  traces: O.optional(O.boolean),
  metrics: O.optional(O.boolean),
  secrets: O.optional(O.secrets)
})

/**
 * `OTEL_METRIC_EXPORT_INTERVAL`: a positive whole number of milliseconds in plain
 * decimal (`0x10`, `1e3`, `1.5` refused, as the registry's variables), decoded with
 * Schema; the error names the value.
 */
const IntervalMillis = Schema.compose(
  Schema.String.pipe(Schema.pattern(/^0*[1-9][0-9]*$/, {
    message: (issue) => `got ${JSON.stringify(issue.actual)}, expected a positive whole number of milliseconds, such as 15000`
  })),
  Schema.NumberFromString
)

/**
 * What an error may echo of a bad endpoint: userinfo (with or without a scheme
 * before it: `user:key@host` parses as the scheme `user:`) and the query or
 * fragment (`?api_key=...`) are left out.
 */
const shownUrl = (value: string): string =>
  value.replace(/^([^:/?#@]*:\/\/)?[^@/?#]*@/, `$1${REDACTED}@`).replace(/[?#].*$/s, `?${REDACTED}`)

const validUrl = (option: string, value: string): Effect.Effect<string, InvalidOptionError> =>
  Effect.try({
    try: () => {
      const url = new URL(value)
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("protocol")
      // Drop userinfo from what we echo back in errors and keep the base without a trailing slash.
      return url.href.replace(/\/$/, "")
    },
    catch: () =>
      new InvalidOptionError({ option, value: JSON.stringify(shownUrl(value)), expected: "an http(s) URL" })
  })

/**
 * Exports traces and metrics with OTLP over HTTP (JSON) to a collector.
 *
 * **Details**
 *
 * Spans go through a `BatchSpanProcessor`; metrics through a
 * `PeriodicExportingMetricReader` (cumulative). Both flush when the layer is
 * released. Fails with `InvalidOptionError` when `endpoint` is not an http(s)
 * URL, and with `MissingPeerError` when a peer is not installed (only the
 * exporters of the signals you keep are loaded).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerOtlp = (options: OtlpOptions): Layer.Layer<never, InvalidOptionError | MissingPeerError> =>
  Layer.unwrapEffect(Effect.gen(function*() {
    yield* O.checkSecret(OtlpOptionsSchema, options, ["headers", "secrets"])
    const base = yield* validUrl("endpoint", options.endpoint ?? "http://localhost:4318")
    const otel = yield* loadEffectOtel(SUBPATH)
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(options.headers ?? {})) headers[k] = Redacted.value(v)
    let traces: Layer.Layer<never, MissingPeerError, import("@effect/opentelemetry/Resource").Resource> = Layer.empty
    if (options.traces !== false) {
      const { OTLPTraceExporter } = yield* importPeer(SUBPATH, () => import("@opentelemetry/exporter-trace-otlp-http"))
      const { BatchSpanProcessor } = yield* importPeer(SUBPATH, () => import("@opentelemetry/sdk-trace-base"))
      traces = tracerLayer(SUBPATH, otel, new BatchSpanProcessor(new OTLPTraceExporter({ url: `${base}/v1/traces`, headers })),
        [...(options.secrets ?? []), ...Object.values(options.headers ?? {})])
    }
    let metrics: Layer.Layer<never, never, import("@effect/opentelemetry/Resource").Resource> = Layer.empty
    if (options.metrics !== false) {
      const { OTLPMetricExporter } = yield* importPeer(SUBPATH, () => import("@opentelemetry/exporter-metrics-otlp-http"))
      const { PeriodicExportingMetricReader } = yield* importPeer(SUBPATH, () => import("@opentelemetry/sdk-metrics"))
      metrics = otel.Metrics.layer(() =>
        new PeriodicExportingMetricReader({
          exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics`, headers }),
          exportIntervalMillis: Duration.toMillis(options.exportInterval ?? "15 seconds")
        })
      )
    }
    return Layer.mergeAll(traces, metrics).pipe(
      Layer.provide(otel.Resource.layer({
        serviceName: options.serviceName,
        ...(options.serviceVersion !== undefined ? { serviceVersion: options.serviceVersion } : {})
      }))
    )
  }))

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
export const layerOtlpConfig: Layer.Layer<never, InvalidOptionError | MissingPeerError | ConfigError.ConfigError> = Layer
  .unwrapEffect(
    Effect.map(
      Config.all({
        endpoint: Config.withDefault(Config.string("OTEL_EXPORTER_OTLP_ENDPOINT"), "http://localhost:4318"),
        serviceName: Config.withDefault(Config.string("OTEL_SERVICE_NAME"), "effect-breaker"),
        headers: Config.option(Config.redacted("OTEL_EXPORTER_OTLP_HEADERS")),
        interval: Config.withDefault(Schema.Config("OTEL_METRIC_EXPORT_INTERVAL", IntervalMillis), 15_000)
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
