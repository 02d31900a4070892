/**
 * An admin HTTP API over the `BreakerRegistry`: list breakers with their figures
 * and health, force a state during an incident, and serve health and metrics.
 *
 * **Details**
 *
 * | route | auth | answer |
 * |---|---|---|
 * | `GET /breakers` | - | `{ breakers: [{ name, status, reason, stats, settings }] }` |
 * | `GET /breakers/:name` | - | one breaker, or 404 |
 * | `POST /breakers/:name/force-open` | bearer | reject every call until reset |
 * | `POST /breakers/:name/force-close`, `/reset` | bearer | back to Closed with empty windows |
 * | `POST /breakers/:name/disable` | bearer | let everything through, record nothing |
 * | `POST /breakers/:name/metrics-only` | bearer | let everything through, record, never trip |
 * | `GET /health` | - | `{ status, breakers }`, 503 when the overall status is `failed` |
 * | `GET /metrics` | - | the text of the `metrics` effect you give (e.g. Prometheus), else 404 |
 *
 * Every answer is JSON (but `/metrics`). A missing or wrong token is 401, an unknown
 * breaker or route 404, an unknown action or a body that is not a JSON object
 * (`{ "reason": "incident 42" }` is optional and goes to the audit log) 400.
 * Numbers JSON cannot carry (`retryAfterMs` is `Infinity` when forced open) are `null`.
 * A name with a `/` is URL-encoded in the path: `/breakers/openai%2Fgpt-4o`.
 *
 * The token is a `Redacted` value of at least 16 characters, compared in constant
 * time; it never appears in an answer or a log line. The API makes no spans of its
 * own; mounted under `HttpMiddleware.tracer`, the platform redacts the
 * `authorization` header in request spans. Bodies are read up to 4 KiB, whatever their
 * framing: a larger one is 413 (a chunked one as soon as it passes the limit, the rest
 * discarded in the background so the connection stays usable). A known path with a method it does not
 * serve is 405 with `Allow` (RFC 9110); GET routes also answer HEAD. The server binds
 * `127.0.0.1` unless told otherwise. Reading routes need no token: keep the port off
 * public networks. Against DNS rebinding (a web page whose name is re-pointed at
 * 127.0.0.1 reading `/breakers` from a browser on this machine), a request whose
 * `Host` is not a loopback name, an IP literal or one of `allowedHosts` is 421.
 *
 * **Example**
 *
 * ```ts
 * import { NodeRuntime } from "@effect/platform-node"
 * import { Layer } from "effect"
 * import { BreakerRegistry } from "effect-breaker"
 * import * as Admin from "effect-breaker/admin"
 *
 * // BREAKER_ADMIN_TOKEN=... BREAKER_ADMIN_PORT=9470 BREAKERS=openai,anthropic
 * const AdminLive = Admin.layerConfig().pipe(Layer.provide(BreakerRegistry.layerConfig()))
 * Layer.launch(AdminLive).pipe(NodeRuntime.runMain)
 * ```
 *
 * @since 0.1.0
 */
import * as HttpServer from "@effect/platform/HttpServer"
import type { ServeError } from "@effect/platform/HttpServerError"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { createServer } from "node:http"
import type { BreakerRegistry } from "../BreakerRegistry.js"
import { InvalidOptionError } from "../CircuitBreaker.js"
import type { HealthOptions } from "../BreakerRegistry.js"
import { minimumTokenLength } from "./auth.js"
import { isHostName } from "./conformance.js"
import * as internal from "./router.js"
import * as O from "../internal/settings/options.js"
import * as S from "../internal/settings/schema.js"
import * as Schema from "effect/Schema"

/**
 * What the admin routes need.
 *
 * @since 0.1.0
 * @category models
 */
