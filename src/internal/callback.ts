/**
 * What a user's callback returned, when it is a promise nothing awaits: an
 * async predicate or hook (TypeScript lets one stand for a synchronous
 * function). Its rejection is handled here, since an unhandled rejection ends
 * a Node process by default, and the callers treat the promise as garbage
 * (as if the callback had thrown).
 *
 * @internal
 */
export const dropPromise = (u: unknown): boolean => {
  try {
    if (typeof u !== "object" || u === null || typeof (u as PromiseLike<unknown>).then !== "function") return false
    ;(u as PromiseLike<unknown>).then(undefined, () => {})
  } catch {
    // a `then` that throws: still not an answer
  }
  return true
}
