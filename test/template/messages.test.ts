/**
 * Request validation: every rejected shape names the message index and field, says what to do, and
 * uses the invalid_request code; every generated valid request passes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KimiK2Error } from "../../src/errors.js";
import { renderChat, safeRenderChat, validateChatRequest, type ChatRequest } from "../../src/template/index.js";
import { chatRequest } from "../helpers/chat-arbitraries.js";
import { runs } from "../helpers/shared.js";

function rejection(request: unknown): KimiK2Error {
  try {
    validateChatRequest(request);
  } catch (e) {
    if (KimiK2Error.isInstance(e)) return e;
    throw e;
  }
  throw new Error("expected the request to be rejected");
}

const ok = { role: "user", content: "hi" };

/** [case, request, message index or undefined, field, words the message must contain]. */
const REJECTED: [string, unknown, number | undefined, string, RegExp][] = [
  ["not an object", [], undefined, "request", /must be an object with a "messages" array/],
  ["messages missing", {}, undefined, "messages", /request.messages is .*array of messages/],
  ["message not an object", { messages: [ok, "hi"] }, 1, "message", /messages\[1\] is a string/],
  ["role missing", { messages: [ok, { content: "x" }] }, 1, "role", /messages\[1\]\.role is missing; every message needs a role/],
  ["role not a string", { messages: [{ role: 3, content: "x" }] }, 0, "role", /messages\[0\]\.role is a number; it must be a string/],
  ["content a number", { messages: [{ role: "user", content: 5 }] }, 0, "content", /messages\[0\]\.content is a number; it must be a string, null, or an array of content parts/],
  ["content part of unknown type", { messages: [ok, ok, { role: "user", content: [{ type: "input_audio", input_audio: {} }] }] }, 2, "content.type", /messages\[2\]\.content\[0\] has type "input_audio".*Convert the part to text or drop it/],
  ["content part without type", { messages: [{ role: "user", content: [{ text: "x" }] }] }, 0, "content.type", /has type null/],
  ["text part without text", { messages: [{ role: "user", content: [{ type: "text" }] }] }, 0, "content.text", /content\[0\]\.text is missing; a text part needs "text" as a string/],
  ["image_url part without image_url (the template would render nothing for it)", { messages: [{ role: "user", content: [{ type: "image_url" }] }] }, 0, "content.image_url", /content\[0\]\.image_url is missing; an "image_url" part needs "image_url"/],
  ["name not a string", { messages: [{ role: "user", content: "x", name: 7 }] }, 0, "name", /messages\[0\]\.name is a number/],
  ["tool message without tool_call_id", { messages: [ok, { role: "tool", content: "r" }] }, 1, "tool_call_id", /messages\[1\]\.tool_call_id is missing; a tool message must carry the id of the call it answers/],
  ["tool_call_id not a string", { messages: [{ role: "tool", content: "r", tool_call_id: 1 }] }, 0, "tool_call_id", /tool_call_id is a number/],
  ["tool_calls not an array", { messages: [{ role: "assistant", tool_calls: {} }] }, 0, "tool_calls", /messages\[0\]\.tool_calls is an object/],
  ["tool call without id", { messages: [{ role: "assistant", tool_calls: [{ type: "function", function: { name: "f", arguments: "{}" } }] }] }, 0, "tool_calls.id", /tool_calls\[0\]\.id is missing; .*normalizeToolCallIds/],
  ["tool call without function", { messages: [{ role: "assistant", tool_calls: [{ id: "a" }] }] }, 0, "tool_calls.function", /tool_calls\[0\]\.function is missing/],
  ["tool call without name", { messages: [{ role: "assistant", tool_calls: [{ id: "a", function: { arguments: "{}" } }] }] }, 0, "tool_calls.function.name", /function\.name is missing/],
  ["tool call without arguments", { messages: [{ role: "assistant", tool_calls: [{ id: "a", function: { name: "f" } }] }] }, 0, "tool_calls.function.arguments", /arguments is missing; send the arguments as JSON text/],
  ["arguments not JSON", { messages: [{ role: "assistant", tool_calls: [{ id: "a", function: { name: "f", arguments: { d: new Date(0) } } }] }] }, 0, "tool_calls", /holds a Date object, which is not JSON data/],
  ["tools not an array", { messages: [], tools: { a: 1 } }, undefined, "tools", /request.tools is an object/],
  ["tool not an object", { messages: [], tools: ["f"] }, undefined, "tools", /tools\[0\] is a string/],
  ["add_generation_prompt not a boolean", { messages: [], add_generation_prompt: "yes" }, undefined, "add_generation_prompt", /must be true or false/],
  ["a function in an extra field", { messages: [], cb: () => 1 }, undefined, "cb", /request\.cb holds a function/],
];

describe("validateChatRequest", () => {
  for (const [name, request, index, field, words] of REJECTED) {
    it(`rejects: ${name}`, () => {
      const e = rejection(request);
      expect(e.code).toBe("invalid_request");
      expect(e.message).toMatch(words);
      expect(e.details?.field).toBe(field);
      expect(e.details?.messageIndex).toBe(index);
    });
  }

  it("renderChat and safeRenderChat report the same error", () => {
    const bad = { messages: [ok, { role: "tool", content: "r" }] } as unknown as ChatRequest;
    expect(() => renderChat(bad)).toThrow(/messages\[1\]\.tool_call_id is missing/);
    const r = safeRenderChat(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.details?.messageIndex).toBe(1);
  });

  it("accepts every generated valid request", () => {
    fc.assert(
      fc.property(chatRequest, (req) => {
        validateChatRequest(req);
      }),
      { seed: 77, numRuns: runs(500) },
    );
  });

  it("non-JSON schemas and arguments are reported with their path by both engines (the native engine checks them while serialising)", () => {
    const badTools = { messages: [ok], tools: [{ type: "function", function: { name: "f", parameters: { d: new Date(0) } } }] } as unknown as ChatRequest;
    const badArgs = { messages: [{ role: "assistant", tool_calls: [{ id: "a", function: { name: "f", arguments: { x: () => 1 } } }] }] } as unknown as ChatRequest;
    for (const options of [{}, { engine: "jinja" as const, template: "{{ tools|tojson }}{{ messages|tojson }}" }]) {
      expect(() => renderChat(badTools, options)).toThrow(expect.objectContaining({ code: "invalid_request", message: expect.stringMatching(/^tools\[0\]\.function\.parameters\.d holds a Date object/) }));
      expect(() => renderChat(badArgs, options)).toThrow(expect.objectContaining({ code: "invalid_request", message: expect.stringMatching(/^messages\[0\]\.tool_calls\[0\]\.function\.arguments\.x holds a function/) }));
    }
  });

  it("accepts missing ids when asked (normalisation assigns them)", () => {
    const req = { messages: [{ role: "assistant", tool_calls: [{ type: "function", function: { name: "f", arguments: "{}" } }] }] };
    expect(() => validateChatRequest(req, { allowMissingToolCallIds: true })).not.toThrow();
    expect(renderChat(req as ChatRequest, { normalizeToolCallIds: true })).toContain("<|tool_call_begin|>functions.f:0<|tool_call_argument_begin|>{}");
  });
});
