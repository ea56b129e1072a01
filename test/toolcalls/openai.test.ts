/**
 * The OpenAI adapters: chunk deltas (checked against openai-node's own stream accumulator and its
 * types), the aggregate, and the finish reason.
 */
import type { ChatCompletionChunk, ChatCompletionMessageToolCall } from "openai/resources/chat/completions";
import { ChatCompletionStream } from "openai/lib/ChatCompletionStream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChunkDeltaAdapter, ToolCallParser, collect, toChunkDeltas, type ChunkDelta, type OpenAIToolCall, type ToolCallEvent } from "../../src/toolcalls/index.js";
import { arbInput, params } from "./arbitraries.js";
import { cut, parsePieces, parseWhole } from "./helpers.js";

const SB = "<|tool_calls_section_begin|>";
const SE = "<|tool_calls_section_end|>";
const CB = "<|tool_call_begin|>";
const AB = "<|tool_call_argument_begin|>";
const CE = "<|tool_call_end|>";
const TWO_CALLS = `Checking both.${SB}${CB}functions.get_weather:5${AB}{"city": "Beijing"}${CE}\n${CB}functions.get_time:6${AB}{"tz": "UTC"}${CE}${SE}`;

// Type-level check: our shapes are assignable to openai-node's.
const _delta: ChatCompletionChunk.Choice.Delta = {} as ChunkDelta;
const _call: ChatCompletionMessageToolCall = {} as OpenAIToolCall;
void _delta;
void _call;

/** Streams the input through the parser and adapter at the given delta size. */
function chunkDeltas(input: string, size: number): { deltas: ChunkDelta[]; finish: string } {
  const parser = new ToolCallParser();
  const adapter = new ChunkDeltaAdapter();
  const deltas: ChunkDelta[] = [];
  for (let i = 0; i < input.length; i += size) deltas.push(...adapter.push(parser.push(input.slice(i, i + size))));
  deltas.push(...adapter.push(parser.end()));
  return { deltas, finish: adapter.finishReason() };
}

/** Feeds chunks to openai-node's ChatCompletionStream (NDJSON) and returns its final message. */
async function openaiAccumulate(deltas: ChunkDelta[], finish: string) {
  const chunk = (delta: ChunkDelta, finish_reason: string | null) => ({
    id: "chatcmpl-test",
    object: "chat.completion.chunk",
    created: 0,
    model: "kimi-k2-instruct-0905",
    choices: [{ index: 0, delta, finish_reason, logprobs: null }],
  });
  const lines = [chunk({ role: "assistant" } as ChunkDelta, null), ...deltas.map((d) => chunk(d, null)), chunk({}, finish)].map((c) => JSON.stringify(c) + "\n");
  const bytes = new TextEncoder().encode(lines.join(""));
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(bytes);
      c.close();
    },
  });
  const completion = await ChatCompletionStream.fromReadableStream(body).finalChatCompletion();
  return completion.choices[0]!;
}

