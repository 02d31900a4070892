/**
 * Wire bodies of the OpenAI Responses API and the Anthropic Messages API, as
 * `@effect/ai-openai` 0.41 and `@effect/ai-anthropic` 0.27 decode them.
 *
 * @internal
 */

/** @internal */
export type Flavor = "openai" | "anthropic"

/** @internal */
export interface ErrorSpec {
  readonly type: string
  readonly code?: string | undefined
  readonly message: string
}

/** The JSON error body of a flavor. @internal */
export const errorBody = (flavor: Flavor, spec: ErrorSpec): unknown =>
  flavor === "openai"
    ? { error: { type: spec.type, code: spec.code ?? null, message: spec.message, param: null } }
    : { type: "error", error: { type: spec.type, message: spec.message }, request_id: "req_fake" }

const words = (text: string): ReadonlyArray<string> => {
  const parts = text.match(/\S+\s*/g)
  return parts === null || parts.length === 0 ? [text] : parts
}

const openAiResponse = (id: string, model: string, text: string, status: "completed" | "in_progress") => ({
  id,
  object: "response",
  status,
  created_at: 1_700_000_000,
  error: null,
  incomplete_details: null,
  output: status === "completed"
    ? [{
      type: "message",
      id: `msg_${id}`,
      role: "assistant",
      status: "completed",
      content: [{ type: "output_text", text, annotations: [] }]
    }]
    : [],
  instructions: null,
  usage: status === "completed"
    ? {
      input_tokens: 5,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: words(text).length,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 5 + words(text).length
    }
    : null,
  parallel_tool_calls: true,
  model,
  tools: [],
  tool_choice: "auto",
  metadata: null,
  temperature: null,
  top_p: null
})

const anthropicMessage = (id: string, model: string, text: string | undefined) => ({
  id,
  type: "message",
  role: "assistant",
  model,
  content: text === undefined ? [] : [{ type: "text", text, citations: null }],
  stop_reason: text === undefined ? null : "end_turn",
  stop_sequence: null,
  usage: { input_tokens: 5, output_tokens: text === undefined ? 0 : words(text).length }
})

/** A complete (non-streaming) answer. @internal */
export const okBody = (flavor: Flavor, id: string, model: string, text: string): unknown =>
  flavor === "openai" ? openAiResponse(`resp_${id}`, model, text, "completed") : anthropicMessage(`msg_${id}`, model, text)

/** One SSE frame. @internal */
export interface SseEvent {
  readonly event: string
  readonly data: unknown
}

/** The events before the text deltas. @internal */
export const streamHead = (flavor: Flavor, id: string, model: string): ReadonlyArray<SseEvent> =>
  flavor === "openai"
    ? [
      {
        event: "response.created",
        data: {
          type: "response.created",
          sequence_number: 0,
          response: openAiResponse(`resp_${id}`, model, "", "in_progress")
        }
      },
      {
        event: "response.output_item.added",
        data: {
          type: "response.output_item.added",
          sequence_number: 1,
          output_index: 0,
          item: { type: "message", id: `msg_resp_${id}`, role: "assistant", status: "in_progress", content: [] }
        }
      }
    ]
    : [
      { event: "message_start", data: { type: "message_start", message: anthropicMessage(`msg_${id}`, model, undefined) } },
      {
        event: "content_block_start",
        data: { type: "content_block_start", index: 0, content_block: { type: "text", text: "", citations: null } }
      }
    ]

/** The text deltas of an answer, one per word. @internal */
export const streamDeltas = (flavor: Flavor, id: string, text: string): ReadonlyArray<SseEvent> =>
  words(text).map((delta, i) =>
    flavor === "openai"
      ? {
        event: "response.output_text.delta",
        data: {
          type: "response.output_text.delta",
          sequence_number: 2 + i,
          output_index: 0,
          content_index: 0,
          item_id: `msg_resp_${id}`,
          delta
        }
      }
      : { event: "content_block_delta", data: { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: delta } } }
  )

/** The events after the deltas that complete the answer. @internal */
export const streamTail = (flavor: Flavor, id: string, model: string, text: string): ReadonlyArray<SseEvent> =>
  flavor === "openai"
    ? [
      {
        event: "response.output_item.done",
        data: {
          type: "response.output_item.done",
          sequence_number: 1000,
          output_index: 0,
          item: {
            type: "message",
            id: `msg_resp_${id}`,
            role: "assistant",
            status: "completed",
            content: [{ type: "output_text", text, annotations: [] }]
          }
        }
      },
      {
        event: "response.completed",
        data: {
          type: "response.completed",
          sequence_number: 1001,
          response: openAiResponse(`resp_${id}`, model, text, "completed")
        }
      }
    ]
    : [
      { event: "content_block_stop", data: { type: "content_block_stop", index: 0 } },
      {
        event: "message_delta",
        data: {
          type: "message_delta",
          delta: { stop_reason: "end_turn", stop_sequence: null },
          usage: { output_tokens: words(text).length }
        }
      },
      { event: "message_stop", data: { type: "message_stop" } }
    ]

/** The error event a provider sends mid-stream after HTTP 200. @internal */
export const streamError = (flavor: Flavor, spec: ErrorSpec): SseEvent =>
  flavor === "openai"
    ? { event: "error", data: { type: "error", sequence_number: 999, code: spec.code ?? spec.type, message: spec.message, param: null } }
    : { event: "error", data: { type: "error", error: { type: spec.type, message: spec.message } } }

/** Formats one SSE frame. @internal */
export const sse = (e: SseEvent): string => `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`
