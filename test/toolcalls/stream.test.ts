/**
 * The server wrappers: parseToolCalls, the web TransformStream and the async-iterator wrapper.
 */
import { describe, expect, it } from "vitest";
import { SPECIAL } from "../../src/special-tokens.js";
import { collect, parseStream, parseToolCalls, toolCallTransformStream, type ToolCallEvent } from "../../src/toolcalls/index.js";
import { fakeDecoder, fakeEncode, merged, parseWhole } from "./helpers.js";

const INPUT = "Sure.<|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0<|tool_call_argument_begin|>{\"city\": \"北京\"}<|tool_call_end|><|tool_calls_section_end|>";
const PIECES = ["Sure.<|tool_", "calls_section_begin|><|tool_call_begin|>functions.get_", "weather:0<|tool_call_argument_begin|>{\"city\": \"北", "京\"}<|tool_call_end|><|tool_calls_section_end|>"];

describe("parseToolCalls", () => {
  it("is the streaming parser fed once and ended", () => {
    expect(parseToolCalls(INPUT)).toEqual(collect(parseWhole(INPUT)));
  });

  it("takes token ids with a decoder", () => {
    const ids = [...fakeEncode("Sure."), SPECIAL.toolCallsSectionBegin.id, SPECIAL.toolCallBegin.id, ...fakeEncode("functions.get_weather:0"), SPECIAL.toolCallArgumentBegin.id, ...fakeEncode("{}"), SPECIAL.toolCallEnd.id, SPECIAL.toolCallsSectionEnd.id];
    expect(parseToolCalls(ids, { tokenDecoder: fakeDecoder }).tool_calls).toEqual([{ id: "functions.get_weather:0", type: "function", function: { name: "get_weather", arguments: "{}" } }]);
  });

  it("rejects a non-text, non-array input", () => {
    expect(() => parseToolCalls(5 as never)).toThrow(/output text or an array/);
  });
});

describe("toolCallTransformStream", () => {
  it("turns a stream of deltas into the same events as a whole parse", async () => {
    const source = new ReadableStream<string>({
      start(c) {
        for (const p of PIECES) c.enqueue(p);
        c.close();
      },
    });
    const events: ToolCallEvent[] = [];
    const reader = source.pipeThrough(toolCallTransformStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      events.push(value);
    }
    expect(merged(events)).toEqual(merged(parseWhole(INPUT)));
  });

  it("pipes from bytes through TextDecoderStream", async () => {
    const bytes = new TextEncoder().encode(INPUT);
    const source = new ReadableStream<Uint8Array>({
      start(c) {
        // Cut inside 北 (3 bytes): TextDecoderStream holds the partial character.
        const k = bytes.indexOf(0xe5);
        c.enqueue(bytes.slice(0, k + 1));
        c.enqueue(bytes.slice(k + 1));
        c.close();
      },
    });
    const events: ToolCallEvent[] = [];
    const reader = source.pipeThrough(new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array>).pipeThrough(toolCallTransformStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      events.push(value);
    }
    expect(collect(events)).toEqual(parseToolCalls(INPUT));
  });
});

describe("parseStream", () => {
  it("yields the events of an async iterable of deltas, then the end", async () => {
    async function* gen() {
      for (const p of PIECES) yield p;
    }
    const events: ToolCallEvent[] = [];
    for await (const e of parseStream(gen())) events.push(e);
    expect(merged(events)).toEqual(merged(parseWhole(INPUT)));
  });

  it("accepts id arrays with a decoder", async () => {
    const ids = [...fakeEncode("a"), SPECIAL.toolCallsSectionBegin.id];
    const events: ToolCallEvent[] = [];
    for await (const e of parseStream([ids.slice(0, 1), ids.slice(1)], { tokenDecoder: fakeDecoder })) events.push(e);
    expect(collect(events).content).toBe("a");
  });
});
