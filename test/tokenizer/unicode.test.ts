/**
 * Unicode versions. The reference's Rust regex tables are Unicode 16.0; the tokenizer's class tables
 * are pinned to Unicode 16.0 (src/tokenizer/unicode-data.ts), so it splits like the reference on
 * every runtime. Node's own ICU (Unicode 17.0 in Node 20.20) is used here as a second opinion:
 * the JS regex port follows it, and differs from the reference exactly on the code points that
 * Unicode 17 added or changed.
 */
import { describe, expect, it } from "vitest";
import { C_HAN, C_LETTER, C_LOWER, C_NUMBER, C_PYSPACE, C_SPACE, C_UPPER, PINNED_UNICODE_VERSION, classTable } from "../../src/tokenizer/char-classes.js";
import { splitPieces } from "../../src/tokenizer/pretokenize.js";
import { SPLIT_PATTERN_JS, splitRegExp } from "../../src/tokenizer/split-regex.js";
import { PY_SPACE } from "../helpers/reference-tokenizer.js";
import { firstDifference, reference, tokenizer } from "../helpers/tokenizers.js";

const NODE = {
  letter: new RegExp(String.raw`\p{L}`, "v"),
  number: new RegExp(String.raw`\p{N}`, "v"),
  han: new RegExp(String.raw`\p{sc=Han}`, "v"),
  upper: new RegExp(String.raw`[[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]--\p{sc=Han}]`, "v"),
  lower: new RegExp(String.raw`[[\p{Ll}\p{Lm}\p{Lo}\p{M}]--\p{sc=Han}]`, "v"),
  space: new RegExp(String.raw`\p{White_Space}`, "v"),
  unassigned: new RegExp(String.raw`\p{Cn}`, "v"),
  privateUse: new RegExp(String.raw`\p{Co}`, "v"),
};

/** The flags Node's ICU gives a code point (the Python-space flag is not derivable from it). */
function nodeFlags(c: string): number {
  return (
    (NODE.letter.test(c) ? C_LETTER : 0) |
    (NODE.number.test(c) ? C_NUMBER : 0) |
    (NODE.han.test(c) ? C_HAN : 0) |
    (NODE.upper.test(c) ? C_UPPER : 0) |
    (NODE.lower.test(c) ? C_LOWER : 0) |
    (NODE.space.test(c) ? C_SPACE : 0)
  );
}

const SPLIT_FLAGS = C_LETTER | C_NUMBER | C_HAN | C_UPPER | C_LOWER | C_SPACE;
const isSurrogate = (cp: number): boolean => cp >= 0xd800 && cp <= 0xdfff;

/** Code points where Node's tables and the pinned Unicode 16 tables disagree. */
function versionDifferences(): number[] {
  const T = classTable();
  const out: number[] = [];
  for (let cp = 0; cp < 0x110000; cp++) {
    if (isSurrogate(cp)) continue;
    if (nodeFlags(String.fromCodePoint(cp)) !== (T[cp]! & SPLIT_FLAGS)) out.push(cp);
  }
  return out;
}

/** Each code point in contexts that exercise every alternative of the split regex. */
function allContexts(c: string): string {
  return `a${c}a|A${c}b| ${c}x|1${c}22|${c}${c}'s|\n${c} \n|\u4e00${c}\u4e00|!${c}!|${c}\r\n|x'${c} |${c}  ${c}|`;
}

/** Fewer contexts for the (slower) comparison with the reference's ids. */
function idContexts(c: string): string {
  return `a${c}a| ${c}x|1${c}22|${c}${c}'s|\u4e00${c}\u4e00|${c}  ${c}|`;
}

function batches(codePoints: number[], size: number, contexts: (c: string) => string): string[] {
  const out: string[] = [];
  for (let i = 0; i < codePoints.length; i += size) {
    out.push(codePoints.slice(i, i + size).map((cp) => contexts(String.fromCodePoint(cp))).join(""));
  }
  return out;
}

