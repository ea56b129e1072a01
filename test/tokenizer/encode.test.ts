/**
 * encode / count / decode against the reference on hand-picked boundaries and on fast-check
 * generated strings (all of Unicode, lone surrogates, and mixes of tricky pieces).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runs } from "../helpers/shared.js";
import { reference, tokenizer } from "../helpers/tokenizers.js";
import { TRICKY } from "../helpers/tricky.js";

/** `String.prototype.toWellFormed` (Node 20; not in the ES2023 type library): lone surrogates -> U+FFFD. */
function toWellFormed(s: string): string {
  return (s as unknown as { toWellFormed(): string }).toWellFormed();
}

/** The reference's ids for a short text (no chunking needed below 25,000 characters). */
function refIds(text: string): number[] {
  return Array.from(reference().tiktoken.encode(text, [], []));
}

const anyCodePoints = fc.string({ unit: "binary", maxLength: 40 });
const anyUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const trickyMix = fc
  .array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...TRICKY) }, { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 3 }) }), { maxLength: 16 })
  .map((parts) => parts.join(""));

describe("encode against the reference: named boundaries", () => {
  const cases: Array<[string, string]> = [
    ["empty string", ""],
    ["'ſ is a contraction (simple case folding)", "I'\u017f here"],
    ["U+0085 is white space (JS \\s misses it)", "a\u0085\u0085b"],
    ["U+FEFF next to text is not white space (JS \\s has it)", "\ufeffHello\ufeff world"],
    ["scx=Han punctuation is not Han (，。、 are sc=Common)", "\u4f60\u597d\uff0c\u4e16\u754c\u3002\u3001"],
    ["Han next to Latin and kana", "Kimi\u662f\u4e00\u4e2a\u52a9\u624bAI\u3067\u3059"],
    ["digit runs split by three", "1234567890 12 123456"],
    ["CRLF mixes", "a\r\n\r\nb\n\r\nc\r\r\nd \r\n e"],
    ["spaces before a word and at the end", "a    b   "],
    ["marks after a prefix character", "!\u0301AB \u0301ab"],
    ["mixed-case runs with contractions", "HTTPServer's URLs'LL DON'T"],
    ["special-token strings are plain text by default", "<|im_end|><|im_user|>user<|im_middle|>[EOS]"],
  ];
  for (const [name, text] of cases) {
    it(name, () => {
      expect(tokenizer().encode(text)).toEqual(refIds(text));
    });
  }

  it("a lone surrogate is encoded as U+FFFD, as the reference does", () => {
    const text = "a\ud800b\udfffc\ud83d";
    expect(tokenizer().encode(text)).toEqual(refIds(text));
    expect(tokenizer().encode(text)).toEqual(tokenizer().encode("a\ufffdb\ufffdc\ufffd"));
  });
});

describe("encode against the reference: generated strings", () => {
  it("any code points (astral planes, combining marks, unassigned)", () => {
    fc.assert(fc.property(anyCodePoints, (s) => {
        expect(tokenizer().encode(s)).toEqual(refIds(s));
      }), { numRuns: runs(400) });
  });

  it("any UTF-16 units, lone surrogates included", () => {
    fc.assert(fc.property(anyUnits, (s) => {
        expect(tokenizer().encode(s)).toEqual(refIds(s));
      }), { numRuns: runs(400) });
  });

  it("mixes of tricky pieces", () => {
    fc.assert(fc.property(trickyMix, (s) => {
        expect(tokenizer().encode(s)).toEqual(refIds(s));
      }), { numRuns: runs(1000) });
  });
});

describe("round trips and count", () => {
  it("decode(encode(s)) === s for well-formed strings", () => {
    fc.assert(
      fc.property(fc.oneof(anyCodePoints, trickyMix), (s) => {
        expect(tokenizer().decode(tokenizer().encode(s))).toBe(s);
      }),
      { numRuns: runs(500) },
    );
  });

  it("decode(encode(s)) === s.toWellFormed() when s has lone surrogates", () => {
    fc.assert(
      fc.property(anyUnits, (s) => {
        expect(tokenizer().decode(tokenizer().encode(s))).toBe(toWellFormed(s));
      }),
      { numRuns: runs(300) },
    );
  });

  it("count(s) === encode(s).length", () => {
    fc.assert(
      fc.property(fc.oneof(anyCodePoints, anyUnits, trickyMix), (s) => {
        expect(tokenizer().count(s)).toBe(tokenizer().encode(s).length);
      }),
      { numRuns: runs(500) },
    );
  });

  it("encode rejects a non-string with invalid_options", () => {
    expect(() => tokenizer().encode(42 as unknown as string)).toThrowError(expect.objectContaining({ code: "invalid_options" }));
  });
});
