/**
 * Chat templates: render OpenAI-style chat requests into Kimi K2 prompts exactly as the model's own
 * tokenizer does, as text or as markup/content segments. Browser and edge safe.
 *
 * @packageDocumentation
 */
export * from "./segments.js";
export { JsonFloat, jsonFloat, objectKeys, orderedObject, type JsonObject, type JsonValue } from "./json-value.js";
export type {
  ChatMessage,
  ChatRequest,
  ContentPart,
  ImageContentPart,
  MessageContent,
  TextContentPart,
  ToolCall,
  RequestTool,
  ValidateOptions,
} from "./messages.js";
export { validateChatRequest } from "./messages.js";
export { parseRequestJson } from "./parse-request.js";
export { pyJsonDumps, type JsonDumpsOptions } from "./py-format.js";
export { ChatTemplate, compileTemplate, type CompileTemplateOptions, type TemplateVerification } from "./chat-template.js";
export { PROFILE_0905, PROFILE_0905_DEFAULT_SEPARATORS, type NativeProfile } from "./native.js";
export type { Semantics } from "./engines.js";
export {
  renderChat,
  renderSegments,
  safeRenderChat,
  safeRenderSegments,
  selectedEngine,
  type RenderOptions,
  type SafeRenderResult,
  type SafeSegmentsResult,
} from "./render.js";
export {
  clientToolCallId,
  normalizeToolCallIds,
  type NormalizeDiagnostic,
  type NormalizeResult,
  type ToolCallIdMapping,
} from "./normalize-ids.js";
export { countRequestTokens, type ChatTokenCounter } from "./count.js";
