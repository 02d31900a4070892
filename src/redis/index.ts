/**
 * `effect-breaker/redis`: breakers and rate-limit gates shared by a fleet of
 * replicas through Redis (ioredis 5, an optional peer dependency).
 *
 * @since 0.2.0
 */

/**
 * The Redis fleet store: `layer`, `layerConfig`, `make`.
 *
 * @since 0.2.0
 */
export * as RedisStore from "./RedisStore.js"

export {
  /**
   * A layer needs an optional peer dependency that is not installed (here:
   * ioredis); the message names the package and the `npm install` line.
   *
   * @since 0.2.0
   * @category errors
   */
  MissingPeerError
} from "../internal/peer.js"
