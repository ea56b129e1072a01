/**
 * The reference tokenizer for differential tests and benchmarks: the `tiktoken` npm package (OpenAI's
 * Rust tokenizer in WASM) built with Kimi K2's ranks, its 256 special tokens and its exact
 * Rust-syntax split regex, plus Kimi's chunking rule written out here independently, line for line
 * after `tokenization_kimi.py` (`encode` and `_split_whitespaces_or_nonwhitespaces`).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Tiktoken } from "tiktoken";
import { allSpecialTokens } from "../../src/special-tokens.js";

/**
 * Python `str.isspace()` code points (Bidi_Class WS/B/S or gc Zs), as printed by
 * `python3 -c "print([hex(c) for c in range(0x110000) if chr(c).isspace()])"` (Python 3.11).
 */
export const PY_SPACE: ReadonlySet<number> = new Set<number>([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005,
  0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

function isSpace(ch: string): boolean {
  return PY_SPACE.has(ch.codePointAt(0)!);
}

/** `_split_whitespaces_or_nonwhitespaces` over an array of code points (strings). */
function splitRuns(s: string[], maxLen: number): string[] {
  const out: string[] = [];
  let currentLen = 0;
  let currentIsSpace = s.length > 0 ? isSpace(s[0]!) : false;
  let sliceStart = 0;
  for (let i = 0; i < s.length; i++) {
    const nowSpace = isSpace(s[i]!);
    if (currentIsSpace !== nowSpace) {
      currentLen = 1;
      currentIsSpace = nowSpace;
    } else {
      currentLen++;
      if (currentLen > maxLen) {
        out.push(s.slice(sliceStart, i).join(""));
        sliceStart = i;
        currentLen = 1;
      }
    }
  }
  out.push(s.slice(sliceStart).join(""));
  return out;
}

/** The substrings Kimi's `encode` hands to tiktoken one by one. */
export function kimiChunks(text: string): string[] {
  const cps = Array.from(text); // one element per code point; a lone surrogate is one, as in Python
  const out: string[] = [];
  for (let i = 0; i < cps.length; i += 400_000) out.push(...splitRuns(cps.slice(i, i + 400_000), 25_000));
  return out;
}

/**
 * The split regex of `tokenization_kimi.py` (FORMAT.md §2), written here rather than imported so the
 * reference does not depend on the code under test.
 */
export const REFERENCE_PAT_STR = [
  String.raw`[\p{Han}]+`,
  String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]*[\p{Ll}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?`,
  String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]+[\p{Ll}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?`,
  String.raw`\p{N}{1,3}`,
  String.raw` ?[^\s\p{L}\p{N}]+[\r\n]*`,
  String.raw`\s*[\r\n]+`,
  String.raw`\s+(?!\S)`,
  String.raw`\s+`,
].join("|");

/** A reference tokenizer. */
export interface Reference {
  /** tiktoken itself (no chunking). */
  tiktoken: Tiktoken;
  /** Kimi's encode: chunking, then tiktoken on each chunk with these special-token options. */
  encode(text: string, allowed?: "all" | string[], disallowed?: "all" | string[]): number[];
}

/** Builds the reference from a model directory's tiktoken.model (takes ~0.4 s). */
export function createReference(modelDir: string): Reference {
  const ranks = readFileSync(join(modelDir, "tiktoken.model"), "utf8");
  const specials: Record<string, number> = {};
  for (const { id, content } of allSpecialTokens()) specials[content] = id;
  const tiktoken = new Tiktoken(ranks, specials, REFERENCE_PAT_STR);
  return {
    tiktoken,
    encode(text, allowed = [], disallowed = []) {
      const ids: number[] = [];
      for (const chunk of kimiChunks(text)) for (const id of tiktoken.encode(chunk, allowed, disallowed)) ids.push(id);
      return ids;
    },
  };
}
