/**
 * `effect-breaker/testing`: a fake LLM provider (OpenAI and Anthropic
 * flavors, on a real loopback HTTP server) and its scriptable behaviours.
 *
 * @since 0.1.0
 */

/**
 * What the fake provider answers: `ok`, `rateLimited`, `overloaded`, `hang`,
 * `timeline`, ...
 *
 * @since 0.1.0
 */
export * as Behavior from "./Behavior.js"

/**
 * The fake provider: `make`, `layer`, `closedPort`.
 *
 * @since 0.1.0
 */
export * as FakeProvider from "./FakeProvider.js"

/**
 * A throwaway `redis-server` on a free loopback port: `make`, `available`,
 * `installHint`.
 *
 * @since 0.2.0
 */
export * as RedisServer from "./RedisServer.js"
