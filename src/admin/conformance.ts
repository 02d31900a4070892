/**
 * The admin API's HTTP hygiene: which Host headers it answers (DNS rebinding),
 * which methods each known path serves (405 with `Allow`), and reading a body
 * of bounded size whatever its framing (413 on a connection that stays usable).
 *
 * @internal
 */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
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
 * before reading (the server discards it after the answer); a chunked body that
 * grows past the limit is read to its end and discarded, up to `drainLimit`
 * bytes, so the client gets its 413 on a connection it can reuse. A body past
 * `drainLimit` is not read further (the connection is then closed by the server).
 *
 * @internal
 */
export const readBody = (
  limit: number,
  drainLimit: number
): Effect.Effect<string | TooLarge | Unreadable, never, HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const declared = request.headers["content-length"]
    if (declared !== undefined && Number(declared) > limit) return Effect.succeed(new TooLarge(limit))
    const chunks: Array<Uint8Array> = []
    let size = 0
    return request.stream.pipe(
      Stream.takeWhile(() => size <= drainLimit),
      Stream.runForEach((chunk) =>
        Effect.sync(() => {
          size += chunk.length
          if (size <= limit) chunks.push(chunk)
        })
      ),
      Effect.match({
        onFailure: (): string | TooLarge | Unreadable => new Unreadable(),
        onSuccess: () => size > limit ? new TooLarge(limit) : Buffer.concat(chunks).toString("utf8")
      })
    )
  })
