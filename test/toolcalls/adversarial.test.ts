/**
 * Properties over the inputs and options the other property tests do not generate: near-miss
 * markers (a missing `>` or `|`, other case, spaces inside, reserved-token neighbours of the marker
 * ids), other special-token text (`<|im_start|>`, `<|im_middle|>`, `[EOS]`), every whitespace the
 * parser strips (tab, VT, FF) and some it does not (NBSP, U+2028), lone surrogate halves next to
 * markers, long runs of marker prefixes, and every combination of the options (tools with schemas,
 * tool_choice none, required or a named function, parallel_tool_calls, textAfterSection,
 * resolveNames, repair). Over these: conservation, chunk invariance at random and 1-unit splits, no
 * tool marker in text, headers or arguments, and the OpenAI chunk deltas rebuilding `collect`'s
 * result (repaired arguments excepted: streamed deltas cannot be taken back, as the README says).
 * Token mode: id splits under every option combination. The seed is printed on failure; FC_SEED
 * replays, FC_SCALE scales.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChunkDeltaAdapter, MARKER_SPELLINGS, ToolCallParser, accountedText, collect, type ChunkDelta, type OpenAIToolCall, type ToolCallEvent, type ToolCallParserOptions } from "../../src/toolcalls/index.js";
import { arbIds, arbMarkerPrefix, arbValid, params } from "./arbitraries.js";
import { cut, fakeDecoder, merged, parseIdPieces } from "./helpers.js";

const TOOLS = [
  { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false } } },
  { type: "function", function: { name: "read" } },
  { type: "function", function: { name: "ns.read", parameters: { type: "object" } } },
];

/** Any combination of the options, each one present or absent. */
const arbAnyOptions: fc.Arbitrary<ToolCallParserOptions> = fc.record(
  {
    tools: fc.constant(TOOLS),
    tool_choice: fc.constantFrom("auto" as const, "none" as const, "required" as const, { type: "function" as const, function: { name: "read" } }),
    parallel_tool_calls: fc.boolean(),
    textAfterSection: fc.constantFrom("content" as const, "drop" as const),
    resolveNames: fc.boolean(),
    repair: fc.boolean(),
  },
  { requiredKeys: [] },
);

const nearMisses = [
  "<|tool_call_begin|",
  "<|tool_call_begin>",
  "<tool_call_begin|>",
  "<| tool_call_begin |>",
  "<|TOOL_CALL_END|>",
  "<|tool_calls_section_begin|",
  "<|reserved_token_163594|>",
  "<|reserved_token_163600|>",
  "<|reserved_token_1635950|>",
  "<|im_start|>",
  "<|im_middle|>",
  "<|im_end|",
  "[EOS]",
  "<<|",
  "<|<|",
  "|>|>",
];
const pieces = ["functions.get_weather:0", "functions.read:1", "functions.ns.read:2", "x<read", ":3", "functions.", '{"city": "B"}', '"{\\"city\\": \\"x\\"}"', "[]", "{}", "\t", "\v", "\f", "\r\n", " ", "\u00a0", "\u2028", "\uD83D", "\uDE00", "😀", "北", '"', "\\", "<", "a"];
const markers = MARKER_SPELLINGS.map((m) => m.text);

/** Marker-dense text with near misses, special-token text and unusual whitespace. */
const arbAdversarial = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...markers) },
      { weight: 1, arbitrary: arbMarkerPrefix },
      { weight: 2, arbitrary: fc.constantFrom(...nearMisses) },
      { weight: 5, arbitrary: fc.constantFrom(...pieces) },
      { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 4 }) },
    ),
    { maxLength: 60 },
  )
  .map((a) => a.join(""));

/** Long runs of one marker prefix, possibly completed by a real marker at the end. */
const arbPrefixRuns = fc.tuple(arbMarkerPrefix, fc.integer({ min: 1, max: 200 }), fc.constantFrom("", ...markers)).map(([p, n, end]) => p.repeat(n) + end);

const arbText = fc.oneof({ weight: 4, arbitrary: arbAdversarial }, { weight: 1, arbitrary: arbPrefixRuns }, { weight: 1, arbitrary: arbValid });

