/**
 * Keys that come from data (a request's host, a tenant) are held per key: a
 * bound on how many is not a bound on memory if one key can be a megabyte.
 * An over-long key is kept as its head plus a 53-bit hash of the whole, so
 * distinct long keys stay distinct (up to a 2^-53 collision, which would only
 * make two such keys share a breaker) and each costs at most `max` characters.
 *
 * @internal
 */

/** cyrb53: a fast, well-mixed 53-bit string hash (public domain, bryc). */
export const hash53 = (s: string): number => {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 2654435761)
    h2 = Math.imul(h2 ^ c, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (2097151 & h2) + (h1 >>> 0)
}

/** The key itself if at most `max` characters, else its head, `~` and a 14-digit hex hash: exactly `max` characters. @internal */
export const boundedKey = (key: string, max = 200): string =>
  key.length <= max ? key : `${key.slice(0, max - 15)}~${hash53(key).toString(16).padStart(14, "0")}`
