/**
 * decode, decodeBytes, tokenBytes and the streaming decoder.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KimiK2Error } from "../../src/errors.js";
import { SPECIAL, reservedTokenName } from "../../src/special-tokens.js";
import { runs } from "../helpers/shared.js";
import { reference, tokenizer } from "../helpers/tokenizers.js";
import { TRICKY } from "../helpers/tricky.js";

const utf8 = new TextEncoder();

describe("decode", () => {
  it("concatenates token bytes exactly as the reference does (ranks and special ids)", () => {
    const ids = [...tokenizer().encode("Hello, 世界 👍"), SPECIAL.imEnd.id, 163_700, SPECIAL.toolCallBegin.id];
    expect(tokenizer().decodeBytes(ids)).toEqual(reference().tiktoken.decode(Uint32Array.from(ids)));
    expect(tokenizer().decode(ids)).toBe(`Hello, 世界 👍<|im_end|>${reservedTokenName(163_700)}<|tool_call_begin|>`);
  });

  it("an emoji split across two tokens decodes only when both are there", () => {
    const ids = tokenizer().encode("🦀");
    expect(ids.length).toBeGreaterThan(1);
    expect(tokenizer().decode(ids.slice(0, 1))).toBe("\ufffd");
    expect(tokenizer().decode(ids)).toBe("🦀");
  });

  it("invalid UTF-8 becomes U+FFFD (WHATWG decoding: one per maximal invalid subpart)", () => {
    // The rank of the single byte 0xE4: a lead byte with nothing after it.
    const byteRank = [...Array(256).keys()].find((r) => tokenizer().tokenBytes(r).length === 1 && tokenizer().tokenBytes(r)[0] === 0xe4)!;
    expect(tokenizer().decode([byteRank, ...tokenizer().encode("a")])).toBe("\ufffda");
    expect(tokenizer().decode([byteRank, byteRank])).toBe("\ufffd\ufffd");
  });

  it("a leading U+FEFF is kept (TextDecoder would strip it by default)", () => {
    expect(tokenizer().decode(tokenizer().encode("\ufeffx"))).toBe("\ufeffx");
  });

  it("accepts typed arrays", () => {
    const ids = tokenizer().encode("typed arrays");
    expect(tokenizer().decode(Uint32Array.from(ids))).toBe("typed arrays");
    expect(tokenizer().decode(Int32Array.from(ids))).toBe("typed arrays");
  });

  for (const [name, id] of [
    ["negative", -1],
    ["163840, past the model's vocabulary (some tokenizer copies register it)", 163_840],
    ["not an integer", 1.5],
    ["NaN", Number.NaN],
  ] as const) {
    it(`an id that is ${name} throws invalid_token_id naming it and its index`, () => {
      let error: unknown;
      try {
        tokenizer().decode([1, 2, id]);
      } catch (e) {
        error = e;
      }
      expect(KimiK2Error.isInstance(error)).toBe(true);
      expect((error as KimiK2Error).code).toBe("invalid_token_id");
      expect((error as KimiK2Error).details).toEqual({ id, index: 2 });
      expect((error as KimiK2Error).message).toContain("0..163839");
    });
  }

  it("tokenBytes: a rank's bytes, a special id's string, a copy each time", () => {
    const ids = tokenizer().encode(" hello");
    expect(ids).toHaveLength(1);
    expect(tokenizer().tokenBytes(ids[0]!)).toEqual(utf8.encode(" hello"));
    expect(tokenizer().tokenBytes(SPECIAL.imMiddle.id)).toEqual(utf8.encode("<|im_middle|>"));
    expect(tokenizer().tokenBytes(163_839)).toEqual(utf8.encode("[PAD]"));
    const a = tokenizer().tokenBytes(ids[0]!);
    a[0] = 0;
    expect(tokenizer().tokenBytes(ids[0]!)[0]).toBe(0x20);
    expect(() => tokenizer().tokenBytes(163_840)).toThrowError(expect.objectContaining({ code: "invalid_token_id" }));
  });
});

describe("streaming decoder", () => {
  /** Cuts `ids` into batches at the given fractions. */
  function split(ids: number[], cuts: number[]): number[][] {
    const points = [...new Set(cuts.map((c) => Math.floor(c * (ids.length + 1))))].sort((a, b) => a - b);
    const out: number[][] = [];
    let prev = 0;
    for (const p of points) {
      out.push(ids.slice(prev, p));
      prev = p;
    }
    out.push(ids.slice(prev));
    return out;
  }

  const text = fc.oneof(
    fc.string({ unit: "binary", maxLength: 30 }),
    fc.array(fc.constantFrom(...TRICKY), { maxLength: 10 }).map((p) => p.join("")),
  );
  /** Ids that may hold invalid UTF-8: single-byte ranks mixed in. */
  const rawIds = fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 163_839 })), { maxLength: 30 });

  it("the deltas of any split, plus end(), equal decode(all), and no delta splits a character", () => {
    fc.assert(
      fc.property(fc.oneof(text.map((s) => tokenizer().encode(s)), rawIds), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }), (ids, cuts) => {
        const decoder = tokenizer().createStreamDecoder();
        const deltas = split(ids, cuts).map((batch) => decoder.push(batch));
        deltas.push(decoder.end());
        expect(deltas.join("")).toBe(tokenizer().decode(ids));
        for (const d of deltas) expect(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(d)).toBe(false);
      }),
      { numRuns: runs(500) },
    );
  });

  it("every split of hand-picked sequences (all 2^(n-1) batchings) gives decode(all ids)", () => {
    const byteRank = (b: number): number => [...Array(256).keys()].find((r) => tokenizer().tokenBytes(r).length === 1 && tokenizer().tokenBytes(r)[0] === b)!;
    const sequences = [
      tokenizer().encode("🦀👍🏽 a𝕏"), // characters spanning two tokens, a surrogate pair per character
      [byteRank(0xf0), byteRank(0x9f), ...tokenizer().encode("x"), byteRank(0xe4), byteRank(0xb8)], // cut-off and invalid sequences
      [...tokenizer().encode("é中"), SPECIAL.imEnd.id, byteRank(0xe4), 163_700, ...tokenizer().encode("🦀")], // special ids inside
    ];
    for (const ids of sequences) {
      expect(ids.length).toBeLessThanOrEqual(12);
      const whole = tokenizer().decode(ids);
      for (let mask = 0; mask < 1 << (ids.length - 1); mask++) {
        const decoder = tokenizer().createStreamDecoder();
        const deltas: string[] = [];
        let start = 0;
        for (let i = 1; i <= ids.length; i++) {
          if (i === ids.length || mask & (1 << (i - 1))) {
            deltas.push(decoder.push(ids.slice(start, i)));
            start = i;
          }
        }
        deltas.push(decoder.end());
        expect(deltas.join(""), `split mask ${mask}`).toBe(whole);
        for (const d of deltas) expect(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(d)).toBe(false);
      }
    }
  });

  it("one id at a time gives the same text", () => {
    fc.assert(
      fc.property(text, (s) => {
        const ids = tokenizer().encode(s);
        const decoder = tokenizer().createStreamDecoder();
        let out = "";
        for (const id of ids) out += decoder.push(id);
        out += decoder.end();
        expect(out).toBe(s);
      }),
      { numRuns: runs(300) },
    );
  });

  it("holds back the first half of a two-token emoji", () => {
    const ids = tokenizer().encode("🦀!");
    const decoder = tokenizer().createStreamDecoder();
    expect(decoder.push(ids[0]!)).toBe("");
    expect(decoder.push(ids.slice(1))).toBe("🦀!");
    expect(decoder.end()).toBe("");
  });

  it("end() flushes an incomplete character as U+FFFD, as decode does", () => {
    const ids = tokenizer().encode("🦀");
    const decoder = tokenizer().createStreamDecoder();
    expect(decoder.push(ids[0]!)).toBe("");
    expect(decoder.end()).toBe("\ufffd");
  });

  it("an invalid id throws and consumes nothing of its batch", () => {
    const ids = tokenizer().encode("🦀");
    const decoder = tokenizer().createStreamDecoder();
    expect(decoder.push(ids[0]!)).toBe("");
    expect(() => decoder.push([...ids.slice(1), -5])).toThrowError(expect.objectContaining({ code: "invalid_token_id" }));
    expect(decoder.push(ids.slice(1))).toBe("🦀");
  });

  it("push after end() throws invalid_state; reset() starts a new stream", () => {
    const decoder = tokenizer().createStreamDecoder();
    decoder.push(tokenizer().encode("a"));
    expect(decoder.end()).toBe("");
    expect(() => decoder.push(1)).toThrowError(expect.objectContaining({ code: "invalid_state" }));
    decoder.reset();
    expect(decoder.push(tokenizer().encode("b"))).toBe("b");
  });
});
