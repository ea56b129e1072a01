/**
 * The chat-template benchmark's input: a seeded 50-message conversation with tools (a system turn,
 * user and assistant turns in English and Chinese, parallel tool calls with object and string
 * arguments, tool results, floats), deterministic for a seed.
 */
import { prng } from "./prng.js";
import { JsonFloat, type ChatMessage, type ChatRequest, type RequestTool } from "../src/template/index.js";


const WORDS = "the weather in city is rain sunny forecast tomorrow please check flight hotel price compare search result summary 天气 明天 航班 酒店 价格 搜索 结果 总结 请 帮我".split(" ");

const TOOLS: RequestTool[] = [
  {
    type: "function",
    function: {
      name: "get_weather",
      description: "Get the current weather and a short forecast for a city.",
      parameters: {
        type: "object",
        properties: {
          city: { type: "string", description: "City name, e.g. Beijing" },
          unit: { type: "string", enum: ["celsius", "fahrenheit"], default: "celsius" },
          days: { type: "integer", minimum: 1, maximum: 7 },
        },
        required: ["city"],
      },
    },
  },
  {
    type: "function",
    function: {
      name: "search",
      description: "Web search. Each call accepts up to 3 queries.",
      parameters: { type: "object", properties: { queries: { type: "array", items: { type: "string" }, maxItems: 3 } }, required: ["queries"] },
    },
  },
  {
    type: "function",
    function: {
      name: "book_hotel",
      description: "Book a hotel room.",
      parameters: {
        type: "object",
        properties: {
          hotel_id: { type: "string" },
          nights: { type: "integer" },
          budget: { type: "number", multipleOf: new JsonFloat(1) },
          guests: { type: "object", properties: { adults: { type: "integer" }, children: { type: "integer" } } },
        },
        required: ["hotel_id", "nights"],
      },
    },
  },
];

/** A seeded conversation of `size` messages (default 50) with three tools. */
export function benchConversation(seed = 42, size = 50): ChatRequest {
  const rand = prng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)] as T;
  const sentence = (n: number): string => Array.from({ length: n }, () => pick(WORDS)).join(" ");
  const messages: ChatMessage[] = [{ role: "system", content: `You are a travel assistant. ${sentence(30)}` }];
  let callNo = 0;
  while (messages.length < size) {
    messages.push({ role: "user", content: sentence(10 + Math.floor(rand() * 40)) });
    if (messages.length >= size) break;
    if (rand() < 0.4 && messages.length + 3 <= size) {
      const n = 1 + Math.floor(rand() * 2);
      const calls = Array.from({ length: n }, () => {
        const id = `functions.get_weather:${callNo++}`;
        return rand() < 0.5
          ? { id, type: "function" as const, function: { name: "get_weather", arguments: { city: pick(["Beijing", "Paris", "东京"]), days: 3, score: 0.5 } } }
          : { id, type: "function" as const, function: { name: "get_weather", arguments: `{"city": "${pick(["Oslo", "Lima"])}", "unit": "celsius"}` } };
      });
      messages.push({ role: "assistant", content: rand() < 0.5 ? "" : sentence(8), tool_calls: calls });
      for (const c of calls) {
        if (messages.length >= size) break;
        messages.push({ role: "tool", tool_call_id: c.id, content: `{"temperature": ${Math.round(rand() * 30)}, "summary": "${sentence(12)}"}` });
      }
      if (messages.length < size) messages.push({ role: "assistant", content: sentence(20 + Math.floor(rand() * 60)) });
    } else {
      messages.push({ role: "assistant", content: sentence(20 + Math.floor(rand() * 80)) });
    }
  }
  return { messages: messages.slice(0, size), tools: TOOLS };
}