describe("Unicode tables", () => {
  const differences = versionDifferences();
  const differing = new Set(differences);

  it(`the pinned tables are Unicode ${PINNED_UNICODE_VERSION}`, () => {
    expect(PINNED_UNICODE_VERSION).toBe("16.0.0");
  });

  it("Node's ICU differs from the pinned tables only where Unicode 17 assigned or changed a code point", () => {
    const T = classTable();
    for (const cp of differences) {
      // Assigned for Node, and unassigned (no flags) in Unicode 16, except U+0295, which Unicode 17
      // moved from Ll to Lo.
      expect(NODE.unassigned.test(String.fromCodePoint(cp)), cp.toString(16)).toBe(false);
      if (cp !== 0x295) expect(T[cp]! & SPLIT_FLAGS, cp.toString(16)).toBe(0);
    }
    expect(T[0x295]! & SPLIT_FLAGS).toBe(C_LETTER | C_LOWER);
    if (process.versions.unicode === "17.0") expect(differences.length).toBe(4_700);
  });

  it("the chunking rule's space flag is exactly Python's str.isspace() set", () => {
    const T = classTable();
    const flagged: number[] = [];
    for (let cp = 0; cp < 0x110000; cp++) if (T[cp]! & C_PYSPACE) flagged.push(cp);
    expect(flagged).toEqual([...PY_SPACE].sort((a, b) => a - b));
  });

  it("the scanner splits exactly like the JS regex port wherever Node's Unicode agrees with Unicode 16", () => {
    // Every code point below U+20000 that Node assigns, and every 61st other one. Both sides
    // depend only on a code point's properties, which the test above compares for all of them.
    const agreeing: number[] = [];
    for (let cp = 0; cp < 0x110000; cp++) {
      if (isSurrogate(cp) || differing.has(cp)) continue;
      const c = String.fromCodePoint(cp);
      if ((cp < 0x20000 && !NODE.unassigned.test(c)) || cp % 61 === 0) agreeing.push(cp);
    }
    for (const text of batches(agreeing, 4096, allContexts)) {
      const ours = splitPieces(text);
      const port = text.match(splitRegExp()) ?? [];
      if (ours.length !== port.length || ours.some((p, i) => p !== port[i])) {
        const i = ours.findIndex((p, k) => p !== port[k]);
        expect({ at: i, ours: ours.slice(i - 2, i + 2), port: port.slice(i - 2, i + 2) }).toEqual({});
      }
    }
    expect(new RegExp(SPLIT_PATTERN_JS, "v").flags).toBe("v");
  });

  it("ids equal the reference's for every code point assigned in Node's Unicode, those new in 17 included", () => {
    const assigned: number[] = [];
    for (let cp = 0; cp < 0x110000; cp++) {
      if (isSurrogate(cp)) continue;
      const c = String.fromCodePoint(cp);
      if (!NODE.unassigned.test(c) && !NODE.privateUse.test(c)) assigned.push(cp);
    }
    for (const text of batches(assigned, 2048, idContexts)) {
      expect(firstDifference(tokenizer().encode(text), reference().tiktoken.encode(text, [], []))).toBe(-1);
    }
  });

  it("ids equal the reference's on unassigned, private-use and noncharacter code points (every 61st)", () => {
    const rest: number[] = [];
    for (let cp = 0; cp < 0x110000; cp += 61) {
      if (isSurrogate(cp)) continue;
      const c = String.fromCodePoint(cp);
      if (NODE.unassigned.test(c) || NODE.privateUse.test(c)) rest.push(cp);
    }
    rest.push(0xfdd0, 0xfffe, 0xffff, 0x10fffe, 0x10ffff);
    for (const text of batches(rest, 2048, allContexts)) {
      expect(firstDifference(tokenizer().encode(text), reference().tiktoken.encode(text, [], []))).toBe(-1);
    }
  });
});
