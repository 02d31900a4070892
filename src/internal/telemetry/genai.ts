/**
 * OpenTelemetry GenAI semantic-convention attributes for an LLM call, built from
 * a closed set of typed fields, so nothing else (a prompt, a key, a header) can
 * slip into a span.
 *
 * @internal
 */

/** @internal */
export interface GenAiCall {
  /** The provider, e.g. "openai", "anthropic" (`gen_ai.provider.name`, and the older `gen_ai.system`). */
  readonly system: string
  /** e.g. "chat", "text_completion", "embeddings" (`gen_ai.operation.name`). */
  readonly operation?: string | undefined
  readonly requestModel?: string | undefined
  readonly responseModel?: string | undefined
  readonly inputTokens?: number | undefined
  readonly outputTokens?: number | undefined
  /** The provider's base URL: only its host and port are kept (`server.address`, `server.port`). */
  readonly serverUrl?: string | URL | undefined
}

/** @internal */
export const genAiAttributes = (call: GenAiCall): Record<string, string | number> => {
  const out: Record<string, string | number> = {
    "gen_ai.system": call.system,
    "gen_ai.provider.name": call.system
  }
  if (call.operation !== undefined) out["gen_ai.operation.name"] = call.operation
  if (call.requestModel !== undefined) out["gen_ai.request.model"] = call.requestModel
  if (call.responseModel !== undefined) out["gen_ai.response.model"] = call.responseModel
  if (call.inputTokens !== undefined && Number.isFinite(call.inputTokens)) out["gen_ai.usage.input_tokens"] = call.inputTokens
  if (call.outputTokens !== undefined && Number.isFinite(call.outputTokens)) {
    out["gen_ai.usage.output_tokens"] = call.outputTokens
  }
  if (call.serverUrl !== undefined) {
    try {
      // Host and port only: userinfo, path and query (where keys sometimes hide) are dropped.
      const url = typeof call.serverUrl === "string" ? new URL(call.serverUrl) : call.serverUrl
      out["server.address"] = url.hostname
      const port = url.port !== "" ? Number(url.port) : url.protocol === "https:" ? 443 : url.protocol === "http:" ? 80 : NaN
      if (Number.isFinite(port)) out["server.port"] = port
    } catch {
      // Not a URL: say nothing rather than echo it.
    }
  }
  return out
}
