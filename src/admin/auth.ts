/**
 * Bearer-token checking for the admin API: the token is held as a `Redacted`
 * value and only its SHA-256 digest is kept next to the handlers; a presented
 * token is hashed and compared with `timingSafeEqual`, so neither the length nor
 * the content of the secret leaks through timing.
 *
 * @internal
 */
import { createHash, timingSafeEqual } from "node:crypto"
import * as Redacted from "effect/Redacted"

const digest = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest()

/** @internal */
export const minimumTokenLength = 16

/** Builds a checker for `Authorization` header values. @internal */
export const bearer = (token: Redacted.Redacted<string>): (authorization: string | undefined) => boolean => {
  const expected = digest(Redacted.value(token))
  return (authorization) => {
    if (authorization === undefined) return false
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization)
    // Hash something even on a malformed header, so the time taken says nothing.
    const presented = digest(match?.[1] ?? "")
    return timingSafeEqual(presented, expected) && match !== null
  }
}
