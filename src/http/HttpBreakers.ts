/**
 * A circuit breaker per host for `@effect/platform`'s `HttpClient`.
 *
 * **Details**
 *
 * `HttpBreakers.protect(breakers)` transforms a client so that each request
 * goes through the breaker of its key: its host by default (`keys.byHost`),
 * or any `key` function (e.g. `byHostAndPath(2)`). One failing host opens
 * only its own circuit; the others keep serving.
 *
 * - Breakers are made **lazily**, on the first request to a key, with the
 *   `Clock` and observers (metrics, spans) of the fiber that made the
 *   `HttpBreakers`, and named `namePrefix + key` (user info never appears).
 * - At most `maxKeys` are kept (default 1,000): past that the least recently
 *   used key is forgotten (its state is lost; in-flight calls on it still
 *   finish normally). This bounds memory when keys come from user input.
 *   A forgotten key's breaker is released with it: its metric series leave
 *   the registry (the next export or scrape no longer has them), its `events`
 *   streams end, its store frees what it held for it. Releasing the
 *   {@link layer} releases every key. So with `BreakerTelemetry.layerMetrics`
 *   at most `maxKeys` breakers' series exist (11 at creation, 18 once a
 *   circuit has tripped and recovered; see the README's "Cardinality"). A key
 *   is held in at most 200 characters (a longer one as its head and a hash).
 * - **Classification** (default): a response is judged by its status even if
 *   the caller does not use `HttpClient.filterStatusOk` — 5xx, 408 and 504
 *   are failures (a `retry-after` hint can lengthen the opening), 429 and
 *   other 4xx are Ignored, the rest are successes; an `HttpClientError` is
 *   judged by `httpClassifier` (transport errors fail, `filterStatusOk`'s
 *   `ResponseError`s as their status), a `TimeoutException` fails. So the
 *   outcome is the same whether `filterStatusOk` is applied before or after
 *   `protect`. The response itself is returned unchanged.
 * - Put the **timeout inside**: `client.pipe(HttpClient.transformResponse(Effect.timeout("10 seconds")), HttpBreakers.protect(breakers))`,
 *   so a hanging host is recorded as failing. The breaker covers the call up
 *   to the response headers; reading the body is the caller's.
 * - A rejected request fails with `CircuitOpenError` and is never sent.
 * - An `HttpClientError` leaves the protected client as `redactHttpClientError`'s
 *   copy (same class, reason and status; credential headers `<redacted>`), since
 *   `@effect/platform` keeps `authorization` on the error in plain text.
 *
 * **Example**
 *
 * ```ts
 * import { HttpClient } from "@effect/platform"
 * import { Effect } from "effect"
 * import { HttpBreakers } from "effect-breaker/http"
 *
 * const program = Effect.gen(function*() {
 *   const breakers = yield* HttpBreakers.make({ maxKeys: 100 })
 *   const client = (yield* HttpClient.HttpClient).pipe(HttpBreakers.protect(breakers))
 *   return yield* client.get("http://127.0.0.1:8080/health")
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { dual } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as CircuitBreaker from "../CircuitBreaker.js"
import { type CircuitOpenError, InvalidOptionError } from "../CircuitBreaker.js"
import * as O from "../internal/settings/options.js"
import * as S from "../internal/settings/schema.js"
import * as Schema from "effect/Schema"
import { boundedKey, hash53 } from "../internal/boundedKey.js"
import { makeScrubber, REDACTED, redactUrl, type Scrubber, scrubShapes } from "../internal/secrets.js"
import type * as Redacted from "effect/Redacted"
import { redactHttpClientError as redactWith } from "../internal/http/redact.js"
import { compile } from "../internal/options.js"
import { releaseBreaker } from "../internal/release.js"
import { makeResponseClassifier } from "./classify.js"
import { byHost, type KeyFn } from "./keys.js"
import { dropPromise } from "../internal/callback.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The options of each breaker (its `name` is `namePrefix + key`). Default `classify`: see the module doc. */
  readonly breaker?: Omit<CircuitBreaker.Options, "name"> | undefined
  /** Chooses a request's circuit. Default: `byHost`. */
  readonly key?: KeyFn | undefined
  /** How many keys (breakers) are kept, least recently used forgotten first. Default 1,000. */
  readonly maxKeys?: number | undefined
  /** Prefix of each breaker's name. Default `"http:"`. */
  readonly namePrefix?: string | undefined
  /**
   * The credentials the requests carry (API keys, tokens), as `Redacted`: removed in every encoding from
   * the errors `protect` hands back and from breaker names, whatever their shape (credential headers,
   * userinfo, `?key=` and key shapes are removed without them).
   */
  readonly secrets?: ReadonlyArray<Redacted.Redacted<string>> | undefined
}

