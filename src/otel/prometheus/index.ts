/**
 * `effect-breaker/otel/prometheus`: every Effect metric (effect-breaker's
 * included) served in the Prometheus text format on a loopback `/metrics`.
 *
 * Install: `npm install @effect/opentelemetry @opentelemetry/exporter-prometheus`.
 * A missing one fails the layer with `MissingPeerError` naming it.
 *
 * @since 0.1.0
 */
import type { PrometheusExporter } from "@opentelemetry/exporter-prometheus"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { InvalidOptionError } from "../../CircuitBreaker.js"
import { loadEffectOtel } from "../../internal/otel/load.js"
import { hostCheck, isHostName } from "../../internal/hostCheck.js"
import * as O from "../../internal/settings/options.js"
import * as S from "../../internal/settings/schema.js"
import { importPeer, type MissingPeerError } from "../../internal/peer.js"
import * as Http from "node:http"

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

const SUBPATH = "effect-breaker/otel/prometheus"

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
  /**
   * Host names answered besides loopback names and IP literals (a scrape by
   * address always passes). Another `Host` gets 421, so a web page that points
   * its own DNS name at this address (DNS rebinding) cannot read the metrics
   * (breaker names, hosts) from a browser on this machine. Default: none.
   */
  readonly allowedHosts?: ReadonlyArray<string> | undefined
}

const PrometheusOptionsSchema = O.options({
  serviceName: O.nonEmpty,
  port: O.optional(O.port),
  host: O.optional(O.nonEmpty),
  endpoint: O.optional(S.expecting(Schema.String.pipe(Schema.startsWith("/")), "a path such as \"/metrics\"")),
  allowedHosts: O.optional(S.expecting(
    Schema.Array(O.guarded((u): u is string => isHostName(u), "a host name such as \"metrics.internal\" (no port or scheme)")),
    "an array of host names"
  ))
})

/**
 * Serves every Effect metric (ours included) in the Prometheus text format.
 *
 * **Details**
 *
 * The layer completes once the server listens, so the first scrape succeeds; it
 * fails with `ExporterStartError` if it cannot (port taken), with
 * `InvalidOptionError` for a bad port, and with `MissingPeerError` when a peer
 * is not installed. The server stops when the layer is released. Prometheus
 * adds `_total` to counters and an `otel_scope_name` label. Only a `Host` that
 * is a loopback name, an IP literal or one of `allowedHosts` is answered (421
 * otherwise: DNS rebinding); other paths are 404, other methods 405.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerPrometheus = (
  options: PrometheusOptions
): Layer.Layer<never, InvalidOptionError | ExporterStartError | MissingPeerError> => {
  const checked = O.checkEither(PrometheusOptionsSchema, options)
  if (checked._tag === "Left") return Layer.fail(checked.left)
  const port = options.port ?? 9464
  const host = options.host ?? "127.0.0.1"
  const allowedHosts = options.allowedHosts ?? []
  const hostAllowed = hostCheck(isHostName(host) && !/^[\d.]+$/.test(host) ? [...allowedHosts, host] : allowedHosts)
  const endpoint = options.endpoint ?? "/metrics"
  return Layer.unwrapScoped(Effect.gen(function*() {
    const otel = yield* loadEffectOtel(SUBPATH)
    const { PrometheusExporter } = yield* importPeer(SUBPATH, () => import("@opentelemetry/exporter-prometheus"))
    // The exporter's own server cannot check Host: serve its handler from ours.
    const exporter: PrometheusExporter = new PrometheusExporter({ endpoint, preventServerStart: true })
    yield* Effect.acquireRelease(
      Effect.async<Http.Server, ExporterStartError>((resume) => {
        const server = Http.createServer((req, res) => {
          if (!hostAllowed(req.headers.host)) {
            res.writeHead(421, { "content-type": "text/plain; charset=utf-8" })
            return void res.end("misdirected request: this server does not answer for that Host (see allowedHosts)\n")
          }
          if ((req.url ?? "").split("?")[0] !== endpoint) {
            res.writeHead(404, { "content-type": "text/plain; charset=utf-8" })
            return void res.end(`not found: metrics are at ${endpoint}\n`)
          }
          if (req.method !== "GET" && req.method !== "HEAD") {
            res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" })
            return void res.end("method not allowed\n")
          }
          exporter.getMetricsRequestHandler(req, res)
        })
        server.once("error", (error) =>
          resume(Effect.fail(new ExporterStartError({ exporter: "prometheus", address: `${host}:${port}`, reason: String(error.message ?? error) }))))
        server.listen({ host, port }, () => resume(Effect.succeed(server.unref())))
      }),
      // OtelMetrics.layer shuts the reader down too; closing the server is ours.
      (server) =>
        Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
        })
    )
    return otel.Metrics.layer(() => exporter).pipe(Layer.provide(otel.Resource.layer({ serviceName: options.serviceName })))
  }))
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
  InvalidOptionError | ExporterStartError | MissingPeerError | ConfigError.ConfigError
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
