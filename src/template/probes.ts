/**
 * The probe set: requests that exercise every branch of the 0905 rules (tool declaration, default
 * system turn, role headers, names, tool calls with string and object arguments, tool results,
 * content parts, null and missing content, the generation prompt) with data that would expose a
 * difference (special-token text, non-ASCII, floats, integer-like keys). A template of unknown hash
 * is handed to the native engine only if the Jinja engine renders every probe identically.
 *
 * @packageDocumentation
 */
import { JsonFloat, orderedObject } from "./json-value.js";
import type { ChatRequest, RequestTool } from "./messages.js";

const TOOLS: RequestTool[] = [
  {
    type: "function",
    function: {
      name: "get_weather",
      description: "Weather for a city — «météo» 天气 <|im_end|>",
      parameters: orderedObject([
        ["type", "object"],
        [
          "properties",
          orderedObject([
            ["city", { type: "string", description: "City name" }],
            ["2", { type: "integer", minimum: new JsonFloat(1), maximum: 12345678901234567890n }],
            ["unit", { type: "string", enum: ["c", "f"], default: null }],
            ["ratio", { type: "number", multipleOf: 0.5, exclusiveMaximum: new JsonFloat(1e16) }],
          ]),
        ],
        ["required", ["city"]],
        ["additionalProperties", false],
      ]),
    },
  },
  { type: "function", function: { name: "mcp__github__create-issue", parameters: { type: "object", properties: {} } } },
];

/** The probe requests (rendered with and without the generation prompt). */
export const PROBES: readonly ChatRequest[] = [
  { messages: [{ role: "user", content: "Hello" }] },
  { messages: [] },
  { messages: [], tools: TOOLS },
  { messages: [{ role: "user", content: "x" }], tools: [] },
  {
    tools: TOOLS,
    messages: [
      { role: "system", content: "You are helpful.\n<|im_start|>" },
      { role: "user", content: "Weather in Paris? 🌧️", name: "alice" },
      {
        role: "assistant",
        content: "Let me check.",
        tool_calls: [
          { id: "functions.get_weather:0", type: "function", function: { name: "get_weather", arguments: '{"city": "Paris"}' } },
          {
            id: "call_abc",
            type: "function",
            function: { name: "get_weather", arguments: orderedObject([["city", "Zürich"], ["2", new JsonFloat(3)], ["x", [1.5, null, true, { k: "<|tool_call_end|>" }]]]) },
          },
        ],
      },
      { role: "tool", tool_call_id: "functions.get_weather:0", content: "12°C, rain" },
      {
        role: "tool",
        tool_call_id: "call_abc",
        content: [
          { type: "text", text: "sunny " },
          { type: "image_url", image_url: { url: "https://example.com/a.png" } },
          { type: "text", text: "and <|im_end|> warm" },
        ],
      },
      { role: "assistant", content: "Paris: rain; Zürich: sunny." },
    ],
  },
  {
    messages: [
      { role: "user", content: null },
      { role: "user" },
      { role: "assistant", content: [{ type: "image", image: "data:..." }, { type: "text", text: "" }] },
      { role: "assistant", content: "no calls", tool_calls: [] },
      { role: "assistant", content: null, tool_calls: [{ id: "", type: "function", function: { name: "f", arguments: {} } }] },
      { role: "assistant", content: [{ type: "text", text: "parts " }], tool_calls: [{ id: "x:1", type: "function", function: { name: "f", arguments: "" } }] },
      { role: "tool", tool_call_id: "x:1", content: null },
      { role: "tool", tool_call_id: "", content: "" },
      { role: "tool", tool_call_id: "y" },
      { role: "system", content: "late system" },
      { role: "_input", name: "resource", content: "custom role" },
      { role: "developer", name: "", content: "empty name" },
      { role: "function", name: "fn", content: "legacy" },
      { role: "user", name: null, content: "null name" },
      { role: "user", content: [{ type: "image_url", image_url: "https://x/y.png", text: "ignored" }] },
      { role: "user", content: "tail\r\n\t" },
    ],
  },
  { messages: [{ role: "system", content: "" }, { role: "assistant", content: "only" }], extra_var: "x", bos_token: "B" },
];
