/**
 * allowedSpecial / disallowedSpecial against the reference (tiktoken's `encode(text, allowed,
 * disallowed)` on each of Kimi's chunks). Default: every special-token string is plain text.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KimiK2Error } from "../../src/errors.js";
import { SPECIAL, allSpecialTokens } from "../../src/special-tokens.js";
import { runs } from "../helpers/shared.js";
import { reference, tokenizer } from "../helpers/tokenizers.js";
import { TRICKY } from "../helpers/tricky.js";

const ALL = allSpecialTokens().map((t) => t.content);
const SOME = ["<|im_end|>", "<|im_user|>", "[BOS]", "[EOS]", "<|tool_call_begin|>", "<|reserved_token_163600|>", "[PAD]", "<|im_middle|>"];

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("special-token options", () => {
  const text = "a<|im_end|>b [BOS]<|reserved_token_163700|><|im_user|> <|reserved_token_163840|>";

  it("by default special strings are plain text (tiktoken with nothing allowed or disallowed)", () => {
    expect(tokenizer().encode(text)).toEqual(reference().encode(text, [], []));
    expect(tokenizer().encode(text)).not.toContain(SPECIAL.imEnd.id);
  });

  it('allowedSpecial: "all" maps all 256 special strings, and only them', () => {
    const ids = tokenizer().encode(text, { allowedSpecial: "all" });
    expect(ids).toEqual(reference().encode(text, "all", []));
    expect(ids).toEqual(expect.arrayContaining([SPECIAL.imEnd.id, SPECIAL.bos.id, 163_700, SPECIAL.imUser.id]));
    expect(ids).not.toContain(163_840);
  });

  it("allowedSpecial as a list maps just those", () => {
    const ids = tokenizer().encode(text, { allowedSpecial: new Set(["<|im_end|>"]) });
    expect(ids).toEqual(reference().encode(text, ["<|im_end|>"], []));
    expect(ids.filter((id) => id >= 163_584)).toEqual([SPECIAL.imEnd.id]);
  });

  it('disallowedSpecial: "all" names the first special string that is not allowed, and its offset', () => {
    const error = thrown(() => tokenizer().encode(text, { allowedSpecial: ["<|im_end|>"], disallowedSpecial: "all" }));
    expect(KimiK2Error.isInstance(error)).toBe(true);
    expect((error as KimiK2Error).code).toBe("disallowed_special_token");
    expect((error as KimiK2Error).details).toEqual({ token: "[BOS]", id: SPECIAL.bos.id, offset: 13 });
    expect((error as Error).message).toContain('"[BOS]" at offset 13');
    expect(thrown(() => reference().encode(text, ["<|im_end|>"], "all"))).toBeInstanceOf(Error);
  });

  it("a string both allowed and explicitly disallowed raises, as in tiktoken", () => {
    const error = thrown(() => tokenizer().encode(text, { allowedSpecial: "all", disallowedSpecial: ["<|im_user|>"] }));
    expect((error as KimiK2Error).details).toMatchObject({ token: "<|im_user|>" });
    expect(String(thrown(() => reference().encode(text, "all", ["<|im_user|>"])))).toContain("<|im_user|>");
  });

  it("disallowedSpecial does not raise on text without those strings", () => {
    expect(tokenizer().encode("plain text", { disallowedSpecial: "all" })).toEqual(reference().encode("plain text", [], "all"));
  });

  it("an unknown string in the options is a caller mistake (tiktoken ignores it)", () => {
    for (const options of [{ allowedSpecial: ["<|im_end>"] }, { disallowedSpecial: ["<|reserved_token_163840|>"] }, { allowedSpecial: "<|im_end|>" as unknown as string[] }]) {
      const error = thrown(() => tokenizer().encode("x", options));
      expect((error as KimiK2Error).code).toBe("invalid_options");
    }
  });

  it("a special string cut by a 25,000-character chunk boundary stays text even when allowed", () => {
    const cut = `${"1".repeat(24_995)}<|im_end|>`;
    expect(tokenizer().encode(cut, { allowedSpecial: "all" })).toEqual(reference().encode(cut, "all", []));
    expect(tokenizer().encode(cut, { allowedSpecial: "all" })).not.toContain(SPECIAL.imEnd.id);
    expect(tokenizer().encode(cut, { disallowedSpecial: "all" })).toEqual(reference().encode(cut, [], []));
  });

  it("generated texts and option sets agree with the reference, ids or error", () => {
    const piece = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...TRICKY) }, { weight: 2, arbitrary: fc.constantFrom(...SOME, ...ALL.slice(20, 30)) });
    const option = fc.oneof(fc.constant<"all">("all"), fc.subarray(SOME));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }).map((p) => p.join("")), fc.option(option), fc.option(option), (s, allowed, disallowed) => {
        const options = { ...(allowed !== null ? { allowedSpecial: allowed } : {}), ...(disallowed !== null ? { disallowedSpecial: disallowed } : {}) };
        const refError = thrown(() => reference().encode(s, allowed ?? [], disallowed ?? []));
        const ourError = thrown(() => tokenizer().encode(s, options));
        if (refError) {
          expect(KimiK2Error.isInstance(ourError)).toBe(true);
          expect(String(refError)).toContain((ourError as KimiK2Error).details!.token as string);
        } else {
          expect(ourError).toBeUndefined();
          expect(tokenizer().encode(s, options)).toEqual(reference().encode(s, allowed ?? [], disallowed ?? []));
          expect(tokenizer().count(s, options)).toBe(tokenizer().encode(s, options).length);
        }
      }),
      { numRuns: runs(500) },
    );
  });
});