/**
 * A bounded, lazily filled set of breakers, one per key.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The key of a request. */
  readonly keyOf: KeyFn
  /** The breaker of a key, made now if there is none. */
  readonly breakerFor: (key: string) => Effect.Effect<CircuitBreaker.CircuitBreaker>
  /** The breaker of a key if one exists (does not make one or change the LRU order). */
  readonly get: (key: string) => Effect.Effect<Option.Option<CircuitBreaker.CircuitBreaker>>
  /** The current breakers by key, least recently used first. */
  readonly breakers: Effect.Effect<ReadonlyArray<readonly [key: string, breaker: CircuitBreaker.CircuitBreaker]>>
  /** A snapshot of every current breaker. */
  readonly stats: Effect.Effect<ReadonlyArray<CircuitBreaker.Stats>>
  /** @internal */
  readonly unsafeFor: (key: string) => CircuitBreaker.CircuitBreaker
  /** @internal What errors and names are scrubbed with (the `secrets` and key shapes). */
  readonly scrubber?: Scrubber | undefined
  /** @internal Forgets every key and releases its breaker (the layer's finalizer). */
  readonly releaseAll: Effect.Effect<void>
}

/**
 * The per-host breakers as a service (for admin and health endpoints): the
 * tag provided by {@link layer}.
 *
 * @since 0.1.0
 * @category models
 */
export class HttpBreakers extends Context.Tag("effect-breaker/http/HttpBreakers")<HttpBreakers, Service>() {}

const OptionsSchema = O.options({
  breaker: O.optional(O.guarded(
    (u): u is object => typeof u === "object" && u !== null && !Array.isArray(u),
    "the options of each breaker ({ policy, openDuration, ... })"
  )),
  key: O.optional(O.func("a function from a request to its key (e.g. HttpBreakers.byHost)")),
  maxKeys: O.optional(S.int(1, Number.MAX_SAFE_INTEGER)),
  // Not only whitespace either: a blank prefix with a blank key would make a breaker name `make` refuses, per request (a defect).
  namePrefix: O.optional(S.expecting(S.name.pipe(Schema.maxLength(100)), "a string of 1 to 100 characters, not only whitespace")),
  secrets: O.optional(O.secrets)
})

/**
 * Makes the per-key breakers. Fails with `InvalidOptionError` naming the
 * option (`maxKeys`, `namePrefix`, `breaker.*`) when one is out of range.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options?: Options): Effect.Effect<Service, InvalidOptionError> =>
  Effect.flatMap(Effect.runtime<never>(), (runtime) => {
    const bad: Either.Either<unknown, InvalidOptionError> = options === undefined ? Either.void : O.checkEither(OptionsSchema, options)
    if (Either.isLeft(bad)) {
      const e = bad.left
      // a key given as a plain string, the mistake this catches, is not shown
      return Effect.fail(
        e.option === "secrets" || e.option.startsWith("secrets[") || e.option.startsWith("secrets.")
          ? new InvalidOptionError({ option: e.option, value: REDACTED, expected: e.expected })
          : e
      )
    }
    const scrubber = options?.secrets === undefined || options.secrets.length === 0 ? scrubShapes : makeScrubber(options.secrets)
    const maxKeys = options?.maxKeys ?? 1000
    const prefix = options?.namePrefix ?? "http:"
    const breakerOptions = options?.breaker ?? {}
    // Validate once, up front: every later breaker differs only by name.
    const checked = compile({ ...breakerOptions, name: `${prefix}example` } as CircuitBreaker.Options)
    if (Either.isLeft(checked)) {
      const e = checked.left
      return Effect.fail(new InvalidOptionError({ option: `breaker.${e.option}`, value: e.value, expected: e.expected }))
    }
    return Effect.map(Effect.clock, (clockService) => {
      const classify = breakerOptions.classify ?? makeResponseClassifier(() => clockService.unsafeCurrentTimeMillis())
      const makeSync = Runtime.runSync(runtime)
      const map = new Map<string, CircuitBreaker.CircuitBreaker>()
      let lastKey: string | undefined
      let lastBreaker: CircuitBreaker.CircuitBreaker | undefined

      const unsafeFor = (rawKey: string): CircuitBreaker.CircuitBreaker => {
        if (rawKey === lastKey && lastBreaker !== undefined) return lastBreaker
        // a key from data may be any length: each is held in at most 200 characters
        const key = boundedKey(rawKey)
        let breaker = map.get(key)
        if (breaker !== undefined) {
          map.delete(key)
        } else {
          if (map.size >= maxKeys) {
            const oldest = map.entries().next()
            if (!oldest.done) {
              map.delete(oldest.value[0])
              // the key is forgotten: its metric series, subscriptions and the rest go with it
              releaseBreaker(oldest.value[1])
            }
          }
          const name = boundedKey(`${prefix}${nameOf(key, scrubber)}`)
          // Options were validated above, so this cannot fail.
          breaker = makeSync(
            CircuitBreaker.make({ ...breakerOptions, name, classify }).pipe(Effect.orDie)
          )
        }
        map.set(key, breaker)
        lastKey = rawKey
        lastBreaker = breaker
        return breaker
      }

      const breakers = Effect.sync(() => Array.from(map.entries()))
      const releaseAll = Effect.sync(() => {
        for (const b of map.values()) releaseBreaker(b)
        map.clear()
        lastKey = undefined
        lastBreaker = undefined
      })
      return {
        keyOf: options?.key ?? byHost,
        unsafeFor,
        breakerFor: (key) => Effect.sync(() => unsafeFor(key)),
        get: (key) => Effect.sync(() => Option.fromNullable(map.get(boundedKey(key)))),
        breakers,
        stats: Effect.flatMap(breakers, (entries) => Effect.forEach(entries, ([, b]) => b.stats)),
        scrubber,
        releaseAll
      } satisfies Service
    })
  })

/**
 * The key of a request. A `key` function that throws or returns anything but a
 * non-empty string is not trusted: the request goes to its host's breaker, so a
 * bug in the key function neither becomes a defect in the caller's request nor
 * funnels every request into one breaker named "undefined".
 */
