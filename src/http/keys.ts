/**
 * How requests are grouped into circuits: the key of a request names its
 * breaker. Pure string functions, no URL parsing objects on the hot path.
 *
 * @since 0.1.0
 */
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"

/**
 * Chooses the circuit of a request.
 *
 * @since 0.1.0
 * @category models
 */
export type KeyFn = (request: HttpClientRequest.HttpClientRequest) => string

const authorityEnd = (url: string, from: number): number => {
  for (let i = from; i < url.length; i++) {
    const c = url.charCodeAt(i)
    if (c === 47 || c === 63 || c === 35) return i // "/" "?" "#"
  }
  return url.length
}

/**
 * The host (with its port when the URL names one) of an absolute URL,
 * lower-cased; user info (`user:password@`) is dropped so credentials never
 * reach a breaker's name. `""` for a URL without `scheme://`.
 *
 * **Example**
 *
 * ```ts
 * import { hostOf } from "effect-breaker/http"
 *
 * hostOf("https://user:pw@API.openai.com:443/v1/responses?x=1")
 * // "api.openai.com:443"
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const hostOf = (url: string): string => {
  const scheme = url.indexOf("://")
  if (scheme < 0) return ""
  const start = scheme + 3
  const end = authorityEnd(url, start)
  const at = url.lastIndexOf("@", end - 1)
  return url.slice(at >= start ? at + 1 : start, end).toLowerCase()
}

/**
 * One circuit per host (and port): the default.
 *
 * @since 0.1.0
 * @category constructors
 */
export const byHost: KeyFn = (request) => hostOf(request.url)

/**
 * One circuit per host and the first `segments` path segments, e.g. with 2,
 * `https://api.example.com/v1/chat/completions` → `api.example.com/v1/chat`.
 * The query and fragment never take part.
 *
 * @since 0.1.0
 * @category constructors
 */
export const byHostAndPath = (segments: number): KeyFn => (request) => {
  const url = request.url
  const scheme = url.indexOf("://")
  if (scheme < 0) return ""
  const end = authorityEnd(url, scheme + 3)
  let key = hostOf(url)
  let i = end
  for (let n = 0; n < segments && i < url.length && url.charCodeAt(i) === 47; n++) {
    let next = i + 1
    while (next < url.length) {
      const c = url.charCodeAt(next)
      if (c === 47 || c === 63 || c === 35) break
      next++
    }
    key += url.slice(i, next)
    i = next
  }
  return key
}
