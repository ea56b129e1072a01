/**
 * The shared corpus against the reference: every line on its own, the whole file at once (which
 * crosses Kimi's 400,000-code-point windows 12 times), and each of its five parts.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { findCorpusParts } from "../../bench/corpus-parts.js";
import { sharedFile } from "../helpers/shared.js";
import { firstDifference, reference, tokenizer } from "../helpers/tokenizers.js";

const bytes = readFileSync(sharedFile("corpus", "mixed-5mb.txt"));
const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);

describe("corpus parity with the reference", () => {
  it("every line on its own gives identical ids", () => {
    const tok = tokenizer();
    const ref = reference();
    const lines = text.split("\n");
    const mismatches: number[] = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (firstDifference(tok.encode(line), ref.tiktoken.encode(line, [], [])) >= 0) mismatches.push(i);
    }
    expect(lines.length).toBe(144_730);
    expect(mismatches.slice(0, 10)).toEqual([]);
  });

  it("the whole corpus in one call gives identical ids (chunked into 400,000-code-point windows)", () => {
    const ours = tokenizer().encode(text);
    const theirs = reference().encode(text);
    expect(firstDifference(ours, theirs)).toBe(-1);
    expect(ours.length).toBe(theirs.length);
    expect(tokenizer().count(text)).toBe(theirs.length);
  });

  it("each part gives identical ids, and decodes back to its text", () => {
    for (const part of findCorpusParts(bytes)) {
      const partText = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes.subarray(part.start, part.end));
      const ours = tokenizer().encode(partText);
      expect(firstDifference(ours, reference().encode(partText)), part.name).toBe(-1);
      expect(tokenizer().decode(ours) === partText, part.name).toBe(true);
    }
  });
});
