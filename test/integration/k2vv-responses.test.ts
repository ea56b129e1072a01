/**
 * The provider responses the K2 Vendor Verifier recorded (`k2vv-groq-results-pr6.jsonl`: 98 answers
 * of kimi-k2-0905 to the k2vv requests, 30 of them tool calls the verifier judged valid). Each answer,
 * written back as the model's output after its request's prompt (the template renders it as text and
 * through the safe token encoding), parses to the provider's content and calls; and our checks give
 * the verifier's verdict (the call names a declared tool, its arguments are JSON and pass the schema),
 * and a different one when the call is made to break a rule.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SPECIAL } from "../../src/special-tokens.js";
import { parseRequestJson, renderChat, renderSegments, type ChatMessage, type ChatRequest } from "../../src/template/index.js";
import { ToolCallParser, parseToolCalls, type ToolCallValidation, type ToolCallsResult } from "../../src/toolcalls/index.js";
import { sharedFile } from "../helpers/shared.js";
import { tokenizer } from "../helpers/tokenizers.js";

interface RecordedCall {
  id: string;
  function: { name: string; arguments: string };
}
interface Answer {
  request: ChatRequest;
  message: { content: string | null; tool_calls?: RecordedCall[] | null };
  verdict: boolean | null;
}

const ASSISTANT_HEADER = `${SPECIAL.imAssistant.content}assistant${SPECIAL.imMiddle.content}`;

function answers(): Answer[] {
  const lines = readFileSync(sharedFile("k2vv", "k2vv-groq-results-pr6.jsonl"), "utf8").split("\n").filter((l) => l.trim());
  const out: Answer[] = [];
  for (const line of lines) {
    const row = parseRequestJson(line) as unknown as {
      request: ChatRequest;
      response?: { choices?: { message: Answer["message"] }[] };
      tool_calls_valid: boolean | null;
    };
    const choice = row.response?.choices?.[0];
    if (choice) out.push({ request: row.request, message: choice.message, verdict: row.tool_calls_valid });
  }
  return out;
}

/** The request's prompt followed by the answer as the template writes an assistant turn. */
function conversation(a: Answer, calls: RecordedCall[] | undefined): ChatRequest {
  const reply: ChatMessage = { role: "assistant", content: a.message.content };
  if (calls && calls.length > 0) reply.tool_calls = calls.map((c) => ({ id: c.id, type: "function", function: c.function }));
  return { messages: [...a.request.messages, reply], tools: a.request.tools, add_generation_prompt: false };
}

/** The model's output: the last assistant turn after its header, without the turn end. */
function outputText(a: Answer, calls = a.message.tool_calls ?? undefined): string {
  const prompt = renderChat(conversation(a, calls));
  const body = prompt.slice(prompt.lastIndexOf(ASSISTANT_HEADER) + ASSISTANT_HEADER.length);
  expect(body.endsWith(SPECIAL.imEnd.content)).toBe(true);
  return body.slice(0, -SPECIAL.imEnd.content.length);
}

function outputIds(a: Answer): number[] {
  const ids = tokenizer().encodeChat(renderSegments(conversation(a, a.message.tool_calls ?? undefined)));
  const start = ids.lastIndexOf(SPECIAL.imAssistant.id);
  const body = ids.slice(ids.indexOf(SPECIAL.imMiddle.id, start) + 1);
  expect(body[body.length - 1]).toBe(SPECIAL.imEnd.id);
  return body.slice(0, -1);
}

function expectRecorded(parsed: ToolCallsResult, a: Answer): void {
  const calls = a.message.tool_calls ?? [];
  expect(parsed.content ?? "").toBe(a.message.content ?? "");
  expect(parsed.finish_reason).toBe(calls.length > 0 ? "tool_calls" : "stop");
  expect(parsed.tool_calls.map((c) => [c.id, c.function.name, c.function.arguments])).toEqual(
    calls.map((c) => [c.id, c.function.name, c.function.arguments]),
  );
  expect(parsed.diagnostics.filter((d) => d.severity !== "info")).toEqual([]);
}

/** Our checks' verdict on each call of an output: the validation of its done event. */
function validations(output: string, tools: ChatRequest["tools"]): ToolCallValidation[] {
  const parser = new ToolCallParser({ tools: tools ?? undefined });
  const events = [...parser.push(output), ...parser.end()];
  return events.flatMap((e) => (e.type === "tool_call.done" ? [e.validation] : []));
}

/** One recorded call changed so that it breaks exactly one of the verifier's rules. */
const BREAKS: [string, (c: RecordedCall) => RecordedCall, Partial<ToolCallValidation>][] = [
  // The template writes the call id, which carries the name the parser reads.
  ["an undeclared tool", (c) => ({ ...c, id: c.id.replace(`.${c.function.name}:`, `.${c.function.name}_v2:`) }), { valid: false, tool: "unknown" }],
  ["arguments that are not JSON", (c) => ({ ...c, function: { ...c.function, arguments: c.function.arguments.slice(0, -1) } }), { valid: false, json: "invalid" }],
  ["a required property missing", (c) => ({ ...c, function: { ...c.function, arguments: "{}" } }), { valid: false, json: "object", schema: "invalid" }],
  [
    "a property of the wrong type",
    (c) => ({ ...c, function: { ...c.function, arguments: JSON.stringify({ queries: (JSON.parse(c.function.arguments) as { queries: unknown[] }).queries.join(" ") }) } }),
    { valid: false, json: "object", schema: "invalid" },
  ],
];

describe("the verifier's recorded answers", () => {
  const all = answers();

  it("are the 98 answered requests, 30 of them with one tool call the verifier judged valid", () => {
    expect(all).toHaveLength(98);
    const withCalls = all.filter((a) => (a.message.tool_calls ?? []).length > 0);
    expect(withCalls).toHaveLength(30);
    expect(withCalls.every((a) => a.verdict === true)).toBe(true);
  });

  it("text: each answer parses back to the provider's content and calls", () => {
    for (const a of all) expectRecorded(parseToolCalls(outputText(a), { tools: a.request.tools ?? undefined }), a);
  });

  it("token ids (safe chat encoding, real tokenizer): each answer parses back to the same", () => {
    const tok = tokenizer();
    for (const a of all) expectRecorded(parseToolCalls(outputIds(a), { tools: a.request.tools ?? undefined, tokenDecoder: tok }), a);
  });

  it("our checks agree with the verifier: every recorded call names a declared tool, is JSON and passes the schema", () => {
    for (const a of all.filter((x) => (x.message.tool_calls ?? []).length > 0)) {
      const found = validations(outputText(a), a.request.tools);
      expect(found).toHaveLength(a.message.tool_calls!.length);
      for (const v of found) expect(v).toMatchObject({ valid: a.verdict, json: "object", tool: "known", schema: "valid", schemaErrors: [] });
    }
  });

  it.each(BREAKS)("and they reject each recorded call changed to have %s", (_what, breakCall, expected) => {
    for (const a of all.filter((x) => (x.message.tool_calls ?? []).length > 0)) {
      const found = validations(outputText(a, a.message.tool_calls!.map(breakCall)), a.request.tools);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject(expected);
    }
  });
});
