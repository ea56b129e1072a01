/**
 * Named boundary tests of the text-mode parser: every marker split at every position, multi-unit
 * characters split across deltas, several calls and sections in one delta, empty deltas, end() in
 * every state, and the caller mistakes that throw.
 */
import { describe, expect, it } from "vitest";
import { KimiK2Error } from "../../src/errors.js";
import { MARKER_SPELLINGS, ToolCallParser, collect, type ToolCallEvent } from "../../src/toolcalls/index.js";
import { merged, parsePieces, parseWhole } from "./helpers.js";

const SB = "<|tool_calls_section_begin|>";
const SE = "<|tool_calls_section_end|>";
const CB = "<|tool_call_begin|>";
const AB = "<|tool_call_argument_begin|>";
const CE = "<|tool_call_end|>";

const CALL = `${CB}functions.get_weather:0${AB}{"city": "Beijing"}${CE}`;
const FULL = `Checking.${SB}${CALL}${SE}<|im_end|>`;

function types(events: readonly ToolCallEvent[]): string[] {
  return events.map((e) => (e.type === "marker" ? `marker:${e.marker}` : e.type === "diagnostic" ? `diagnostic:${e.code}` : e.type));
}

/** Text the consumer sees (content and arguments) in the events of one push. */
function visible(events: readonly ToolCallEvent[]): string {
  return events.map((e) => (e.type === "text" ? e.text : e.type === "tool_call.arguments.delta" ? e.delta : "")).join("");
}

describe("every marker split at every position", () => {
  // Each spelling placed where it means something, between text that shows whether a fragment leaks.
  const contexts: Record<string, (m: string) => string> = {
    tool_calls_section_begin: (m) => `before${m}${CALL}${SE}`,
    tool_calls_section_end: (m) => `${SB}${CALL}${m}after`,
    tool_call_begin: (m) => `${SB}${m}functions.f:0${AB}{}${CE}${SE}`,
    tool_call_argument_begin: (m) => `${SB}${CB}functions.f:0${m}{"a": 1}${CE}${SE}`,
    tool_call_end: (m) => `${SB}${CB}functions.f:0${AB}{"a": 1}${m}${SE}`,
    turn_end: (m) => `${SB}${CALL}${SE}${m}`,
  };
  for (const spelling of MARKER_SPELLINGS) {
    it(`split inside \`${spelling.text}\` at every position`, () => {
      const input = contexts[spelling.name]!(spelling.text);
      const at = input.indexOf(spelling.text);
      const whole = merged(parseWhole(input));
      for (let k = 1; k < spelling.text.length; k++) {
        const p = new ToolCallParser();
        const first = p.push(input.slice(0, at + k));
        // No fragment of the marker reaches content or arguments.
        expect(visible(first).includes("<|")).toBe(false);
        const rest = [...p.push(input.slice(at + k)), ...p.end()];
        expect(merged([...first, ...rest])).toEqual(whole);
      }
    });
  }

  it("split at every pair of positions in a full output", () => {
    const whole = merged(parseWhole(FULL));
    for (let a = 0; a <= FULL.length; a += 3) {
      for (let b = a; b <= FULL.length; b += 2) {
        expect(merged(parsePieces([FULL.slice(0, a), FULL.slice(a, b), FULL.slice(b)]))).toEqual(whole);
      }
    }
  });
});

describe("content", () => {
  it("text before the section is emitted at once, in the same delta as the marker", () => {
    const p = new ToolCallParser();
    const events = p.push(`Let me check.${SB}${CB}functions.f:0`);
    expect(events[0]).toEqual({ type: "text", text: "Let me check." });
  });

  it("text is emitted at once up to a possible marker start, which is held", () => {
    const p = new ToolCallParser();
    expect(p.push("Hello <|tool_")).toEqual([{ type: "text", text: "Hello " }]);
    expect(p.push("callz")).toEqual([{ type: "text", text: "<|tool_callz" }]);
  });

  it("a lone `<` at the end is held until the next character decides", () => {
    const p = new ToolCallParser();
    expect(p.push("a <")).toEqual([{ type: "text", text: "a " }]);
    expect(p.push(" b")).toEqual([{ type: "text", text: "< b" }]);
    expect(p.push("<")).toEqual([]);
    expect(p.end()).toEqual([{ type: "text", text: "<" }]);
  });

  it("a held prefix that stops matching is released as text", () => {
    const p = new ToolCallParser();
    expect(p.push("<|tool_call_be")).toEqual([]);
    expect(p.push("gun")).toEqual([{ type: "text", text: "<|tool_call_begun" }]);
  });
});

