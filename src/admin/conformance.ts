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

// ---------------------------------------------------------------------------
// Host
// ---------------------------------------------------------------------------

/** The hostname of a Host header, lower-cased, without port; IPv6 without brackets. `undefined` when malformed. */
const hostname = (header: string): string | undefined => {
  const value = header.trim().toLowerCase()
  if (value.startsWith("[")) {
    const end = value.indexOf("]")
    if (end === -1) return undefined
    const rest = value.slice(end + 1)
    if (rest !== "" && !/^:\d{1,5}$/.test(rest)) return undefined
    return value.slice(1, end)
  }
  const match = /^([^:\s/@]+)(?::\d{1,5})?$/.exec(value)
  return match?.[1]
}

const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/
const isIpLiteral = (name: string): boolean => IPV4.test(name) || (name.includes(":") && /^[0-9a-f:.]+$/.test(name))

/** The names always answered: the loopback names. @internal */
export const loopbackNames: ReadonlyArray<string> = ["localhost", "localhost.", "127.0.0.1", "::1"]

/** A valid entry of `allowedHosts`: a hostname (letters, digits, `-`, `.`), no port, no scheme. @internal */
export const isHostName = (u: unknown): u is string =>
  typeof u === "string" && u.length > 0 && u.length <= 253 && /^[A-Za-z0-9.-]+$/.test(u) && !/^\.|\.\.|^-/.test(u)

/**
 * Whether a request's Host may be answered: a loopback name, an IP literal (a
 * browser that reached the server by its address cannot be steered there by
 * DNS: rebinding needs a name the attacker controls), or one of `allowed`.
 * A missing Host is refused (browsers always send one).
 *
 * @internal
 */
export const hostCheck = (allowed: ReadonlyArray<string>) => {
  const names = new Set([...loopbackNames, ...allowed.map((n) => n.toLowerCase())])
  return (header: string | undefined): boolean => {
    if (header === undefined) return false
    const name = hostname(header)
    return name !== undefined && (names.has(name) || isIpLiteral(name))
  }
}

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
