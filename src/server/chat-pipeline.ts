/**
 * What the proxy needs from the toolkit's cores for one chat request, as one small interface:
 * read the body, render and count the prompt, and parse the model's output into OpenAI deltas and
 * an aggregate. The HTTP layer depends only on this; `kimi-pipeline.ts` implements it with the
 * template renderer, the tokenizer and the tool-call parser.
 *
 * @packageDocumentation
 */
import type { ChunkDelta, FinishReason, ToolCall } from "./openai-shapes.js";
import type { ChatCompletionParams } from "./validate-request.js";

/** The parsed answer of one response. */
export interface ParsedOutput {
  /** The text the model wrote outside tool calls, or null when there was none. */
  content: string | null;
  /** The calls, with ids in the client's id space. */
  tool_calls: ToolCall[];
  /** `tool_calls`, `stop`, or `length` when the output ended inside a call. */
  finish_reason: FinishReason;
}

/** Turns the model's raw output, piece by piece, into chunk deltas. One instance per response. */
export interface ResponseParser {
  /** Deltas for the next piece of raw output (content and tool-call deltas; none while a marker may be forming). */
  push(text: string): ChunkDelta[];
  /** Deltas released by the end of the output. */
  end(): ChunkDelta[];
  /** `tool_calls`, `stop`, or `length` when the output ended inside a call; final after {@link end}. */
  finishReason(): FinishReason;
}

/** A request made ready for the upstream. */
export interface PreparedChat {
  /** The prompt to complete: text, or token ids when the proxy sends ids. */
  prompt: string | number[];
  /** The prompt's token count, as the upstream will see it. */
  promptTokens: number;
  /** A streaming parser for this request's answer (honouring its tools, tool_choice and parallel_tool_calls). */
  createParser(): ResponseParser;
  /** Parses a whole answer, as {@link createParser} would piece by piece. */
  parseWhole(text: string): ParsedOutput;
}

/** The toolkit's side of the proxy. */
export interface ChatPipeline {
  /**
   * Parses a request body. Throws a `SyntaxError`-like error on invalid JSON.
   */
  parseBody(text: string): unknown;
  /**
   * Renders and counts a validated request.
   *
   * @throws `KimiK2Error` `invalid_request` when the conversation cannot be rendered.
   */
  prepare(params: ChatCompletionParams, body: Record<string, unknown>): PreparedChat;
  /** Counts the tokens of raw model output (when the upstream does not report them). */
  countCompletionTokens(text: string): number;
}
