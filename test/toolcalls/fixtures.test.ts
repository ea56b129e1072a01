/**
 * The fixture corpus (fixtures/toolcalls/outputs.json, expected results written by hand) parsed
 * whole, one character at a time, and one fake token at a time; plus 300 KB arguments generated
 * from a seed.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { accountedText, collect, parseToolCalls, type ToolCallParserOptions, type ToolCallsResult } from "../../src/toolcalls/index.js";
import { ROOT } from "../helpers/shared.js";
import { merged, parsePieces, parseWhole, tokenDeltas } from "./helpers.js";

interface Fixture {
  name: string;
  input: string;
  options?: ToolCallParserOptions;
  expected: {
    content: string | null;
    tool_calls: Array<{ id: string; name: string; arguments: string }>;
    finish_reason: string;
    diagnostics: string[];
  };
}

const fixtures = JSON.parse(readFileSync(join(ROOT, "fixtures/toolcalls/outputs.json"), "utf8")) as Fixture[];

function simplify(r: ToolCallsResult): Fixture["expected"] {
  return {
    content: r.content,
    tool_calls: r.tool_calls.map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments })),
    finish_reason: r.finish_reason,
    diagnostics: r.diagnostics.map((d) => d.code).sort(),
  };
}

describe("fixtures/toolcalls/outputs.json", () => {
  it("has the fixtures the issue lists", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(50);
  });

  for (const f of fixtures) {
    describe(f.name, () => {
      const expected = { ...f.expected, diagnostics: [...f.expected.diagnostics].sort() };

      it("parses whole to the hand-written result", () => {
        expect(simplify(parseToolCalls(f.input, f.options))).toEqual(expected);
      });

      it("gives the same merged events one character at a time and one token at a time", () => {
        const whole = merged(parseWhole(f.input, f.options));
        expect(merged(parsePieces([...f.input], f.options))).toEqual(whole);
        expect(merged(parsePieces(tokenDeltas(f.input), f.options))).toEqual(whole);
      });

      it("accounts for every character", () => {
        expect(accountedText(parseWhole(f.input, f.options))).toBe(f.input);
      });
    });
  }
});

/** A seeded generator of JSON-like text: deterministic, no Math.random. */
function seededArguments(seed: number, size: number): string {
  let x = seed >>> 0;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  const words = ["alpha", "beta", "北京", "😀", "a < b", "<|", "|>", "\\n", "quote \\\"x\\\"", "  ", "tool_call"];
  const parts: string[] = [];
  let n = 2;
  let i = 0;
  while (n < size) {
    const w = words[Math.floor(next() * words.length)]!;
    const item = `${i === 0 ? "" : ", "}"k${i}": "${w} ${Math.floor(next() * 1e6)}"`;
    parts.push(item);
    n += item.length;
    i++;
  }
  return `{${parts.join("")}}`;
}

describe("300 KB arguments (generated from a seed)", () => {
  const args = seededArguments(20250905, 300_000);
  const input = `Writing the file.<|tool_calls_section_begin|><|tool_call_begin|>functions.write_file:0<|tool_call_argument_begin|>${args}<|tool_call_end|><|tool_calls_section_end|>`;

  it("is valid JSON of at least 300 KB", () => {
    expect(args.length).toBeGreaterThanOrEqual(300_000);
    expect(typeof JSON.parse(args)).toBe("object");
  });

  it("is returned byte for byte, with no size cap", () => {
    const r = parseToolCalls(input);
    expect(r.content).toBe("Writing the file.");
    expect(r.tool_calls).toEqual([{ id: "functions.write_file:0", type: "function", function: { name: "write_file", arguments: args } }]);
    expect(r.finish_reason).toBe("tool_calls");
    expect(r.diagnostics).toEqual([]);
  });

  it("streams in 1 KB and 7-character deltas to the same arguments", () => {
    for (const size of [1024, 7]) {
      const pieces: string[] = [];
      for (let i = 0; i < input.length; i += size) pieces.push(input.slice(i, i + size));
      const r = collect(parsePieces(pieces));
      expect(r.tool_calls[0]?.function.arguments).toBe(args);
    }
  });
});
