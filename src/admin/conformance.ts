/**
 * The admin API's HTTP hygiene: which Host headers it answers (DNS rebinding),
 * which methods each known path serves (405 with `Allow`), and reading a body
 * of bounded size whatever its framing (413 on a connection that stays usable).
 *
 * @internal
 */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

export { hostCheck, isHostName, loopbackNames } from "../internal/hostCheck.js"

// ---------------------------------------------------------------------------
// Methods
// ---------------------------------------------------------------------------

const GET = "GET, HEAD"
const POST = "POST"

/**
 * The `Allow` value of a known path (`undefined` for an unknown one), matching
 * the routes of `router.ts`.
 *
 * @internal
 */
export const allowOf = (path: string): string | undefined => {
  const segments = path.split("?")[0]!.split("/").slice(1)
  if (segments.length === 1 && ["breakers", "health", "metrics"].includes(segments[0]!)) return GET
  if (segments[0] !== "breakers" || segments.some((s) => s === "")) return undefined
  if (segments.length === 2) return GET
  if (segments.length === 3) return POST
  return undefined
}

// ---------------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------------

/** The body was larger than the limit. @internal */
export class TooLarge {
  readonly _tag = "TooLarge"
  constructor(readonly limit: number) {}
  get message(): string {
    return `the body is larger than ${this.limit / 1024} KiB`
  }
}

/** The body could not be read. @internal */
export class Unreadable {
  readonly _tag = "Unreadable"
}

/**
 * Reads the body as UTF-8 text, keeping at most `limit` bytes, whatever its
 * framing (`content-length` or chunked). A body declared larger is refused
 * before reading (Node discards it after the answer). A chunked body that grows
 * past the limit is answered at once, while a background fiber keeps reading
 * and discarding the rest: the client gets its 413 before it finishes sending,
 * and the connection stays usable once the body ends. Nothing past the limit is
 * kept; Node's `requestTimeout` (300 s by default) bounds a body that never ends.
 *
 * @internal
 */
export const readBody = (
  limit: number
): Effect.Effect<string | TooLarge | Unreadable, never, HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const declared = request.headers["content-length"]
    if (declared !== undefined && Number(declared) > limit) return Effect.succeed(new TooLarge(limit))
    return Effect.flatMap(Deferred.make<string | TooLarge | Unreadable>(), (decided) => {
      const chunks: Array<Uint8Array> = []
      let size = 0
      const drain = request.stream.pipe(
        Stream.runForEach((chunk) => {
          size += chunk.length
          if (size <= limit) {
            chunks.push(chunk)
            return Effect.void
          }
          chunks.length = 0
          return Deferred.succeed(decided, new TooLarge(limit))
        }),
        Effect.matchEffect({
          onFailure: () => Deferred.succeed(decided, new Unreadable()),
          onSuccess: () => Deferred.succeed(decided, Buffer.concat(chunks).toString("utf8"))
        })
      )
      // the drain outlives the answer on purpose (it ends with the body); completing `decided` twice does nothing
      return Effect.zipRight(Effect.forkDaemon(drain), Deferred.await(decided))
    })
  })
