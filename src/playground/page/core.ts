/**
 * What the page needs from the library, in one interface: the UI code depends on this, and
 * `library.ts` binds it to the real tokenizer, template renderer and tool-call parser. Every
 * method may throw the library's `KimiK2Error` on a caller mistake (an invalid request, a template
 * that fails); the UI shows the message inline.
 *
 * @packageDocumentation
 */
import type { Segment } from "../../template/segments.js";

/** Which template a rendering uses. */
export type TemplateChoice = "builtin" | "model" | "pasted";
/** Which engine renders it (`auto`: native when the template is verified equivalent, else Jinja). */
export type EngineChoice = "auto" | "native" | "jinja";
/** How the prompt is encoded: safe (content stays text) or as Hugging Face does. */
export type EncodingMode = "safe" | "reference";
/** How a replayed output reaches the parser. */
export type FeedMode = "tokens" | "text";

/** One rendering's settings. */
export interface RenderSettings {
  /** The template's source; `undefined` for the built-in 0905 rules. */
  template: string | undefined;
  /** The engine. */
  engine: EngineChoice;
  /** `add_generation_prompt`. */
  addGenerationPrompt: boolean;
  /** Rewrite history tool-call ids to `functions.{name}:{n}`. */
  normalizeToolCallIds: boolean;
}

/** A rendered prompt. */
export interface Rendering {
  /** The prompt as segments (template markup apart from request content). */
  segments: Segment[];
  /** The prompt text (the segments concatenated). */
  text: string;
  /** A short note on how it was rendered (the engine that ran, a normalisation note...). */
  note: string;
}

/** The parser's view of an output at one point of a replay. */
export interface ParsedOutput {
  /** Content so far. */
  content: string | null;
  /** OpenAI-shaped tool calls so far. */
  tool_calls: unknown[];
  /** `stop`, `tool_calls`, `length`, or `null` while the stream is open. */
  finish_reason: string | null;
  /** Diagnostics so far. */
  diagnostics: Array<{ code: string; severity: string; message: string }>;
  /** The checks of each finished call (JSON, tool name, schema), one line each. */
  checks: Array<{ index: number; valid: boolean; summary: string }>;
  /** Every event the parser emitted so far. */
  events: unknown[];
}

/** The library as the page uses it. */
export interface PlaygroundCore {
  /**
   * Reads a request from JSON text as Python's `json.loads` would (floats written `1.0` stay
   * floats, big integers stay exact), so the page renders what a server would.
   */
  parseRequest(json: string): unknown;
  /** Renders a request (from {@link PlaygroundCore.parseRequest}). */
  render(request: unknown, settings: RenderSettings): Rendering;
  /** The prompt's ids. */
  encodeChat(segments: readonly Segment[], mode: EncodingMode): number[];
  /** The prompt's token count, without building the id array. */
  countChat(segments: readonly Segment[], mode: EncodingMode): number;
  /** The text each token completes when the ids are decoded in order ("" inside a split character). */
  tokenPieces(ids: readonly number[]): string[];
  /** A token's bytes (a special token's string, for special ids). */
  tokenBytes(id: number): Uint8Array;
  /** A raw model output as the ids the model emitted: marker strings become their special ids. */
  encodeOutput(text: string): number[];
  /** Feeds the first `upTo` ids of an output to a fresh parser, one token at a time, ending the stream if asked. */
  parseOutput(ids: readonly number[], upTo: number, feed: FeedMode, end: boolean, tools: unknown[] | undefined): ParsedOutput;
}
