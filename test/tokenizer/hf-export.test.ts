/**
 * The Hugging Face export, loaded with `@huggingface/tokenizers` (the tokenizer of transformers.js):
 * ids on the whole corpus, line by line, against this library (itself checked against the reference);
 * the differences README documents; the files' contents.
 */
import { readFileSync } from "node:fs";
import { Tokenizer as HfTokenizer } from "@huggingface/tokenizers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { HF_SPLIT_PATTERN, exportHfTokenizer, type HfTokenizerFiles } from "../../src/tokenizer/hf-export.js";
import { KIMI_K2_PAT_STR } from "../../src/tokenizer/split-regex.js";
import { SPECIAL, TOOL_MARKER_IDS } from "../../src/special-tokens.js";
import { runs, sharedFile } from "../helpers/shared.js";
import { reference, tokenizer } from "../helpers/tokenizers.js";
import { TRICKY } from "../helpers/tricky.js";
import { hasPostUnicode16 } from "../helpers/unicode-versions.js";

let files: HfTokenizerFiles;
let hf: HfTokenizer;
const hfIds = (text: string): number[] => hf.encode(text, { add_special_tokens: false }).ids;

beforeAll(() => {
  files = exportHfTokenizer(tokenizer(), { chatTemplate: "{{ messages }}" });
  hf = new HfTokenizer(JSON.parse(files["tokenizer.json"]), JSON.parse(files["tokenizer_config.json"]));
});

describe("Hugging Face export", () => {
  it("writes a byte-level BPE with the split regex, ignore_merges and the 256 special tokens", () => {
    const json = JSON.parse(files["tokenizer.json"]);
    expect(json.model.type).toBe("BPE");
    expect(json.model.ignore_merges).toBe(true);
    expect(Object.keys(json.model.vocab)).toHaveLength(163_584);
    expect(json.model.vocab["!"]).toBe(0);
    expect(json.pre_tokenizer.pretokenizers[0].pattern.Regex).toBe(HF_SPLIT_PATTERN);
    expect(HF_SPLIT_PATTERN).toBe(KIMI_K2_PAT_STR.replaceAll("(?i:'s|'t|'re|'ve|'m|'ll|'d)", "(?:'[sSſ]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"));
    expect(json.added_tokens).toHaveLength(256);
    expect(json.added_tokens.find((t: { id: number }) => t.id === SPECIAL.toolCallBegin.id)).toMatchObject({ content: "<|tool_call_begin|>", special: false });
    expect(json.added_tokens.find((t: { id: number }) => t.id === 163_700)).toMatchObject({ content: "<|reserved_token_163700|>", special: true });
    const config = JSON.parse(files["tokenizer_config.json"]);
    expect(config).toMatchObject({ bos_token: "[BOS]", eos_token: "[EOS]", unk_token: "[UNK]", pad_token: "[PAD]", chat_template: "{{ messages }}" });
    expect(Object.keys(config.added_tokens_decoder)).toHaveLength(256);
  });

  it("@huggingface/tokenizers gives the reference's ids on every line of the corpus", () => {
    const text = readFileSync(sharedFile("corpus", "mixed-5mb.txt"), "utf8");
    const mismatches: number[] = [];
    text.split("\n").forEach((line, i) => {
      const ours = tokenizer().encode(line);
      const theirs = hfIds(line);
      if (ours.length !== theirs.length || ours.some((id, k) => id !== theirs[k])) mismatches.push(i);
    });
    expect(mismatches.slice(0, 10)).toEqual([]);
  });

  it("and on generated strings ('ſ contractions, marks, scripts) outside Unicode 17 additions", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 30 }), fc.array(fc.constantFrom(...TRICKY), { maxLength: 10 }).map((p) => p.join(""))), (s) => {
        fc.pre(!hasPostUnicode16(s));
        expect(hfIds(s)).toEqual(Array.from(reference().tiktoken.encode(s, "all", [])));
      }),
      { numRuns: runs(400) },
    );
  });

  it("documented difference: special-token strings always become ids (like allowedSpecial: \"all\")", () => {
    expect(hfIds("a<|im_end|>")).toEqual(tokenizer().encode("a<|im_end|>", { allowedSpecial: "all" }));
  });

  it("documented difference: no 25,000-character chunking of long runs", () => {
    const digits = "5".repeat(30_000);
    expect(hfIds(digits)).not.toEqual(tokenizer().encode(digits));
    expect(hfIds(digits)).toEqual(Array.from(reference().tiktoken.encode(digits, [], [])));
  });

  it("documented difference: code points new in Unicode 17 split by the runtime's tables", () => {
    const c = "\u088f"; // assigned in Unicode 17
    const text = `a${c}a ${c}x 1${c}22 ${c}${c}'s \u4e00${c}\u4e00 ${c}  ${c}`;
    expect(hasPostUnicode16(text)).toBe(process.versions.unicode === "17.0");
    if (process.versions.unicode === "17.0") expect(hfIds(text)).not.toEqual(tokenizer().encode(text));
  });

  it("decodes, and skip_special_tokens keeps the five tool-call markers (their special flag is false)", () => {
    const ids = [...tokenizer().encode("Hi 世界"), SPECIAL.imEnd.id, ...TOOL_MARKER_IDS];
    expect(hf.decode(ids)).toBe(tokenizer().decode(ids));
    expect(hf.decode(ids, { skip_special_tokens: true })).toBe(`Hi 世界${TOOL_MARKER_IDS.map((id) => tokenizer().decode([id])).join("")}`);
  });
});
