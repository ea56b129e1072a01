/**
 * The benchmark's inputs produce the expected output, for our parser and for the re-scan comparison
 * parser (so the benchmark compares equal work).
 */
import { describe, expect, it } from "vitest";
import { collect } from "../../src/toolcalls/index.js";
import { generateOutput, rescanCollect, splitDeltas, type DeltaMode } from "../../bench/toolcalls-inputs.js";
import { parsePieces } from "./helpers.js";

describe("bench/toolcalls inputs", () => {
  for (const bytes of [10_000, 100_000]) {
    it(`a ${bytes / 1000} KB output parses to its generated calls at every delta size`, () => {
      const out = generateOutput(bytes, 42);
      expect(out.text.length).toBeGreaterThan(bytes * 0.9);
      expect(out.text.length).toBeLessThan(bytes * 1.1);
      for (const mode of ["1-char", "1-token", "4-KB"] as DeltaMode[]) {
        const deltas = splitDeltas(out.text, mode);
        expect(deltas.join("")).toBe(out.text);
        const r = collect(parsePieces(deltas));
        expect(r.content).toBe(out.content);
        expect(r.tool_calls.map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments }))).toEqual(out.calls);
        expect(r.diagnostics).toEqual([]);
      }
    });
  }

  it("1-token deltas average about 4 characters", () => {
    const text = generateOutput(10_000, 1).text;
    const n = splitDeltas(text, "1-token").length;
    expect(text.length / n).toBeGreaterThan(3.5);
    expect(text.length / n).toBeLessThan(4.5);
  });

  it("the re-scan parser streams the same content and calls", () => {
    const out = generateOutput(10_000, 42);
    for (const mode of ["1-token", "4-KB"] as DeltaMode[]) {
      expect(rescanCollect(splitDeltas(out.text, mode))).toEqual({ content: out.content, calls: out.calls });
    }
  });
});
