/**
 * OpenAI's chat-completion response shapes, as the proxy answers them: `chat.completion` (whole)
 * and `chat.completion.chunk` (streamed), with `usage`.
 *
 * @packageDocumentation
 */
import { randomBytes } from "node:crypto";

/** A tool call in a whole message. */
export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** A tool-call delta in a streamed chunk: id, type and name once, then additive arguments. */
export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: "function";
  function?: { name?: string; arguments?: string };
}

/** Token counts. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** Why generation stopped. */
export type FinishReason = "stop" | "length" | "tool_calls";

/** The assistant message of a whole answer. */
export interface AssistantMessage {
  role: "assistant";
  content: string | null;
  refusal: null;
  tool_calls?: ToolCall[];
}

/** A whole `chat.completion`. */
export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: Array<{ index: 0; message: AssistantMessage; logprobs: null; finish_reason: FinishReason }>;
  usage: Usage;
}

/** The delta of one streamed chunk. */
export interface ChunkDelta {
  role?: "assistant";
  content?: string;
  tool_calls?: ToolCallDelta[];
}

/** One `chat.completion.chunk`. */
export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: Array<{ index: 0; delta: ChunkDelta; logprobs: null; finish_reason: FinishReason | null }>;
  usage?: Usage | null;
}

/** A fresh response id: `chatcmpl-` and 24 random hex digits. */
export function completionId(): string {
  return `chatcmpl-${randomBytes(12).toString("hex")}`;
}

/** Usage from two counts. */
export function usage(promptTokens: number, completionTokens: number): Usage {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

/** The identity every chunk of one answer shares. */
export interface ResponseIdentity {
  id: string;
  created: number;
  model: string;
  /** With `stream_options.include_usage`, every chunk carries `usage: null` except the last. */
  includeUsage: boolean;
}

/** A chunk carrying one delta. */
export function chunk(identity: ResponseIdentity, delta: ChunkDelta, finishReason: FinishReason | null = null): ChatCompletionChunk {
  const out: ChatCompletionChunk = {
    id: identity.id,
    object: "chat.completion.chunk",
    created: identity.created,
    model: identity.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
  if (identity.includeUsage) out.usage = null;
  return out;
}

/** The last chunk of a stream with `include_usage`: no choices, the usage. */
export function usageChunk(identity: ResponseIdentity, counts: Usage): ChatCompletionChunk {
  return { id: identity.id, object: "chat.completion.chunk", created: identity.created, model: identity.model, choices: [], usage: counts };
}

/** A whole answer. */
export function completion(identity: Omit<ResponseIdentity, "includeUsage">, message: AssistantMessage, finishReason: FinishReason, counts: Usage): ChatCompletion {
  return {
    id: identity.id,
    object: "chat.completion",
    created: identity.created,
    model: identity.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
    usage: counts,
  };
}