describe("chunk deltas", () => {
  it("id, type and name once, arguments additive, index dense from 0", () => {
    const { deltas, finish } = chunkDeltas(TWO_CALLS, 3);
    expect(finish).toBe("tool_calls");
    const calls = deltas.flatMap((d) => d.tool_calls ?? []);
    expect(calls.filter((c) => c.id !== undefined).map((c) => [c.index, c.id, c.type, c.function?.name])).toEqual([
      [0, "functions.get_weather:5", "function", "get_weather"],
      [1, "functions.get_time:6", "function", "get_time"],
    ]);
    expect(calls.filter((c) => c.id === undefined).every((c) => c.type === undefined && c.function?.name === undefined)).toBe(true);
    expect(calls.filter((c) => c.index === 0).map((c) => c.function?.arguments ?? "").join("")).toBe('{"city": "Beijing"}');
    expect(calls.filter((c) => c.index === 1).map((c) => c.function?.arguments ?? "").join("")).toBe('{"tz": "UTC"}');
    expect(deltas.map((d) => d.content ?? "").join("")).toBe("Checking both.");
  });

  it("one push gives one merged delta per kind", () => {
    expect(toChunkDeltas(parseWhole(TWO_CALLS))).toEqual([
      { content: "Checking both." },
      { tool_calls: [{ index: 0, id: "functions.get_weather:5", type: "function", function: { name: "get_weather", arguments: '{"city": "Beijing"}' } }] },
      { tool_calls: [{ index: 1, id: "functions.get_time:6", type: "function", function: { name: "get_time", arguments: '{"tz": "UTC"}' } }] },
    ]);
  });

  for (const size of [1, 4, 4096]) {
    it(`openai-node's stream accumulator rebuilds the aggregate (${size}-character deltas)`, async () => {
      const { deltas, finish } = chunkDeltas(TWO_CALLS, size);
      const choice = await openaiAccumulate(deltas, finish);
      const r = collect(parseWhole(TWO_CALLS));
      expect(choice.finish_reason).toBe(r.finish_reason);
      expect(choice.message.content).toBe(r.content);
      expect(choice.message.tool_calls).toEqual(r.tool_calls);
    });
  }

  it("a truncated call finishes with length", async () => {
    const input = `${SB}${CB}functions.f:0${AB}{"a": "x`;
    const { deltas, finish } = chunkDeltas(input, 5);
    expect(finish).toBe("length");
    const choice = await openaiAccumulate(deltas, finish);
    expect(choice.message.tool_calls?.[0]).toMatchObject({ id: "functions.f:0", function: { name: "f", arguments: '{"a": "x' } });
  });
});

describe("chunk deltas, any output, any split", () => {
  it("openai-node's accumulator rebuilds collect's content, calls and finish reason from the streamed chunk deltas", async () => {
    await fc.assert(
      fc.asyncProperty(arbInput, fc.array(fc.nat(), { maxLength: 10 }), async (input, positions) => {
        const parser = new ToolCallParser();
        const adapter = new ChunkDeltaAdapter();
        const deltas: ChunkDelta[] = [];
        for (const piece of cut(input, positions.map((p) => p % (input.length + 1)))) deltas.push(...adapter.push(parser.push(piece)));
        deltas.push(...adapter.push(parser.end()));
        const choice = await openaiAccumulate(deltas, adapter.finishReason());
        const r = collect(parseWhole(input));
        expect(choice.finish_reason).toBe(r.finish_reason);
        expect(choice.message.content ?? null).toBe(r.content);
        // A call whose header is empty has the id "": openai-node treats that as no id and makes one up.
        const got = choice.message.tool_calls ?? [];
        expect(got.map((c, i) => (r.tool_calls[i]?.id === "" && c.id.startsWith("call_") ? { ...c, id: "" } : c))).toEqual(r.tool_calls);
      }),
      params(100),
    );
  });
});

describe("collect", () => {
  it("content null without text, calls in index order, diagnostics gathered", () => {
    const r = collect(parseWhole(`${SB}${CB}call00003${AB}{}${CE}${SE}`));
    expect(r).toMatchObject({ content: null, tool_calls: [{ id: "call00003", type: "function", function: { name: "call00003", arguments: "{}" } }], finish_reason: "tool_calls" });
    expect(r.diagnostics.map((d) => d.code)).toEqual(["nonstandard_id"]);
  });

  it("works on a partial event list (before end())", () => {
    const p = new ToolCallParser();
    const events: ToolCallEvent[] = p.push(`Hi${SB}${CB}functions.f:0${AB}{"a": 1`);
    expect(collect(events)).toEqual({
      content: "Hi",
      tool_calls: [{ id: "functions.f:0", type: "function", function: { name: "f", arguments: '{"a": 1' } }],
      finish_reason: "tool_calls",
      diagnostics: [],
    });
  });

  it("finish_reason is stop without calls, even with tool_choice none removing them", () => {
    expect(collect(parsePieces([`x${SB}${CB}functions.f:0${AB}{}${CE}${SE}`], { tool_choice: "none" })).finish_reason).toBe("stop");
  });
});
