/**
 * The built-in example `kimi-k2 demo` runs: a conversation with a tool (one earlier round whose
 * call has an OpenAI-style id), and a recorded model reply with two parallel calls. The reply was
 * written by hand from the wire format (FORMAT.md §5), as the model writes it after
 * `<|im_assistant|>assistant<|im_middle|>` with the history ids normalised (its calls continue the
 * counter at :1), not captured from a live model.
 *
 * @packageDocumentation
 */
import type { ChatMessage, ChatRequest } from "../template/index.js";

/** The tool the conversation declares (typed by inference, so it suits both the renderer and the parser). */
export const DEMO_TOOLS = [
  {
    type: "function" as const,
    function: {
      name: "get_weather",
      description: "Current weather for a city.",
      parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    },
  },
];

/** The chat request. */
export const DEMO_REQUEST: ChatRequest & { messages: ChatMessage[] } = {
  messages: [
    { role: "user", content: "What's the weather in Beijing?" },
    {
      role: "assistant",
      content: null,
      tool_calls: [{ id: "call_0a1b2c", type: "function", function: { name: "get_weather", arguments: '{"city": "Beijing"}' } }],
    },
    { role: "tool", tool_call_id: "call_0a1b2c", content: '{"temperature": 25, "sky": "sunny"}' },
    { role: "assistant", content: "It is sunny in Beijing, 25 °C." },
    { role: "user", content: "And in Shanghai and Guangzhou?" },
  ],
  tools: DEMO_TOOLS,
};

/** The recorded model reply (raw text, markers included, as an upstream returns it with special tokens kept). */
export const DEMO_OUTPUT =
  "Let me check both cities." +
  "<|tool_calls_section_begin|>" +
  '<|tool_call_begin|>functions.get_weather:1<|tool_call_argument_begin|>{"city": "Shanghai"}<|tool_call_end|>' +
  '<|tool_call_begin|>functions.get_weather:2<|tool_call_argument_begin|>{"city": "Guangzhou"}<|tool_call_end|>' +
  "<|tool_calls_section_end|>";

/** How many ids each streamed piece carries (a server's detokenizer step). */
export const DEMO_TOKENS_PER_PIECE = 4;
