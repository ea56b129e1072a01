/**
 * fast-check properties of the tool-call parser: chunk invariance (random, 1-character and token
 * splits), conservation (every input character accounted for), never throwing (arbitrary strings,
 * arbitrary id sequences, mutated valid outputs), and the round trip through an assistant turn
 * rendered in the template's shape. The seed is printed on failure; set FC_SEED to replay, FC_SCALE
 * to scale the runs.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { specialTokenString } from "../../src/special-tokens.js";
import { MARKER_SPELLINGS, MAX_MARKER_LENGTH, ToolCallParser, accountedText, collect, parseToolCalls, type ToolCallDoneEvent, type ToolCallEvent } from "../../src/toolcalls/index.js";
import { arbCall, arbContent, arbIds, arbInput, arbMarkerHeavy, arbMarkerPrefix, arbMutated, arbOptions, arbValid, params } from "./arbitraries.js";
import { cut, fakeDecoder, merged, parseIdPieces, parsePieces, parseWhole, referenceDecode, renderAssistant, tokenDeltas } from "./helpers.js";

function sameMerged(a: ToolCallEvent[], b: ToolCallEvent[]): void {
  expect(merged(a)).toEqual(merged(b));
}

describe("chunk invariance: the merged events of any split equal those of the whole input", () => {
  it("random splits", () => {
    fc.assert(
      fc.property(arbInput, fc.array(fc.nat(), { maxLength: 12 }), arbOptions, (input, positions, options) => {
        sameMerged(parsePieces(cut(input, positions.map((p) => p % (input.length + 1))), options), parseWhole(input, options));
      }),
      params(400),
    );
  });

  it("1-character splits (UTF-16 units, splitting surrogate pairs)", () => {
    fc.assert(
      fc.property(arbInput, arbOptions, (input, options) => {
        sameMerged(parsePieces(input.split(""), options), parseWhole(input, options));
      }),
      params(300),
    );
  });

  it("token splits (deltas of a streaming detokenizer)", () => {
    fc.assert(
      fc.property(fc.oneof(arbValid, arbMutated, arbMarkerHeavy), arbOptions, (input, options) => {
        const deltas = tokenDeltas(input);
        expect(deltas.join("")).toBe(new TextDecoder().decode(new TextEncoder().encode(input)));
        const whole = deltas.join("");
        sameMerged(parsePieces(deltas, options), parseWhole(whole, options));
      }),
      params(200),
    );
  });

  it("empty deltas anywhere change nothing", () => {
    fc.assert(
      fc.property(arbInput, fc.array(fc.nat(), { maxLength: 6 }), (input, positions) => {
        const pieces = cut(input, positions.map((p) => p % (input.length + 1))).flatMap((p) => [p, ""]);
        sameMerged(parsePieces(["", ...pieces]), parseWhole(input));
      }),
      params(200),
    );
  });

  it("token id splits", () => {
    fc.assert(
      fc.property(arbIds, fc.array(fc.nat(), { maxLength: 8 }), (ids, positions) => {
        const split = parseIdPieces(ids, positions, { tokenDecoder: fakeDecoder });
        const q = new ToolCallParser({ tokenDecoder: fakeDecoder });
        sameMerged(split, [...q.pushTokens(ids), ...q.end()]);
      }),
      params(300),
    );
  });
});

describe("token mode: only the five marker ids are markers", () => {
  it("each id 163595..163599 gives one tool marker event, and nothing else does", () => {
    fc.assert(
      fc.property(arbIds, (ids) => {
        const p = new ToolCallParser({ tokenDecoder: fakeDecoder });
        const events = [...p.pushTokens(ids), ...p.end()];
        const markers = events.filter((e) => e.type === "marker" && e.marker !== "turn_end");
        expect(markers.length).toBe(ids.filter((id) => id >= 163_595 && id <= 163_599 && Number.isInteger(id)).length);
      }),
      params(300),
    );
  });
});

describe("conservation: every input character is accounted for", () => {
  it("text mode: content + markers + headers + arguments + dropped diagnostics = the input", () => {
    fc.assert(
      fc.property(arbInput, fc.array(fc.nat(), { maxLength: 8 }), arbOptions, (input, positions, options) => {
        expect(accountedText(parsePieces(cut(input, positions.map((p) => p % (input.length + 1))), options))).toBe(input);
      }),
      params(400),
    );
  });

  it("token mode: the accounted text is the reference decode (specials as their strings)", () => {
    fc.assert(
      fc.property(arbIds, arbOptions, (ids, options) => {
        const p = new ToolCallParser({ ...options, tokenDecoder: fakeDecoder });
        const events = [...p.pushTokens(ids), ...p.end()];
        expect(accountedText(events)).toBe(referenceDecode(ids, specialTokenString));
      }),
      params(400),
    );
  });

  it("no text, delta or header contains a complete marker (text mode)", () => {
    fc.assert(
      fc.property(arbInput, fc.array(fc.nat(), { maxLength: 8 }), (input, positions) => {
        for (const e of parsePieces(cut(input, positions.map((p) => p % (input.length + 1))))) {
          const s = e.type === "text" ? e.text : e.type === "tool_call.arguments.delta" ? e.delta : e.type === "tool_call.start" ? e.header : "";
          // <|im_end|> may stay as text when more output follows it; tool markers never do.
          for (const m of MARKER_SPELLINGS) if (m.name !== "turn_end") expect(s.includes(m.text)).toBe(false);
        }
      }),
      params(300),
    );
  });
});

describe("arguments: the streamed deltas are the arguments", () => {
  it("for every call and any split, the deltas concatenate to tool_call.done's arguments and to collect's", () => {
    fc.assert(
      fc.property(arbInput, fc.array(fc.nat(), { maxLength: 8 }), arbOptions, (input, positions, options) => {
        const events = parsePieces(cut(input, positions.map((p) => p % (input.length + 1))), options);
        const streamed = new Map<number, string>();
        const done = new Map<number, ToolCallDoneEvent>();
        for (const e of events) {
          if (e.type === "tool_call.start") streamed.set(e.index, "");
          else if (e.type === "tool_call.arguments.delta") streamed.set(e.index, streamed.get(e.index)! + e.delta);
          else if (e.type === "tool_call.done") done.set(e.index, e);
        }
        // Every started call is done exactly once, with the arguments its deltas streamed; the
        // indexes are dense from 0 in order.
        expect([...done.keys()]).toEqual([...streamed.keys()]);
        expect([...streamed.keys()]).toEqual([...streamed.keys()].map((_, i) => i));
        // A call cut off by the end is never healed, and the response finishes with length.
        if ([...done.values()].some((d) => !d.complete)) expect(collect(events).finish_reason).toBe("length");
        for (const [index, args] of streamed) expect(done.get(index)!.arguments).toBe(args);
        const calls = collect(events).tool_calls;
        expect(calls.map((c) => c.function.arguments)).toEqual([...done.values()].map((d) => d.repairedArguments ?? d.arguments));
        // Leading whitespace is never streamed; trailing whitespace only by a call cut off by the end.
        for (const d of done.values()) {
          expect(/^[ \t\n\v\f\r]/.test(d.arguments)).toBe(false);
          if (d.complete) expect(/[ \t\n\v\f\r]$/.test(d.arguments)).toBe(false);
        }
      }),
      params(300),
    );
  });
});

describe("hold-back: only a suffix that can still become a marker waits for the next delta", () => {
  it("content is emitted at once except a marker prefix (from `<` on) or a high surrogate", () => {
    const arbText = fc.string({ unit: "binary", maxLength: 60 }).filter((s) => MARKER_SPELLINGS.every((m) => !s.includes(m.text)));
    fc.assert(
      fc.property(arbText, fc.option(arbMarkerPrefix), (text, prefix) => {
        const input = text + (prefix ?? "");
        fc.pre(MARKER_SPELLINGS.every((m) => !input.includes(m.text)));
        const emitted = new ToolCallParser()
          .push(input)
          .map((e) => (e.type === "text" ? e.text : ""))
          .join("");
        expect(input.startsWith(emitted)).toBe(true);
        const held = input.slice(emitted.length);
        expect(held.length).toBeLessThan(MAX_MARKER_LENGTH);
        const surrogate = held.length === 1 && held.charCodeAt(0) >= 0xd800 && held.charCodeAt(0) <= 0xdbff;
        const markerPrefix = held === "" || (held.startsWith("<") && MARKER_SPELLINGS.some((m) => m.text.startsWith(held) && m.text !== held));
        expect(surrogate || markerPrefix).toBe(true);
        // A marker prefix at the end is never emitted (it could still become a marker).
        if (prefix !== null) expect(held.length).toBeGreaterThanOrEqual(prefix.length);
      }),
      params(400),
    );
  });
});

describe("never throws on model output", () => {
  it("arbitrary strings, any split, any options", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), fc.array(fc.nat(), { maxLength: 8 }), arbOptions, (input, positions, options) => {
        parsePieces(cut(input, positions), options);
      }),
      params(300),
    );
  });

  it("arbitrary id sequences", () => {
    fc.assert(
      fc.property(arbIds, arbOptions, (ids, options) => {
        parseToolCalls(ids, { ...options, tokenDecoder: fakeDecoder });
      }),
      params(300),
    );
  });

  it("mutated valid outputs: markers deleted, duplicated, reordered, truncated", () => {
    fc.assert(
      fc.property(arbMutated, arbOptions, (input, options) => {
        const r = parseToolCalls(input, options);
        expect(["stop", "tool_calls", "length"]).toContain(r.finish_reason);
      }),
      params(400),
    );
  });
});

describe("round trip through an assistant turn in the template's shape", () => {
  it("gives back the content and every call (id, name, arguments byte for byte)", () => {
    fc.assert(
      fc.property(arbContent, fc.array(arbCall, { maxLength: 5 }), (content, calls) => {
        const text = renderAssistant(content, calls.map((c) => ({ id: `functions.${c.name}:${c.n}`, arguments: c.args })));
        const r = parseToolCalls(text);
        expect(r.content).toBe(content === "" ? null : content);
        expect(r.tool_calls).toEqual(calls.map((c) => ({ id: `functions.${c.name}:${c.n}`, type: "function", function: { name: c.name, arguments: c.args } })));
        expect(r.finish_reason).toBe(calls.length > 0 ? "tool_calls" : "stop");
        expect(r.diagnostics.filter((d) => d.severity !== "error" || !["invalid_json", "arguments_not_object"].includes(d.code))).toEqual([]);
      }),
      params(300),
    );
  });
});
