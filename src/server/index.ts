/**
 * The OpenAI-compatible proxy for raw-completion backends, to embed in a Node server
 * (`kimi-k2 serve` runs the same thing). Node only.
 *
 * ```ts
 * const proxy = createProxy({
 *   upstream: "http://127.0.0.1:8000",
 *   pipeline: createKimiPipeline({ tokenizer: await loadTokenizer(dir), template: loadChatTemplate(dir) }),
 * });
 * console.log(await proxy.listen(8080));
 * ```
 *
 * @packageDocumentation
 */
export { createProxy, DEFAULT_SERVED_MODEL, type Proxy, type ProxyOptions } from "./proxy-server.js";
export { createKimiPipeline, type KimiPipelineOptions } from "./kimi-pipeline.js";
export type { ChatPipeline, ParsedOutput, PreparedChat, ResponseParser } from "./chat-pipeline.js";
export { HttpError, type HttpErrorType, type OpenAIErrorBody } from "./http-error.js";
export type {
  AssistantMessage,
  ChatCompletion,
  ChatCompletionChunk,
  ChunkDelta,
  FinishReason,
  ToolCall,
  ToolCallDelta,
  Usage,
} from "./openai-shapes.js";
