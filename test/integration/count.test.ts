/**
 * Token counts and chat ids of whole requests, end to end: the template renderer's segments through
 * the real tokenizer, against the references (render_ref.py's text, split on the 17 named special
 * strings as Hugging Face's `apply_chat_template(tokenize=True)` does, each piece through tiktoken
 * with Kimi's chunking rule and all specials allowed).
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { NAMED_SPECIAL_TOKENS, allSpecialTokens } from "../../src/special-tokens.js";
import { compileTemplate, countRequestTokens, parseRequestJson, renderSegments, type ChatRequest } from "../../src/template/index.js";
import { chatRequest, requestLine } from "../helpers/chat-arbitraries.js";
import { renderReference, type OracleResult } from "../helpers/oracle.js";
import { reference, tokenizer } from "../helpers/tokenizers.js";
import { modelDir, runs, sharedFile } from "../helpers/shared.js";

const templatePath = `${modelDir()}/chat_template.jinja`;
const template = compileTemplate(readFileSync(templatePath, "utf8"));
const NAMED = new Map(NAMED_SPECIAL_TOKENS.map((t) => [t.content, t.id]));
const SPLIT = new RegExp(`(${NAMED_SPECIAL_TOKENS.map((t) => t.content.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})`);
const ANY_SPECIAL = allSpecialTokens().map((t) => t.content);

/** Hugging Face's ids for a rendered prompt, built from the reference tokenizer only. */
function hfIds(text: string): number[] {
  const ids: number[] = [];
  for (const piece of text.split(SPLIT)) {
    if (piece === "") continue;
    const special = NAMED.get(piece);
    if (special !== undefined) ids.push(special);
    else ids.push(...reference().encode(piece, "all"));
  }
  return ids;
}

describe("k2vv requests: counts and ids equal Hugging Face's", () => {
  const lines = readFileSync(sharedFile("k2vv", "k2vv-requests.jsonl"), "utf8").split("\n").filter((l) => l.trim());
  let oracle: OracleResult[];
  beforeAll(async () => {
    oracle = await renderReference(templatePath, lines, true);
  });

  it("countRequestTokens and both chat-encoding modes give the reference's ids", () => {
    const tok = tokenizer();
    lines.forEach((line, i) => {
      const result = oracle[i]!;
      if (!result.ok) throw new Error(`the oracle failed on k2vv request ${i}: ${result.error}`);
      const expected = hfIds(result.text);
      const req = parseRequestJson(line);
      const segments = renderSegments(req, { template });
      expect(tok.encodeChat(segments, { mode: "reference" })).toEqual(expected);
      // No content in these requests contains special-token text, so the safe encoding is the same.
      expect(segments.some((s) => s.kind === "content" && ANY_SPECIAL.some((sp) => s.text.includes(sp)))).toBe(false);
      expect(tok.encodeChat(segments)).toEqual(expected);
      expect(countRequestTokens(req, tok, { template })).toBe(expected.length);
    });
  });
});

describe("generated requests: reference mode is Hugging Face's; safe mode agrees unless content holds special text", () => {
  it("over fast-check requests rendered by the oracle", async () => {
    const requests = fc.sample(chatRequest, { numRuns: runs(300), seed: 20261130 });
    const oracle = await renderReference(templatePath, requests.map(requestLine), true);
    const tok = tokenizer();
    let compared = 0;
    let injected = 0;
    requests.forEach((raw, i) => {
      const result = oracle[i]!;
      if (!result.ok) return;
      const req = parseRequestJson(requestLine(raw)) as ChatRequest;
      const segments = renderSegments(req, { template });
      const expected = hfIds(result.text);
      expect(tok.encodeChat(segments, { mode: "reference" })).toEqual(expected);
      const contentHasSpecial = segments.some((s) => s.kind === "content" && ANY_SPECIAL.some((sp) => s.text.includes(sp)));
      const safe = tok.encodeChat(segments);
      if (contentHasSpecial) {
        injected++;
        // Every special id of the safe encoding comes from markup: as many as markup holds.
        const markupSpecials = segments
          .filter((s) => s.kind === "markup")
          .reduce((n, s) => n + s.text.split(SPLIT).filter((p) => NAMED.has(p)).length, 0);
        expect(safe.filter((id) => id >= 163_584).length).toBe(markupSpecials);
      } else {
        expect(safe).toEqual(expected);
      }
      expect(tok.countChat(segments)).toBe(safe.length);
      compared++;
    });
    expect(compared).toBeGreaterThan(requests.length / 2);
    expect(injected).toBeGreaterThan(0);
  });
});