/** Streams the pieces through a parser and a chunk-delta adapter. */
function stream(pieces: readonly string[], options: ToolCallParserOptions): { events: ToolCallEvent[]; deltas: ChunkDelta[]; finish: string } {
  const parser = new ToolCallParser(options);
  const adapter = new ChunkDeltaAdapter();
  const events: ToolCallEvent[] = [];
  const deltas: ChunkDelta[] = [];
  for (const piece of [...pieces, null]) {
    const e = piece === null ? parser.end() : parser.push(piece);
    events.push(...e);
    deltas.push(...adapter.push(e));
  }
  return { events, deltas, finish: adapter.finishReason() };
}

/** What a client rebuilds from chunk deltas, written from OpenAI's streaming rules (id, type and name once; arguments appended). */
function rebuild(deltas: readonly ChunkDelta[]): { content: string | null; tool_calls: OpenAIToolCall[] } {
  let content: string | null = null;
  const calls: OpenAIToolCall[] = [];
  for (const d of deltas) {
    if (d.content !== undefined) content = (content ?? "") + d.content;
    for (const t of d.tool_calls ?? []) {
      if (t.id !== undefined) {
        expect(calls[t.index]).toBeUndefined();
        calls[t.index] = { id: t.id, type: "function", function: { name: t.function?.name ?? "", arguments: "" } };
      }
      const call = calls[t.index];
      expect(call).toBeDefined();
      call!.function.arguments += t.function?.arguments ?? "";
    }
  }
  return { content, tool_calls: calls };
}

const toolMarkers = MARKER_SPELLINGS.filter((m) => m.name !== "turn_end").map((m) => m.text);

describe("adversarial text under any options", () => {
  it("conservation, chunk invariance (random and 1-unit splits), and no tool marker outside marker events", () => {
    fc.assert(
      fc.property(arbText, fc.array(fc.nat(), { maxLength: 10 }), fc.boolean(), arbAnyOptions, (input, positions, ones, options) => {
        const whole = stream([input], options).events;
        const split = stream(ones ? input.split("") : cut(input, positions.map((p) => p % (input.length + 1))), options).events;
        expect(accountedText(split)).toBe(input);
        expect(merged(split)).toEqual(merged(whole));
        for (const e of split) {
          const fields = e.type === "text" ? [e.text] : e.type === "tool_call.arguments.delta" ? [e.delta] : e.type === "tool_call.start" ? [e.header, e.id, e.name] : [];
          for (const f of fields) for (const m of toolMarkers) expect(f.includes(m)).toBe(false);
        }
      }),
      params(300),
    );
  });

  it("the chunk deltas rebuild collect's content, calls and finish reason", () => {
    fc.assert(
      fc.property(arbText, fc.array(fc.nat(), { maxLength: 10 }), arbAnyOptions, (input, positions, options) => {
        const { events, deltas, finish } = stream(cut(input, positions.map((p) => p % (input.length + 1))), options);
        const r = collect(events);
        const rebuilt = rebuild(deltas);
        expect(finish).toBe(r.finish_reason);
        expect(rebuilt.content).toBe(r.content);
        // With repair, collect gives the repaired arguments; the stream carried the model's own.
        const repaired = new Map<number, string>();
        for (const e of events) if (e.type === "tool_call.done" && e.repairedArguments !== undefined) repaired.set(e.index, e.repairedArguments);
        expect(rebuilt.tool_calls.map((c, i) => (repaired.has(i) ? { ...c, function: { ...c.function, arguments: repaired.get(i)! } } : c))).toEqual(r.tool_calls);
      }),
      params(300),
    );
  });
});

describe("token ids under any options", () => {
  it("any split of an id sequence gives the merged events of the whole", () => {
    fc.assert(
      fc.property(arbIds, fc.array(fc.nat(), { maxLength: 8 }), arbAnyOptions, (ids, positions, options) => {
        const split = parseIdPieces(ids, positions, { ...options, tokenDecoder: fakeDecoder });
        const q = new ToolCallParser({ ...options, tokenDecoder: fakeDecoder });
        expect(merged(split)).toEqual(merged([...q.pushTokens(ids), ...q.end()]));
      }),
      params(300),
    );
  });
});
