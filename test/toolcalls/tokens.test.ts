/**
 * Token-id mode, on a small fake vocabulary (test/toolcalls/helpers.ts): only 163595..163599 are
 * markers, split UTF-8 is held back, turn-end and other special ids, invalid ids.
 */
import { describe, expect, it } from "vitest";
import { SPECIAL } from "../../src/special-tokens.js";
import { ToolCallParser, collect, parseToolCalls, type ToolCallEvent } from "../../src/toolcalls/index.js";
import { fakeDecoder, fakeEncode, fakeId } from "./helpers.js";

const SB = SPECIAL.toolCallsSectionBegin.id;
const SE = SPECIAL.toolCallsSectionEnd.id;
const CB = SPECIAL.toolCallBegin.id;
const AB = SPECIAL.toolCallArgumentBegin.id;
const CE = SPECIAL.toolCallEnd.id;
const IM_END = SPECIAL.imEnd.id;
const EOS = SPECIAL.eos.id;

const options = { tokenDecoder: fakeDecoder };

function pushEach(ids: readonly number[]): ToolCallEvent[] {
  const p = new ToolCallParser(options);
  const out: ToolCallEvent[] = [];
  for (const id of ids) out.push(...p.pushTokens([id]));
  out.push(...p.end());
  return out;
}

describe("token mode", () => {
  it("the marker ids delimit a call", () => {
    const ids = [...fakeEncode("Let me see."), SB, CB, ...fakeEncode("functions.get_weather:0"), AB, ...fakeEncode('{"city": "Beijing"}'), CE, SE, IM_END];
    expect(parseToolCalls(ids, options)).toEqual({
      content: "Let me see.",
      tool_calls: [{ id: "functions.get_weather:0", type: "function", function: { name: "get_weather", arguments: '{"city": "Beijing"}' } }],
      finish_reason: "tool_calls",
      diagnostics: [],
    });
  });

  it("marker text typed with ordinary tokens stays text, in arguments and content", () => {
    // fake pieces 10..12 spell "<|", "tool_call_end", "|>"; piece 15 spells "<|tool_call_begin|>".
    const literal = [fakeId(10), fakeId(11), fakeId(12)];
    const ids = [fakeId(15), SB, CB, ...fakeEncode("functions.write:0"), AB, ...fakeEncode('{"t": "'), ...literal, ...fakeEncode('"}'), CE, SE];
    const r = parseToolCalls(ids, options);
    expect(r.content).toBe("<|tool_call_begin|>");
    expect(r.tool_calls[0]?.function.arguments).toBe('{"t": "<|tool_call_end|>"}');
    expect(r.diagnostics).toEqual([]);
  });

  it("reserved-token text typed by the model stays text", () => {
    const r = parseToolCalls(fakeEncode("<|reserved_token_163595|>"), options);
    expect(r.content).toBe("<|reserved_token_163595|>");
    expect(r.diagnostics).toEqual([]);
  });

  it("a character split across tokens is held until complete (北 = E5 8C | 97)", () => {
    const p = new ToolCallParser(options);
    expect(p.pushTokens([fakeId(6)])).toEqual([]);
    expect(p.pushTokens([fakeId(7)])).toEqual([{ type: "text", text: "北" }]);
  });

  it("an emoji split across tokens inside arguments is held until complete", () => {
    const p = new ToolCallParser(options);
    p.pushTokens([SB, CB, ...fakeEncode("functions.f:0"), AB, ...fakeEncode('{"e": "')]);
    expect(p.pushTokens([fakeId(8)])).toEqual([]);
    expect(p.pushTokens([fakeId(9), ...fakeEncode('"}')])).toEqual([{ type: "tool_call.arguments.delta", index: 0, delta: '😀"}' }]);
  });

  it("an incomplete character before a marker id becomes U+FFFD", () => {
    const r = parseToolCalls([fakeId(6), SB, SE], options);
    expect(r.content).toBe("\uFFFD");
  });

  it("an incomplete character at the end becomes U+FFFD", () => {
    expect(collect(pushEach([...fakeEncode("ok"), fakeId(8)])).content).toBe("ok\uFFFD");
  });

  it("<|im_end|> and [EOS] at the end close the turn", () => {
    for (const end of [IM_END, EOS]) {
      const events = pushEach([SB, CB, ...fakeEncode("functions.f:0"), AB, ...fakeEncode("{}"), end]);
      const r = collect(events);
      expect(r.finish_reason).toBe("tool_calls");
      expect(r.tool_calls[0]?.function.arguments).toBe("{}");
      expect(events[events.length - 1]).toMatchObject({ type: "marker", marker: "turn_end" });
    }
  });

  it("a turn end followed by more tokens is kept as its string with a diagnostic", () => {
    const r = parseToolCalls([...fakeEncode("a"), IM_END, ...fakeEncode("b")], options);
    expect(r.content).toBe("a<|im_end|>b");
    expect(r.diagnostics.map((d) => d.code)).toEqual(["unexpected_special_token"]);
  });

  it("other special ids become their string form with a diagnostic, never dropped", () => {
    const r = parseToolCalls([...fakeEncode("a"), SPECIAL.imUser.id, 163600, ...fakeEncode("b")], options);
    expect(r.content).toBe("a<|im_user|><|reserved_token_163600|>b");
    expect(r.diagnostics.map((d) => [d.code, d.raw])).toEqual([
      ["unexpected_special_token", "<|im_user|>"],
      ["unexpected_special_token", "<|reserved_token_163600|>"],
    ]);
  });

  it("invalid ids are reported and skipped, without breaking a split character", () => {
    const r = parseToolCalls([fakeId(6), -1, 163840, 1.5, Number.NaN, fakeId(7)], options);
    expect(r.content).toBe("北");
    expect(r.diagnostics.map((d) => d.code)).toEqual(["invalid_token_id", "invalid_token_id", "invalid_token_id", "invalid_token_id"]);
  });

  it("typed arrays of ids work", () => {
    const ids = Uint32Array.from([SB, CB, ...fakeEncode("functions.f:0"), AB, ...fakeEncode("{}"), CE, SE]);
    expect(parseToolCalls(ids, options).tool_calls).toEqual([{ id: "functions.f:0", type: "function", function: { name: "f", arguments: "{}" } }]);
  });

  it("one id at a time gives the same aggregate as all at once", () => {
    const ids = [...fakeEncode("北京 the 😀\n"), SB, CB, ...fakeEncode("functions.get_weather:0"), AB, ...fakeEncode('{"city": "北"}'), CE, SE];
    expect(collect(pushEach(ids))).toEqual(parseToolCalls(ids, options));
  });

  it("the decoder gets runs of ordinary ids, never special ones", () => {
    const seen: number[][] = [];
    const p = new ToolCallParser({ tokenDecoder: { decodeBytes: (ids) => (seen.push(Array.from(ids)), fakeDecoder.decodeBytes(ids)) } });
    p.pushTokens([65, 66, SB, 67, IM_END]);
    p.end();
    expect(seen).toEqual([[65, 66], [67]]);
  });
});
