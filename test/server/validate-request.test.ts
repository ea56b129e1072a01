import { describe, expect, it } from "vitest";
import { HttpError } from "../../src/server/http-error.js";
import { validateChatRequest } from "../../src/server/validate-request.js";
import { parseRequestJson } from "../../src/template/index.js";

const ok = { model: "kimi", messages: [{ role: "user", content: "Hi" }] };
const tool = (name: string) => ({ type: "function", function: { name, parameters: { type: "object" } } });

function rejected(body: unknown): { status: number; param: string | null; message: string } {
  try {
    validateChatRequest(body);
  } catch (e) {
    if (e instanceof HttpError) return { status: e.status, param: e.param, message: e.message };
    throw e;
  }
  throw new Error("expected a 400");
}

describe("validateChatRequest", () => {
  it("fills the defaults of a minimal request", () => {
    expect(validateChatRequest(ok)).toEqual({
      model: "kimi",
      messages: ok.messages,
      stream: false,
      includeUsage: false,
      maxTokens: undefined,
      temperature: undefined,
      topP: undefined,
      stop: [],
      seed: undefined,
      presencePenalty: undefined,
      frequencyPenalty: undefined,
      tools: undefined,
      toolChoice: "auto",
      parallelToolCalls: true,
    });
  });

  it("reads every honoured field", () => {
    const p = validateChatRequest({
      ...ok,
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 10,
      max_completion_tokens: 20,
      temperature: 0.6,
      top_p: 0.95,
      stop: "END",
      tools: [tool("a"), tool("b")],
      tool_choice: { type: "function", function: { name: "b" } },
      parallel_tool_calls: false,
    });
    expect(p).toMatchObject({ stream: true, includeUsage: true, maxTokens: 20, temperature: 0.6, topP: 0.95, stop: ["END"], toolChoice: { type: "function", function: { name: "b" } }, parallelToolCalls: false });
  });

  it.each([
    [[], null],
    [{ messages: ok.messages }, "model"],
    [{ model: "kimi" }, "messages"],
    [{ ...ok, messages: [] }, "messages"],
    [{ ...ok, messages: [{ content: "x" }] }, "messages[0].role"],
    [{ ...ok, messages: [ok.messages[0], "hi"] }, "messages[1]"],
    [{ ...ok, temperature: 3 }, "temperature"],
    [{ ...ok, temperature: "hot" }, "temperature"],
    [{ ...ok, top_p: 0 }, "top_p"],
    [{ ...ok, max_tokens: 0 }, "max_tokens"],
    [{ ...ok, max_tokens: 1.5 }, "max_tokens"],
    [{ ...ok, stop: ["a", 3] }, "stop"],
    [{ ...ok, stream: "yes" }, "stream"],
    [{ ...ok, stream_options: { include_usage: true } }, "stream_options"],
    [{ ...ok, n: 2 }, "n"],
    [{ ...ok, logprobs: true }, "logprobs"],
    [{ ...ok, response_format: { type: "json_object" } }, "response_format"],
    [{ ...ok, tools: {} }, "tools"],
    [{ ...ok, tools: [{ type: "function", function: {} }] }, "tools[0].function.name"],
    [{ ...ok, tools: [tool("a"), tool("a")] }, "tools[1].function.name"],
    [{ ...ok, tools: [{ type: "retrieval" }] }, "tools[0].type"],
    [{ ...ok, tools: [tool("a")], tool_choice: { type: "function", function: { name: "zz" } } }, "tool_choice"],
    [{ ...ok, tool_choice: "required" }, "tool_choice"],
    [{ ...ok, tool_choice: "always" }, "tool_choice"],
    [{ ...ok, parallel_tool_calls: 1 }, "parallel_tool_calls"],
  ])("rejects %j with a 400 naming %s", (body, param) => {
    const e = rejected(body);
    expect(e.status).toBe(400);
    expect(e.param).toBe(param);
    if (param) expect(e.message).toContain(param.replace(/\[\d+\].*/, ""));
  });

  it("a wrong field holding a number beyond 2^53 or a float such as 1.0 (as the body reader gives them) is a 400 naming it, not a crash", () => {
    const read = (fields: string) => parseRequestJson(`{"model": "kimi", "messages": [{"role": "user", "content": "Hi"}], ${fields}}`);
    expect(rejected(read('"n": 12345678901234567890'))).toMatchObject({ status: 400, param: "n", message: expect.stringContaining("number 12345678901234567890") });
    expect(rejected(read('"stop": 12345678901234567890'))).toMatchObject({ status: 400, param: "stop" });
    expect(rejected(read('"stream": 1.0'))).toMatchObject({ status: 400, param: "stream", message: expect.stringContaining("got number 1.") });
    expect(rejected(parseRequestJson('{"model": 12345678901234567890, "messages": []}'))).toMatchObject({ status: 400, param: "model" });
  });

  it("the deprecated functions and function_call are a 400 pointing at tools (ignored, the model would never see them)", () => {
    expect(rejected({ ...ok, functions: [{ name: "f", parameters: { type: "object" } }] })).toMatchObject({ status: 400, param: "functions", message: expect.stringContaining("'tools'") });
    expect(rejected({ ...ok, function_call: "auto" })).toMatchObject({ status: 400, param: "function_call" });
  });
});
