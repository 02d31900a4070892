/**
 * The runtime entry point of `effect-breaker/ai` (package.json `exports`
 * `default`; its types stay `index.ts`'s). `index.ts` and the modules under it
 * import `@effect/ai` statically (the API is built on its types and classes),
 * so without it a static import would fail while linking, with Node's raw
 * "Cannot find package '@effect/ai'". Loaded here with a top-level `import()`,
 * that failure becomes `MissingPeerError` naming the package and its
 * `npm install` line; any other failure is thrown as it is.
 *
 * `require("effect-breaker/ai")` (Node's require of ES modules, which refuses
 * a module with top-level await) gets `index.ts` directly: the `require`
 * condition, without this check.
 *
 * @internal
 */
import type * as Ai from "./index.js"

const ai: typeof Ai = await import("./index.js").catch(async (error: unknown) => {
  // loaded only on failure, so a successful import costs nothing more than the one `import()`
  const { missingPeerOr } = await import("../internal/peer.js")
  throw missingPeerOr("effect-breaker/ai", ["@effect/ai"], error)
})

// every export of index.ts (a test checks the lists agree)
export const {
  LanguageModelBreaker,
  aiClassifier,
  circuitOpenError,
  fromAiError,
  fromStreamErrorPart,
  languageModelClassifier,
  redactAiError,
  toProviderError
} = ai
