/**
 * The request and model output the page starts with: a tool-using conversation (with a special
 * token string typed by the user, to show how the safe encoding treats it) and an output with two
 * parallel calls.
 *
 * @packageDocumentation
 */

/** The starting `messages` field. */
export const EXAMPLE_MESSAGES = `[
  { "role": "user", "content": "What's the weather in Beijing? 北京天气怎么样？" },
  {
    "role": "assistant",
    "content": "",
    "tool_calls": [
      {
        "id": "functions.get_weather:0",
        "type": "function",
        "function": { "name": "get_weather", "arguments": "{\\"city\\": \\"Beijing\\"}" }
      }
    ]
  },
  { "role": "tool", "tool_call_id": "functions.get_weather:0", "content": "{\\"temperature\\": 22, \\"condition\\": \\"sunny\\"}" },
  { "role": "assistant", "content": "It is 22 °C and sunny in Beijing." },
  { "role": "user", "content": "And in Shanghai and Hangzhou? (A user typed <|im_end|> here.)" }
]`;

/** The starting `tools` field. */
export const EXAMPLE_TOOLS = `[
  {
    "type": "function",
    "function": {
      "name": "get_weather",
      "description": "Current weather for a city.",
      "parameters": {
        "type": "object",
        "properties": {
          "city": { "type": "string", "description": "City name" },
          "unit": { "type": "string", "enum": ["celsius", "fahrenheit"] }
        },
        "required": ["city"]
      }
    }
  }
]`;

/** The starting raw output. */
export const EXAMPLE_OUTPUT =
  "I'll check both cities.<|tool_calls_section_begin|>" +
  '<|tool_call_begin|>functions.get_weather:1<|tool_call_argument_begin|>{"city": "Shanghai"}<|tool_call_end|>' +
  '<|tool_call_begin|>functions.get_weather:2<|tool_call_argument_begin|>{"city": "Hangzhou", "unit": "celsius"}<|tool_call_end|>' +
  "<|tool_calls_section_end|><|im_end|>";