export interface AppOptions {
  /** The bearer token for routes that change state (at least 16 characters). */
  readonly token: Redacted.Redacted<string>
  /** The text for `GET /metrics`, e.g. the Prometheus exposition from `effect-breaker/otel/prometheus`. */
  readonly metrics?: Effect.Effect<string, unknown> | undefined
  /** How `GET /health` and each breaker's status are judged. */
  readonly health?: HealthOptions | undefined
  /**
   * Host names (no port, no scheme) the API answers besides the loopback names
   * (`localhost`, `127.0.0.1`, `::1`) and any IP literal, e.g. the name a
   * reverse proxy forwards. A request whose `Host` is another name gets 421:
   * a page on another site that rebinds its DNS name to this address (DNS
   * rebinding) cannot read `/breakers`. Default: none.
   */
  readonly allowedHosts?: ReadonlyArray<string> | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends AppOptions {
  /** Default 9470. `0` picks a free port (read it from `HttpServer.HttpServer`). */
  readonly port?: number | undefined
  /** Default `127.0.0.1`. */
  readonly host?: string | undefined
}

/**
 * The names of the manual actions, as in `POST /breakers/:name/<action>`.
 *
 * @since 0.1.0
 * @category models
 */
export const actions: ReadonlyArray<string> = Object.keys(internal.actions)

const isHost = (u: unknown): u is string => isHostName(u)

const appFields = {
  token: O.redactedString(minimumTokenLength),
  metrics: O.optional(O.effect("an Effect that gives the metrics text (e.g. the Prometheus exposition)")),
  health: O.optional(O.options({
    degradedAt: O.optional(S.fraction),
    failWhen: O.optional(S.expecting(Schema.Literal("any", "all"), "\"any\" or \"all\""))
  })),
  allowedHosts: O.optional(
    S.expecting(
      Schema.Array(O.guarded(isHost, "a host name such as \"breakers.internal\" (letters, digits, '-', '.'; no port or scheme)")),
      "an array of host names"
    )
  )
}

const AppOptionsSchema = O.options(appFields)

const OptionsSchema = O.options({
  ...appFields,
  port: O.optional(O.port),
  host: O.optional(O.nonEmpty)
})

/** Checks the options with the one option Schema; a bad token is never shown. */
const checkOptions = <A>(schema: Schema.Schema<A, any>, options: unknown): Effect.Effect<A, InvalidOptionError> =>
  O.checkSecret(schema, options, ["token"])

/**
 * The admin API as an `HttpApp`, to mount in a server of your own
 * (`HttpServer.serve(Admin.app(options))`). Fails with `InvalidOptionError` on a
 * token that is missing or too short, or a bad `allowedHosts` entry.
 *
 * @since 0.1.0
 * @category constructors
 */
export const app = (options: AppOptions) =>
  Effect.zipRight(checkOptions(AppOptionsSchema, options), Effect.sync(() => internal.app(options)))

/** The name the server is bound to (when it is a name) is answered too. */
const withBoundHost = (options: Options): Options =>
  options.host !== undefined && isHostName(options.host) && !/^[\d.]+$/.test(options.host) &&
    !(options.allowedHosts ?? []).includes(options.host)
    ? { ...options, allowedHosts: [...(options.allowedHosts ?? []), options.host] }
    : options

/**
 * Serves the admin API with `@effect/platform-node` on `host:port`
 * (127.0.0.1:9470 by default) and logs the address.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<HttpServer.HttpServer, ServeError | InvalidOptionError, BreakerRegistry> =>
  Layer.unwrapEffect(
    Effect.map(Effect.zipRight(checkOptions(OptionsSchema, options), Effect.suspend(() => app(withBoundHost(options)))), (httpApp) =>
      HttpServer.serve(httpApp).pipe(
        HttpServer.withLogAddress,
        Layer.provideMerge(
          NodeHttpServer.layer(createServer, { port: options.port ?? 9470, host: options.host ?? "127.0.0.1" })
        )
      )
    )
  )

/**
 * {@link layer} configured from `Config`: `BREAKER_ADMIN_TOKEN` (required, read as
 * `Config.redacted`), `BREAKER_ADMIN_PORT` (default 9470), `BREAKER_ADMIN_HOST`
 * (default 127.0.0.1), `BREAKER_ADMIN_ALLOWED_HOSTS` (comma-separated host names,
 * default none; see `allowedHosts`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options?: Omit<AppOptions, "token"> | undefined
): Layer.Layer<HttpServer.HttpServer, ServeError | InvalidOptionError | ConfigError.ConfigError, BreakerRegistry> =>
  Layer.unwrapEffect(
    Effect.map(
      Config.all({
        token: Config.redacted("BREAKER_ADMIN_TOKEN"),
        port: Config.integer("BREAKER_ADMIN_PORT").pipe(
          Config.validate({ message: "Expected a port from 0 (any free port) to 65535", validation: (n) => n >= 0 && n <= 65535 }),
          Config.withDefault(9470)
        ),
        host: Config.withDefault(Config.string("BREAKER_ADMIN_HOST"), "127.0.0.1"),
        allowedHosts: Config.withDefault(Config.array(Config.string(), "BREAKER_ADMIN_ALLOWED_HOSTS"), [])
      }),
      (config) => layer({ ...options, ...config })
    )
  )