/**
 * A breaker's name for a key: the key, or (when it holds something shaped like
 * a secret, e.g. a token in a path segment or a `?key=` a key function kept)
 * the key scrubbed, with a hash of the whole key so two such keys stay two
 * names. The name reaches metric tags, spans, logs and `CircuitOpenError`;
 * computed once per new key, never per request.
 */
const nameOf = (key: string, scrubber: Scrubber): string => {
  const clean = scrubber(redactUrl(key))
  return clean === key ? key : `${clean}#${(hash53(key) >>> 0).toString(16).padStart(8, "0")}`
}

const keyFor = (breakers: Service, request: HttpClientRequest.HttpClientRequest): string => {
  try {
    const key: unknown = breakers.keyOf(request)
    if (typeof key === "string" && key.length > 0) return key
    dropPromise(key) // an async key function's promise is not a key; its rejection is handled
  } catch {
    // fall back to the host
  }
  return byHost(request)
}

/**
 * Runs each request of `self` through the breaker of its key. A rejected
 * request fails with `CircuitOpenError` without being sent.
 *
 * @since 0.1.0
 * @category combinators
 */
export const protect: {
  (breakers: Service): <E, R>(self: HttpClient.HttpClient.With<E, R>) => HttpClient.HttpClient.With<E | CircuitOpenError, R>
  <E, R>(self: HttpClient.HttpClient.With<E, R>, breakers: Service): HttpClient.HttpClient.With<E | CircuitOpenError, R>
} = dual(
  2,
  <E, R>(self: HttpClient.HttpClient.With<E, R>, breakers: Service): HttpClient.HttpClient.With<E | CircuitOpenError, R> =>
    HttpClient.transform(self, (effect, request) =>
      Effect.mapError(
        Effect.suspend(() => breakers.unsafeFor(keyFor(breakers, request))(effect)),
        // the platform keeps `authorization` on the error in plain text: hand back a copy without it
        (e) => HttpClientError.isHttpClientError(e) ? redactWith(e, breakers.scrubber ?? scrubShapes) as typeof e : e
      ))
)

/**
 * Provides the per-key breakers as the {@link HttpBreakers} service.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options?: Options): Layer.Layer<HttpBreakers, InvalidOptionError> =>
  Layer.scoped(HttpBreakers, Effect.tap(make(options), (service) => Effect.addFinalizer(() => service.releaseAll)))

/**
 * The `HttpClient` in context, protected by the {@link HttpBreakers} breakers.
 *
 * @since 0.1.0
 * @category constructors
 */
export const client: Effect.Effect<
  HttpClient.HttpClient.With<HttpClientError.HttpClientError | CircuitOpenError>,
  never,
  HttpClient.HttpClient | HttpBreakers
> = Effect.zipWith(HttpClient.HttpClient, HttpBreakers, (c, b) => protect(c, b))
