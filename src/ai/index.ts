/**
 * `effect-breaker/ai`: `@effect/ai` language models behind a circuit breaker,
 * and the classification of `AiError`s as provider errors.
 *
 * Needs the optional peer `@effect/ai`: without it, importing this subpath
 * throws `MissingPeerError` ("effect-breaker/ai needs the optional peer
 * dependency @effect/ai, which is not installed: npm install
 * @effect/ai@...").
 *
 * @since 0.1.0
 */

/**
 * A `LanguageModel` behind a breaker (or any wrap-an-effect / wrap-a-stream policy).
 *
 * @since 0.1.0
 */
export * as LanguageModelBreaker from "./LanguageModelBreaker.js"

/**
 * @since 0.1.0
 */
export {
  aiClassifier,
  circuitOpenError,
  fromAiError,
  fromStreamErrorPart,
  languageModelClassifier,
  redactAiError,
  toProviderError
} from "./classify.js"
