/**
 * The split regex as the reference has it, and the JS port against the scanner on generated text.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KimiK2Error } from "../../src/errors.js";
import { createTokenizer } from "../../src/tokenizer/index.js";
import { splitPieces } from "../../src/tokenizer/pretokenize.js";
import { KIMI_K2_PAT_STR, splitRegExp } from "../../src/tokenizer/split-regex.js";
import { REFERENCE_PAT_STR } from "../helpers/reference-tokenizer.js";
import { runs } from "../helpers/shared.js";
import { tokenizer } from "../helpers/tokenizers.js";
import { TRICKY } from "../helpers/tricky.js";
import { hasPostUnicode16 } from "../helpers/unicode-versions.js";

describe("split regex", () => {
  it("KIMI_K2_PAT_STR is the pattern of tokenization_kimi.py (FORMAT.md §2)", () => {
    expect(KIMI_K2_PAT_STR).toBe(REFERENCE_PAT_STR);
  });

  it("the JS port and the scanner split ASCII, BMP and tricky mixes alike (outside Unicode 17 additions)", () => {
    const text = fc.oneof(
      fc.string({ unit: "binary-ascii", maxLength: 40 }),
      fc.string({ unit: fc.integer({ min: 0, max: 0x2fff }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
      fc.array(fc.constantFrom(...TRICKY), { maxLength: 12 }).map((p) => p.join("")),
    );
    fc.assert(
      fc.property(text, (s) => {
        fc.pre(!hasPostUnicode16(s));
        const wellFormed = (s as unknown as { toWellFormed(): string }).toWellFormed();
        expect(splitPieces(s)).toEqual(wellFormed.match(splitRegExp()) ?? []);
      }),
      { numRuns: runs(1000) },
    );
  });

  it("named boundaries: 'ſ, U+0085, U+FEFF, marks, digits", () => {
    expect(splitPieces("I'\u017f")).toEqual(["I'\u017f"]);
    expect(splitPieces("a\u0085\u0085b")).toEqual(["a", "\u0085", "\u0085b"]);
    expect(splitPieces("\ufeffHi")).toEqual(["\ufeffHi"]);
    expect(splitPieces("\u0301AB")).toEqual(["\u0301", "AB"]);
    expect(splitPieces("1234567")).toEqual(["123", "456", "7"]);
    expect(splitPieces("  \n\n  x")).toEqual(["  \n\n", " ", " x"]);
  });
});

describe("createTokenizer", () => {
  it("rejects anything but tiktoken.model bytes or a Kimi K2 vocabulary", () => {
    expect(() => createTokenizer("tiktoken.model" as unknown as Uint8Array)).toThrowError(expect.objectContaining({ code: "invalid_options" }));
    const small = { size: 3, data: new Uint8Array(3), offsets: new Uint32Array(4) };
    let error: unknown;
    try {
      createTokenizer(small);
    } catch (e) {
      error = e;
    }
    expect(KimiK2Error.isInstance(error) && error.code).toBe("vocab_mismatch");
  });

  it("accepts an already parsed vocabulary", () => {
    const again = createTokenizer(tokenizer().vocabulary);
    expect(again.encode("same ids")).toEqual(tokenizer().encode("same ids"));
  });
});