describe("multi-unit characters split across deltas", () => {
  it("a surrogate pair split between deltas is emitted whole", () => {
    const p = new ToolCallParser();
    expect(p.push("a\uD83D")).toEqual([{ type: "text", text: "a" }]);
    expect(p.push("\uDE00b")).toEqual([{ type: "text", text: "😀b" }]);
  });

  it("a surrogate pair split inside arguments is emitted whole", () => {
    const p = new ToolCallParser();
    p.push(`${SB}${CB}functions.f:0${AB}{"e": "`);
    expect(visible(p.push("\uD83D"))).toBe("");
    expect(visible(p.push("\uDE00\"}"))).toBe("😀\"}");
  });

  it("a lone high surrogate at the end of the stream is kept", () => {
    expect(collect(parsePieces(["x\uD83D"])).content).toBe("x\uD83D");
  });

  it("CJK and emoji in 1-character deltas", () => {
    const input = `北京😀${SB}${CB}functions.f:0${AB}{"城市": "北京😀"}${CE}${SE}`;
    expect(merged(parsePieces(input.split("")))).toEqual(merged(parseWhole(input)));
  });
});

describe("several calls and sections in one delta", () => {
  it("three calls in two sections, in one push", () => {
    const input = `A${SB}${CALL}${CB}functions.b:1${AB}{}${CE}${SE}B${SB}${CB}functions.c:2${AB}{"x": [1]}${CE}${SE}`;
    const p = new ToolCallParser();
    const events = p.push(input);
    expect(types(events.filter((e) => e.type !== "marker"))).toEqual([
      "text",
      "tool_call.start",
      "tool_call.arguments.delta",
      "tool_call.done",
      "tool_call.start",
      "tool_call.arguments.delta",
      "tool_call.done",
      "text",
      "tool_call.start",
      "tool_call.arguments.delta",
      "tool_call.done",
    ]);
    expect(events.filter((e) => e.type === "tool_call.start").map((e) => (e.type === "tool_call.start" ? [e.index, e.name] : []))).toEqual([
      [0, "get_weather"],
      [1, "b"],
      [2, "c"],
    ]);
    // The last marker waits for the whitespace it may absorb; end() releases it.
    expect(p.end()).toEqual([{ type: "marker", marker: "tool_calls_section_end", raw: SE }]);
  });

  it("index is dense from 0, independent of the model's :N", () => {
    const r = collect(parseWhole(`${SB}${CB}functions.a:7${AB}{}${CE}${CB}functions.b:3${AB}{}${CE}${SE}`));
    expect(r.tool_calls.map((c) => c.id)).toEqual(["functions.a:7", "functions.b:3"]);
    const starts = parseWhole(`${SB}${CB}functions.a:7${AB}{}${CE}${CB}functions.b:3${AB}{}${CE}${SE}`).filter((e) => e.type === "tool_call.start");
    expect(starts.map((e) => (e.type === "tool_call.start" ? e.index : -1))).toEqual([0, 1]);
  });
});

describe("empty deltas", () => {
  it("empty pushes emit nothing and change nothing", () => {
    const p = new ToolCallParser();
    expect(p.push("")).toEqual([]);
    const events: ToolCallEvent[] = [];
    for (const ch of FULL) events.push(...p.push(""), ...p.push(ch), ...p.push(""));
    events.push(...p.end());
    expect(merged(events)).toEqual(merged(parseWhole(FULL)));
  });

  it("an empty stream ends with nothing", () => {
    const p = new ToolCallParser();
    expect(p.end()).toEqual([]);
    expect(collect([])).toEqual({ content: null, tool_calls: [], finish_reason: "stop", diagnostics: [] });
  });
});

describe("arguments", () => {
  it("leading whitespace is stripped and trailing whitespace held until the call closes", () => {
    const p = new ToolCallParser();
    p.push(`${SB}${CB}functions.f:0${AB}`);
    expect(visible(p.push("  \n "))).toBe("");
    expect(visible(p.push('{"a": 1, '))).toBe('{"a": 1,');
    expect(visible(p.push('"b": 2}\n  '))).toBe(' "b": 2}');
    const close = p.push(`${CE}${SE}`);
    expect(visible(close)).toBe("");
    expect(close.find((e) => e.type === "tool_call.done")).toMatchObject({ arguments: '{"a": 1, "b": 2}', complete: true });
  });

  it("concatenated deltas equal the done event's arguments", () => {
    const input = `${SB}${CB}functions.f:0${AB} {\n  "a": "x y",\n  "b": [1, 2]\n}\n${CE}${SE}`;
    const events = parsePieces(input.split(""));
    const deltas = events.filter((e) => e.type === "tool_call.arguments.delta").map((e) => (e.type === "tool_call.arguments.delta" ? e.delta : ""));
    const done = events.find((e) => e.type === "tool_call.done");
    expect(done).toMatchObject({ arguments: deltas.join("") });
    expect(deltas.join("")).toBe('{\n  "a": "x y",\n  "b": [1, 2]\n}');
  });
});

