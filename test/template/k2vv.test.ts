/**
 * The 99 real K2 Vendor Verifier requests (read in place from ../shared/k2vv/) as real-world input:
 * they validate, render byte-identically to the Python reference with both engines (as vLLM/SGLang
 * would, Kimi semantics), normalise their `search:0` ids, and count tokens through the segments.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  compileTemplate,
  countRequestTokens,
  normalizeToolCallIds,
  parseRequestJson,
  renderChat,
  renderSegments,
  selectedEngine,
  validateChatRequest,
  type ChatRequest,
  type ChatTemplate,
  type Segment,
} from "../../src/template/index.js";
import { requestLine } from "../helpers/chat-arbitraries.js";
import { renderReference, type OracleResult } from "../helpers/oracle.js";
import { modelDir, sharedFile } from "../helpers/shared.js";

const lines = readFileSync(sharedFile("k2vv", "k2vv-requests.jsonl"), "utf8").split("\n").filter((l) => l.trim());
const templatePath = `${modelDir()}/chat_template.jinja`;

describe("k2vv real requests", () => {
  let template: ChatTemplate;
  let reference: OracleResult[];
  let normalizedReference: OracleResult[];
  const requests: ChatRequest[] = lines.map(parseRequestJson);
  const normalized = requests.map((r) => normalizeToolCallIds(r));

  beforeAll(async () => {
    template = compileTemplate(readFileSync(templatePath, "utf8"));
    [reference, normalizedReference] = await Promise.all([
      renderReference(templatePath, lines, true),
      renderReference(templatePath, normalized.map((n) => requestLine(n.request)), true),
    ]);
  });

  it("there are 99 requests and every one validates", () => {
    expect(requests).toHaveLength(99);
    for (const r of requests) expect(() => validateChatRequest(r)).not.toThrow();
  });

  it("render byte-identically to Python with the native engine (no template given) and the Jinja engine", () => {
    requests.forEach((r, i) => {
      const exp = reference[i] as OracleResult;
      expect(exp.ok, `request ${i}`).toBe(true);
      if (!exp.ok) return;
      expect(renderChat(r), `native, request ${i}`).toBe(exp.text);
      expect(renderChat(r, { template, engine: "jinja" }), `jinja, request ${i}`).toBe(exp.text);
      expect(selectedEngine(r, { template })).toBe("native");
      expect(renderChat(r, { template }), `auto, request ${i}`).toBe(exp.text);
    });
  });

  it("the custom _input role renders with the system header and its name", () => {
    const withInput = requests.findIndex((r) => r.messages.some((m) => m.role === "_input"));
    expect(withInput).toBeGreaterThanOrEqual(0);
    expect(renderChat(requests[withInput] as ChatRequest)).toContain("<|im_system|>resource<|im_middle|>");
  });

  it("normalisation rewrites search:0 ids to functions.search:N with one counter, and the result still renders as Python does", () => {
    let calls = 0;
    normalized.forEach((n, i) => {
      const original = requests[i] as ChatRequest;
      const callCount = original.messages.reduce((k, m) => k + (m.tool_calls?.length ?? 0), 0);
      calls += callCount;
      expect(n.mapping).toHaveLength(callCount);
      n.mapping.forEach((m, k) => expect(m.modelId).toBe(`functions.search:${k}`));
      expect(n.diagnostics).toEqual([]);
      for (const m of n.request.messages) {
        if (m.role === "tool") expect(n.mapping.map((x) => x.modelId)).toContain(m.tool_call_id);
      }
      const exp = normalizedReference[i] as OracleResult;
      expect(exp.ok && renderChat(n.request) === exp.text, `request ${i}`).toBe(true);
      expect(renderChat(original, { normalizeToolCallIds: true })).toBe(renderChat(n.request));
    });
    expect(calls).toBeGreaterThan(0);
  });

  it("countRequestTokens hands the tokenizer the rendered segments, tool declaration and system turn included", () => {
    const received: (readonly Segment[])[] = [];
    const fake = {
      countChat(segments: readonly Segment[]): number {
        received.push(segments);
        return segments.reduce((n, s) => n + s.text.length, 0);
      },
    };
    const r = requests[0] as ChatRequest;
    const count = countRequestTokens(r, fake);
    expect(received).toHaveLength(1);
    const segs = received[0] as readonly Segment[];
    expect(segs).toEqual(renderSegments(r));
    expect(count).toBe(renderChat(r).length);
    expect(segs[0]).toEqual({ text: "<|im_system|>tool_declare<|im_middle|>", kind: "markup" });
    expect(countRequestTokens(r, fake, { addGenerationPrompt: false })).toBe(renderChat(r).length - "<|im_assistant|>assistant<|im_middle|>".length);
  });
});
