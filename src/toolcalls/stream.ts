/**
 * Wrappers for servers: the whole-output parse, a web `TransformStream`, and an async iterator.
 *
 * @packageDocumentation
 */
import { KimiK2Error } from "../errors.js";
import type { ToolCallEvent } from "./events.js";
import { collect, type ToolCallsResult } from "./openai.js";
import { ToolCallParser, type ToolCallParserOptions } from "./parser.js";

/** A stream chunk: a text delta, or token ids (which need `options.tokenDecoder`). */
export type ToolCallInput = string | ArrayLike<number>;

function feed(parser: ToolCallParser, chunk: ToolCallInput): ToolCallEvent[] {
  return typeof chunk === "string" ? parser.push(chunk) : parser.pushTokens(chunk);
}

/**
 * Parses a whole output (text, or token ids with `options.tokenDecoder`): the streaming parser fed
 * once and ended, then {@link collect}ed.
 */
export function parseToolCalls(textOrIds: ToolCallInput, options?: ToolCallParserOptions): ToolCallsResult {
  if (typeof textOrIds !== "string" && (textOrIds === null || typeof textOrIds !== "object")) {
    throw new KimiK2Error("invalid_options", "parseToolCalls() takes the output text or an array of token ids.");
  }
  const parser = new ToolCallParser(options);
  const events = feed(parser, textOrIds);
  for (const e of parser.end()) events.push(e);
  return collect(events);
}

/**
 * A `TransformStream` from text deltas (or id arrays) to events, one parser per stream:
 * `response.body.pipeThrough(new TextDecoderStream()).pipeThrough(toolCallTransformStream({ tools }))`.
 */
export function toolCallTransformStream(options?: ToolCallParserOptions): TransformStream<ToolCallInput, ToolCallEvent> {
  const parser = new ToolCallParser(options);
  return new TransformStream<ToolCallInput, ToolCallEvent>({
    transform(chunk, controller) {
      for (const e of feed(parser, chunk)) controller.enqueue(e);
    },
    flush(controller) {
      for (const e of parser.end()) controller.enqueue(e);
    },
  });
}

/** Events from an async iterable of text deltas (or id arrays); ends the parser when the input ends. */
export async function* parseStream(input: AsyncIterable<ToolCallInput> | Iterable<ToolCallInput>, options?: ToolCallParserOptions): AsyncGenerator<ToolCallEvent, void, undefined> {
  const parser = new ToolCallParser(options);
  for await (const chunk of input) yield* feed(parser, chunk);
  yield* parser.end();
}
