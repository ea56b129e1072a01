import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  FIRST_SPECIAL_ID,
  MODEL_VOCAB_SIZE,
  NAMED_SPECIAL_TOKENS,
  SPECIAL_TOKENS_MAP,
  TOOL_MARKER_IDS,
  allSpecialTokens,
  classifyId,
  isToolMarkerId,
  isTurnId,
  specialTokenId,
  specialTokenString,
} from "../src/special-tokens.js";
import { sharedFile } from "./helpers/shared.js";

interface TableEntry {
  id: number;
  content: string;
  hf_special: boolean;
}

// Reference data of the shared folder (derived from the published tokenizer_config.json): not files a
// checkpoint ships, so they are read from there even when KIMI_K2_MODEL_DIR points at a real snapshot.
const table = JSON.parse(readFileSync(sharedFile("kimi-k2", "special_tokens.json"), "utf8")) as {
  named: TableEntry[];
  first_special_id: number;
  model_vocab_size: number;
  bos_token: string;
  eos_token: string;
  unk_token: string;
  pad_token: string;
  additional_special_tokens: string[];
};

describe("special-token table", () => {
  it("matches the model's special_tokens.json: ids, strings and the HF special flag", () => {
    expect(NAMED_SPECIAL_TOKENS.map((t) => ({ id: t.id, content: t.content, hf_special: t.hfSpecial }))).toEqual(table.named);
    expect(FIRST_SPECIAL_ID).toBe(table.first_special_id);
    expect(MODEL_VOCAB_SIZE).toBe(table.model_vocab_size);
  });

  it("matches the model's special-token map (what templates see as variables)", () => {
    expect(SPECIAL_TOKENS_MAP).toEqual({
      bos_token: table.bos_token,
      eos_token: table.eos_token,
      unk_token: table.unk_token,
      pad_token: table.pad_token,
      additional_special_tokens: table.additional_special_tokens,
    });
  });

  it("matches the added-token table of the published tokenizer_config.json", () => {
    const config = JSON.parse(readFileSync(sharedFile("kimi-k2", "tokenizer_config.0711-initial.json"), "utf8")) as {
      added_tokens_decoder: Record<string, { content: string; special: boolean }>;
    };
    for (const [id, entry] of Object.entries(config.added_tokens_decoder)) {
      expect(specialTokenString(Number(id))).toBe(entry.content);
      expect(specialTokenId(entry.content)).toBe(Number(id));
    }
    const named = new Map(NAMED_SPECIAL_TOKENS.map((t) => [t.id, t.hfSpecial]));
    for (const [id, entry] of Object.entries(config.added_tokens_decoder)) {
      if (named.has(Number(id))) expect(named.get(Number(id))).toBe(entry.special);
    }
  });

  it("names every other slot <|reserved_token_{id}|> and round-trips all 256", () => {
    const all = allSpecialTokens();
    expect(all).toHaveLength(256);
    expect(specialTokenString(163_589)).toBe("<|reserved_token_163589|>");
    for (const { id, content } of all) expect(specialTokenId(content)).toBe(id);
    expect(specialTokenId("<|reserved_token_163840|>")).toBeUndefined();
    expect(specialTokenId("<|reserved_token_0163600|>")).toBeUndefined();
    expect(specialTokenId("<|reserved_token_163586|>")).toBeUndefined();
    expect(specialTokenId("<|im_end|> ")).toBeUndefined();
  });

  it("classifies ids: rank, named, reserved, invalid", () => {
    expect(classifyId(0)).toBe("rank");
    expect(classifyId(163_583)).toBe("rank");
    expect(classifyId(163_584)).toBe("named");
    expect(classifyId(163_589)).toBe("reserved");
    expect(classifyId(163_839)).toBe("named");
    expect(classifyId(163_840)).toBe("invalid");
    expect(classifyId(163_841)).toBe("invalid");
    expect(classifyId(-1)).toBe("invalid");
    expect(classifyId(1.5)).toBe("invalid");
    expect(specialTokenString(163_840)).toBeUndefined();
  });

  it("knows the five tool markers and the turn tokens", () => {
    expect(TOOL_MARKER_IDS).toEqual([163_595, 163_596, 163_597, 163_598, 163_599]);
    const markers = table.named.filter((t) => !t.hf_special).map((t) => t.id);
    expect(markers).toEqual(TOOL_MARKER_IDS);
    for (let id = 163_580; id < 163_605; id++) expect(isToolMarkerId(id)).toBe(markers.includes(id));
    expect(["<|im_user|>", "<|im_assistant|>", "<|im_system|>", "<|im_middle|>", "<|im_end|>"].map((s) => isTurnId(specialTokenId(s)!))).toEqual([
      true, true, true, true, true,
    ]);
    expect(isTurnId(specialTokenId("[EOS]")!)).toBe(false);
  });
});