describe("end() at every state", () => {
  const cases: Array<[string, string, "stop" | "tool_calls" | "length", string[]]> = [
    ["in content", "Hello", "stop", []],
    ["in a held marker prefix", "Hello <|tool_call", "stop", []],
    ["right after the section begin", `${SB}\n`, "stop", ["missing_section_end"]],
    ["in the call begin marker", `${SB}<|tool_ca`, "stop", ["unexpected_text", "missing_section_end"]],
    ["right after the call begin", `${SB}${CB}`, "length", ["nonstandard_id", "empty_name", "incomplete_tool_call", "missing_section_end"]],
    ["in the header", `${SB}${CB}functions.f:`, "length", ["nonstandard_id", "incomplete_tool_call", "missing_section_end"]],
    ["right after the argument begin", `${SB}${CB}functions.f:0${AB}`, "length", ["incomplete_tool_call", "missing_section_end"]],
    ["in the arguments", `${SB}${CB}functions.f:0${AB}{"a"`, "length", ["incomplete_tool_call", "missing_section_end"]],
    ["in the arguments after whitespace", `${SB}${CB}functions.f:0${AB}{"a": \n`, "length", ["incomplete_tool_call", "missing_section_end"]],
    ["after the call end", `${SB}${CALL}`, "tool_calls", ["missing_section_end"]],
    ["after the section end", `${SB}${CALL}${SE}`, "tool_calls", []],
    ["after a turn end", `${SB}${CALL}${SE}<|im_end|>\n`, "tool_calls", []],
    ["in a call without a section", `${CB}functions.f:0${AB}{}`, "length", ["missing_section_begin", "incomplete_tool_call"]],
    ["after a call without a section", `${CB}functions.f:0${AB}{}${CE}`, "tool_calls", ["missing_section_begin"]],
    ["in text inside a section", `${SB}${CALL}maybe`, "tool_calls", ["unexpected_text", "missing_section_end"]],
    ["at a turn end inside the arguments", `${SB}${CB}functions.f:0${AB}{}<|im_end|>`, "tool_calls", ["missing_tool_call_end", "missing_section_end"]],
    ["at a turn end inside the header", `${SB}${CB}functions.f:0<|im_end|>`, "tool_calls", ["missing_argument_begin", "invalid_json", "missing_section_end"]],
  ];
  for (const [name, input, finish, codes] of cases) {
    it(`end() ${name}`, () => {
      const events = parseWhole(input);
      const r = collect(events);
      expect(r.finish_reason).toBe(finish);
      expect(r.diagnostics.map((d) => d.code).sort()).toEqual([...codes].sort());
      // The same at 1-character deltas.
      expect(merged(parsePieces(input.split("")))).toEqual(merged(events));
    });
  }

  it("an incomplete call is marked, never healed", () => {
    const done = parseWhole(`${SB}${CB}functions.f:0${AB}{"a": "x`).find((e) => e.type === "tool_call.done");
    expect(done).toMatchObject({ complete: false, arguments: '{"a": "x', validation: { valid: false, json: "unchecked" } });
  });

  it("a turn end followed by more output is text, not the end", () => {
    const r = collect(parseWhole("a<|im_end|>b"));
    expect(r.content).toBe("a<|im_end|>b");
    expect(r.diagnostics.map((d) => d.code)).toEqual(["unexpected_special_token"]);
  });
});

describe("caller mistakes throw KimiK2Error", () => {
  it("push after end", () => {
    const p = new ToolCallParser();
    p.end();
    expect(() => p.push("x")).toThrow(KimiK2Error);
    try {
      p.push("x");
    } catch (e) {
      expect(KimiK2Error.isInstance(e) && e.code).toBe("invalid_state");
    }
    expect(() => p.end()).toThrow(/reset\(\)/);
  });

  it("reset() makes the parser reusable", () => {
    const p = new ToolCallParser();
    p.push(`${SB}${CB}functions.f:0${AB}{`);
    p.end();
    p.reset();
    expect(collect([...p.push(FULL), ...p.end()])).toEqual(collect(parseWhole(FULL)));
  });

  it("mixing text and token ids in one stream", () => {
    const p = new ToolCallParser({ tokenDecoder: { decodeBytes: () => new Uint8Array() } });
    p.push("x");
    expect(() => p.pushTokens([1])).toThrow(/mix/);
  });

  it("pushTokens without a decoder", () => {
    expect(() => new ToolCallParser().pushTokens([1])).toThrow(/tokenDecoder/);
  });

  it("push of a non-string", () => {
    expect(() => new ToolCallParser().push(42 as unknown as string)).toThrow(KimiK2Error);
  });

  const bad: Array<[string, unknown]> = [
    ["tool_choice", { tool_choice: "sometimes" }],
    ["tool_choice object", { tool_choice: { type: "function" } }],
    ["parallel_tool_calls", { parallel_tool_calls: "no" }],
    ["textAfterSection", { textAfterSection: "keep" }],
    ["resolveNames", { resolveNames: "yes" }],
    ["repair", { repair: 1 }],
    ["tokenDecoder", { tokenDecoder: {} }],
    ["tools not an array", { tools: {} }],
    ["a tool without a name", { tools: [{ type: "function", function: {} }] }],
    ["parameters not an object", { tools: [{ type: "function", function: { name: "f", parameters: "x" } }] }],
    ["options not an object", null],
  ];
  for (const [name, options] of bad) {
    it(`bad option: ${name}`, () => {
      let err: unknown;
      try {
        new ToolCallParser(options as never);
      } catch (e) {
        err = e;
      }
      expect(KimiK2Error.isInstance(err) && err.code).toBe("invalid_options");
    });
  }
});
