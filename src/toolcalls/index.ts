/**
 * The streaming tool-call parser (browser and edge safe): Kimi K2 output as text deltas or token
 * ids in, typed events, OpenAI chunk deltas and the OpenAI aggregate out.
 *
 * @packageDocumentation
 */
export * from "./events.js";
export { ToolCallParser, type ToolCallParserOptions, type TokenDecoder } from "./parser.js";
export { collect, finishReasonOf, toChunkDeltas, ChunkDeltaAdapter, type OpenAIToolCall, type FinishReason, type ToolCallsResult, type ChunkDelta, type ChunkToolCallDelta } from "./openai.js";
export { parseToolCalls, toolCallTransformStream, parseStream, type ToolCallInput } from "./stream.js";
export { nameFromId, type ToolDefinition, type ToolChoice } from "./validate.js";
export { MARKER_SPELLINGS, MAX_MARKER_LENGTH, type MarkerSpelling } from "./markers.js";
