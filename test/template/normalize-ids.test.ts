/**
 * Tool-call id normalisation: one counter across the conversation, results remapped, unmatched
 * results reported, the mapping back to client ids, the input left untouched.
 */
import { describe, expect, it } from "vitest";
import { clientToolCallId, normalizeToolCallIds, renderChat, type ChatRequest, type ToolCall } from "../../src/template/index.js";

// A call without an id is not a valid ToolCall; normalisation accepts it and assigns one.
const call = (id: string | undefined, name: string, args = "{}"): ToolCall => ({ ...(id === undefined ? {} : { id }), type: "function" as const, function: { name, arguments: args } }) as ToolCall;

const history = (): ChatRequest => ({
  messages: [
    { role: "user", content: "weather and time?" },
    { role: "assistant", content: null, tool_calls: [call("call_a", "get_weather"), call("call_b", "get_time")] },
    { role: "tool", tool_call_id: "call_b", content: "12:00" },
    { role: "tool", tool_call_id: "call_a", content: "rain" },
    { role: "assistant", content: "again?" },
    { role: "assistant", content: null, tool_calls: [call("search:0", "mcp__github__create-issue")] },
    { role: "tool", tool_call_id: "search:0", content: "done" },
  ],
});

describe("normalizeToolCallIds", () => {
  it("numbers calls across the whole conversation and remaps the results that answer them", () => {
    const { request, mapping, diagnostics, nextIndex } = normalizeToolCallIds(history());
    expect(mapping).toEqual([
      { modelId: "functions.get_weather:0", clientId: "call_a", messageIndex: 1, callIndex: 0 },
      { modelId: "functions.get_time:1", clientId: "call_b", messageIndex: 1, callIndex: 1 },
      { modelId: "functions.mcp__github__create-issue:2", clientId: "search:0", messageIndex: 5, callIndex: 0 },
    ]);
    expect(request.messages.map((m) => m.tool_call_id)).toEqual([undefined, undefined, "functions.get_time:1", "functions.get_weather:0", undefined, undefined, "functions.mcp__github__create-issue:2"]);
    expect(diagnostics).toEqual([]);
    expect(nextIndex).toBe(3);
  });

  it("does not modify the input", () => {
    const input = history();
    const before = JSON.stringify(input);
    normalizeToolCallIds(input);
    expect(JSON.stringify(input)).toBe(before);
  });

  it("reports a tool result that answers no call and leaves its id", () => {
    const { request, diagnostics } = normalizeToolCallIds({
      messages: [{ role: "user", content: "x" }, { role: "tool", tool_call_id: "ghost", content: "?" }],
    });
    expect(diagnostics).toEqual([{ code: "unmatched_tool_result", messageIndex: 1, toolCallId: "ghost", message: expect.stringContaining('answers tool call "ghost", which no earlier assistant message made') }]);
    expect(request.messages[1]?.tool_call_id).toBe("ghost");
  });

  it("matches reused client ids to the oldest unanswered call and reports the reuse", () => {
    const { request, diagnostics } = normalizeToolCallIds({
      messages: [
        { role: "assistant", tool_calls: [call("dup", "f"), call("dup", "g")] },
        { role: "tool", tool_call_id: "dup", content: "1" },
        { role: "tool", tool_call_id: "dup", content: "2" },
        { role: "tool", tool_call_id: "dup", content: "3" },
      ],
    });
    expect(request.messages.slice(1).map((m) => m.tool_call_id)).toEqual(["functions.f:0", "functions.g:1", "functions.g:1"]);
    expect(diagnostics.map((d) => d.code)).toEqual(["duplicate_tool_call_id"]);
  });

  it("assigns ids to calls that have none", () => {
    const { mapping } = normalizeToolCallIds({ messages: [{ role: "assistant", tool_calls: [call(undefined, "f")] }] });
    expect(mapping).toEqual([{ modelId: "functions.f:0", clientId: null, messageIndex: 0, callIndex: 0 }]);
  });

  it("maps model ids back to the client's", () => {
    const { mapping } = normalizeToolCallIds(history());
    expect(clientToolCallId(mapping, "functions.get_time:1")).toBe("call_b");
    expect(clientToolCallId(mapping, "functions.nope:9")).toBeUndefined();
  });

  it("renderChat applies it when asked, and only then", () => {
    expect(renderChat(history(), { normalizeToolCallIds: true })).toContain("<|tool_call_begin|>functions.get_time:1<|tool_call_argument_begin|>");
    expect(renderChat(history(), { normalizeToolCallIds: true })).toContain("## Return of functions.get_time:1\n12:00");
    expect(renderChat(history())).toContain("<|tool_call_begin|>call_b<|tool_call_argument_begin|>");
  });
});
