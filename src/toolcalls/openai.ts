/**
 * OpenAI shapes: the non-streaming aggregate ({@link collect}) and `chat.completion.chunk` choice
 * deltas ({@link toChunkDeltas}, {@link ChunkDeltaAdapter}).
 *
 * @packageDocumentation
 */
import type { Diagnostic, ToolCallEvent } from "./events.js";

/** An OpenAI tool call, as in `choices[].message.tool_calls`. */
export interface OpenAIToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** `stop`, `tool_calls` when calls were emitted, `length` when the stream ended inside a call. */
export type FinishReason = "tool_calls" | "stop" | "length";

/** The aggregate of a whole output, for non-streaming responses. */
export interface ToolCallsResult {
  /** The content (text events concatenated), or null when there was none. */
  content: string | null;
  /** The calls in `index` order (with `repair`, repaired arguments where a repair applied). */
  tool_calls: OpenAIToolCall[];
  finish_reason: FinishReason;
  diagnostics: Diagnostic[];
}

/** One tool-call entry of a chunk delta: id, type and name in the first, arguments additive. */
export interface ChunkToolCallDelta {
  index: number;
  id?: string;
  type?: "function";
  function?: { name?: string; arguments?: string };
}

/** A `chat.completion.chunk` choice delta. */
export interface ChunkDelta {
  content?: string;
  tool_calls?: ChunkToolCallDelta[];
}

/**
 * The finish reason the events imply: `length` if the stream ended inside a call (an
 * `incomplete_tool_call` diagnostic), else `tool_calls` if a call was emitted, else `stop`.
 */
export function finishReasonOf(events: Iterable<ToolCallEvent>): FinishReason {
  let calls = false;
  for (const e of events) {
    if (e.type === "diagnostic" && e.code === "incomplete_tool_call") return "length";
    if (e.type === "tool_call.start") calls = true;
  }
  return calls ? "tool_calls" : "stop";
}

/**
 * Aggregates events into `{content, tool_calls, finish_reason, diagnostics}`. Works on a complete
 * event list (after `end()`), and on a partial one (calls without `tool_call.done` use their deltas).
 */
export function collect(events: Iterable<ToolCallEvent>): ToolCallsResult {
  let content: string | null = null;
  const calls: OpenAIToolCall[] = [];
  const diagnostics: Diagnostic[] = [];
  let length = false;
  for (const e of events) {
    switch (e.type) {
      case "text":
        content = (content ?? "") + e.text;
        break;
      case "tool_call.start":
        calls[e.index] = { id: e.id, type: "function", function: { name: e.name, arguments: "" } };
        break;
      case "tool_call.arguments.delta": {
        const call = calls[e.index];
        if (call) call.function.arguments += e.delta;
        break;
      }
      case "tool_call.done": {
        const call = calls[e.index];
        if (call) call.function.arguments = e.repairedArguments ?? e.arguments;
        break;
      }
      case "diagnostic":
        diagnostics.push(e);
        if (e.code === "incomplete_tool_call") length = true;
        break;
      case "marker":
        break;
    }
  }
  const tool_calls = calls.filter((c) => c !== undefined);
  return { content, tool_calls, finish_reason: length ? "length" : tool_calls.length > 0 ? "tool_calls" : "stop", diagnostics };
}

/**
 * Maps events to OpenAI chunk deltas: text → `{content}`; a call start → `{tool_calls: [{index, id,
 * type: "function", function: {name, arguments}}]}`; argument deltas → `{tool_calls: [{index,
 * function: {arguments}}]}`. Adjacent text, and a start with the argument deltas right after it, are
 * merged into one delta. Markers, diagnostics and `tool_call.done` produce nothing. `index` is the
 * parser's: dense from 0 per response.
 */
export function toChunkDeltas(events: Iterable<ToolCallEvent>): ChunkDelta[] {
  const out: ChunkDelta[] = [];
  let last: ChunkDelta | undefined;
  let lastCall: ChunkToolCallDelta | undefined;
  for (const e of events) {
    if (e.type === "text") {
      if (last?.content !== undefined) {
        last.content += e.text;
      } else {
        last = { content: e.text };
        lastCall = undefined;
        out.push(last);
      }
    } else if (e.type === "tool_call.start") {
      lastCall = { index: e.index, id: e.id, type: "function", function: { name: e.name, arguments: "" } };
      last = { tool_calls: [lastCall] };
      out.push(last);
    } else if (e.type === "tool_call.arguments.delta") {
      if (lastCall?.index === e.index && lastCall.function) {
        lastCall.function.arguments += e.delta;
      } else {
        lastCall = { index: e.index, function: { arguments: e.delta } };
        last = { tool_calls: [lastCall] };
        out.push(last);
      }
    }
  }
  return out;
}

/**
 * Per-response adapter for SSE: turns each push's events into chunk deltas and tracks the finish
 * reason. `finishReason()` after the parser's `end()` events gives the last chunk's `finish_reason`.
 */
export class ChunkDeltaAdapter {
  private calls = false;
  private truncated = false;

  /** The chunk deltas for these events (see {@link toChunkDeltas}). */
  push(events: readonly ToolCallEvent[]): ChunkDelta[] {
    for (const e of events) {
      if (e.type === "tool_call.start") this.calls = true;
      else if (e.type === "diagnostic" && e.code === "incomplete_tool_call") this.truncated = true;
    }
    return toChunkDeltas(events);
  }

  /** The finish reason of the events seen so far. */
  finishReason(): FinishReason {
    return this.truncated ? "length" : this.calls ? "tool_calls" : "stop";
  }
}
