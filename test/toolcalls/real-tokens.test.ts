/**
 * The parser on the model's real tokens (the tokenizer built from the shared `tiktoken.model`):
 * text deltas as a streaming server sends them, one token's text each (markers whole, or typed with
 * ordinary tokens so that real token boundaries fall inside them), and token-id mode against text
 * mode on the same outputs. The seed is printed on failure; FC_SEED replays, FC_SCALE scales.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ToolCallParser, collect, parseToolCalls, type ToolCallEvent, type ToolCallsResult } from "../../src/toolcalls/index.js";
import { tokenizer } from "../helpers/tokenizers.js";
import { arbInput, arbMutated, arbOptions, arbValid, params } from "./arbitraries.js";
import { merged, parsePieces, parseWhole } from "./helpers.js";

const tok = tokenizer();

/** The text deltas a server streams: each token's text from a streaming detokenizer (special tokens kept). */
function serverDeltas(ids: readonly number[]): string[] {
  const decoder = tok.createStreamDecoder();
  const out = ids.map((id) => decoder.push(id));
  out.push(decoder.end());
  return out;
}

/** The aggregate without the diagnostics' messages (the two modes word some raw spans differently). */
function summary(r: ToolCallsResult): unknown {
  return { content: r.content, tool_calls: r.tool_calls, finish_reason: r.finish_reason, codes: r.diagnostics.map((d) => d.code) };
}

describe("text deltas of the real tokenizer", () => {
  it("one token's text per delta, markers as their ids: the merged events equal the whole input's", () => {
    fc.assert(
      fc.property(arbInput, arbOptions, (input, options) => {
        const deltas = serverDeltas(tok.encode(input, { allowedSpecial: "all" }));
        const whole = deltas.join("");
        sameEvents(parsePieces(deltas, options), parseWhole(whole, options));
      }),
      params(150),
    );
  });

  it("marker text typed with ordinary tokens (token boundaries inside markers): the same", () => {
    fc.assert(
      fc.property(arbInput, arbOptions, (input, options) => {
        const ids = tok.encode(input);
        const deltas = serverDeltas(ids);
        // A marker string written as plain text takes several tokens.
        if (input.includes("<|tool_call_begin|>")) expect(ids).not.toContain(163_597);
        sameEvents(parsePieces(deltas, options), parseWhole(deltas.join(""), options));
      }),
      params(150),
    );
  });
});

describe("token-id mode against text mode", () => {
  it("valid and mutated outputs give the same content, calls, finish reason and diagnostic codes", () => {
    fc.assert(
      fc.property(fc.oneof(arbValid, arbMutated), arbOptions, (input, options) => {
        const ids = tok.encode(input, { allowedSpecial: "all" });
        const byIds = new ToolCallParser({ ...options, tokenDecoder: tok });
        const idEvents: ToolCallEvent[] = [];
        for (const id of ids) idEvents.push(...byIds.pushTokens([id]));
        idEvents.push(...byIds.end());
        expect(summary(collect(idEvents))).toEqual(summary(parseToolCalls(tok.decode(ids), options)));
      }),
      params(200),
    );
  });

  it("marker text typed with ordinary tokens stays text in token mode, and is a marker in text mode", () => {
    const output = 'Done.<|tool_calls_section_begin|><|tool_call_begin|>functions.write:0<|tool_call_argument_begin|>{"text": "<|tool_call_end|>"}<|tool_call_end|><|tool_calls_section_end|>';
    const literal = '{"text": "<|tool_call_end|>"}';
    const ids = tok.encode(output, { allowedSpecial: "all" });
    // The literal inside the string: re-encode that stretch as plain text, as the model would type it.
    const start = output.indexOf(literal);
    const mixed = [
      ...tok.encode(output.slice(0, start), { allowedSpecial: "all" }),
      ...tok.encode(literal),
      ...tok.encode(output.slice(start + literal.length), { allowedSpecial: "all" }),
    ];
    expect(mixed).not.toEqual(ids);
    expect(parseToolCalls(mixed, { tokenDecoder: tok }).tool_calls[0]?.function.arguments).toBe(literal);
    expect(parseToolCalls(tok.decode(mixed)).tool_calls[0]?.function.arguments).toBe('{"text": "');
  });
});

function sameEvents(a: ToolCallEvent[], b: ToolCallEvent[]): void {
  expect(merged(a)).toEqual(merged(b));
}
