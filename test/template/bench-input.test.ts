/**
 * The chat-template benchmark's input renders as the Python reference renders it, with both engines
 * and both semantics, so the benchmark times correct work.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { benchConversation } from "../../bench/template-input.js";
import { compileTemplate, renderChat } from "../../src/template/index.js";
import { requestLine } from "../helpers/chat-arbitraries.js";
import { renderReferenceCases, type OracleResult } from "../helpers/oracle.js";
import { modelDir } from "../helpers/shared.js";

describe("benchmark input", () => {
  const source = readFileSync(join(modelDir(), "chat_template.jinja"), "utf8");
  const request = benchConversation(42, 50);
  let expected: OracleResult[];
  beforeAll(async () => {
    expected = await renderReferenceCases([
      { template: source, requestLine: requestLine(request), kimi: true },
      { template: source, requestLine: requestLine({ ...request, add_generation_prompt: true }), kimi: false },
    ]);
  });

  it("is a 50-message conversation with tools and tool calls", () => {
    expect(request.messages).toHaveLength(50);
    expect(request.tools?.length).toBe(3);
    expect(request.messages.filter((m) => m.tool_calls?.length).length).toBeGreaterThan(3);
    expect(JSON.stringify(benchConversation(42, 50))).toBe(JSON.stringify(request));
  });

  it("renders identically to Python with the native and Jinja engines, Kimi and raw semantics", () => {
    const template = compileTemplate(source);
    const [kimi, raw] = expected as [OracleResult, OracleResult];
    expect(kimi.ok && raw.ok).toBe(true);
    if (!kimi.ok || !raw.ok) return;
    expect(renderChat(request)).toBe(kimi.text);
    expect(renderChat(request, { template, engine: "jinja" })).toBe(kimi.text);
    expect(renderChat(request, { semantics: "raw", addGenerationPrompt: true })).toBe(raw.text);
    expect(renderChat(request, { template, engine: "jinja", semantics: "raw", addGenerationPrompt: true })).toBe(raw.text);
  });
});
