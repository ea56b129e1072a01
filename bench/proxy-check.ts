/**
 * What the proxy benchmark sends and how it checks every answer: the fixtures it cycles, an SSE
 * body assembled into content, tool calls and finish reason, and the comparison with the fixture.
 * Apart from bench/proxy.ts so a test can check the checks.
 */
import type { ProxyFixture } from "../test/helpers/replay-upstream.js";

/** The fixtures the load cycles through: the ones with tool calls and no misbehaviour. */
export const BENCH_FIXTURES = ["weather-call", "parallel-calls", "odd-format"] as const;

/** One parsed SSE answer. */
export interface Assembled {
  model: string;
  content: string;
  text: string;
  calls: Array<{ id?: string; name?: string; arguments: string }>;
  finish: string | null;
}

/** Assembles an SSE body: chat chunks (content, tool calls by index) or completion pieces (text). */
export function assemble(body: string): Assembled {
  const out: Assembled = { model: "", content: "", text: "", calls: [], finish: null };
  for (const event of body.split("\n\n")) {
    if (!event.startsWith("data: ") || event === "data: [DONE]") continue;
    const chunk = JSON.parse(event.slice(6)) as {
      model: string;
      error?: unknown;
      choices: Array<{ text?: string; finish_reason: string | null; delta?: { content?: string; tool_calls?: Array<{ index: number; id?: string; function?: { name?: string; arguments?: string } }> } }>;
    };
    if (chunk.error) throw new Error(`error event: ${JSON.stringify(chunk.error)}`);
    out.model = chunk.model;
    const choice = chunk.choices[0];
    if (!choice) continue;
    if (choice.finish_reason) out.finish = choice.finish_reason;
    if (choice.text !== undefined) out.text += choice.text;
    out.content += choice.delta?.content ?? "";
    for (const c of choice.delta?.tool_calls ?? []) {
      const call = (out.calls[c.index] ??= { arguments: "" });
      if (c.id !== undefined) call.id = c.id;
      if (c.function?.name !== undefined) call.name = c.function.name;
      call.arguments += c.function?.arguments ?? "";
    }
  }
  return out;
}

/** Checks a proxied answer against its fixture; returns the number of tool calls checked, or a reason. */
export function checkProxied(a: Assembled, fixtures: Map<string, ProxyFixture>): number | string {
  const expected = fixtures.get(a.model)?.expected;
  if (!expected) return `unknown model ${a.model}`;
  if (a.content !== (expected.content ?? "")) return `${a.model}: content ${JSON.stringify(a.content)}`;
  if (a.finish !== expected.finish_reason) return `${a.model}: finish_reason ${a.finish}`;
  const want = expected.tool_calls ?? [];
  if (a.calls.length !== want.length) return `${a.model}: ${a.calls.length} calls instead of ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const got = a.calls[i];
    if (!got || got.id !== want[i]!.id || got.name !== want[i]!.name || got.arguments !== want[i]!.arguments) return `${a.model}: call ${i} is ${JSON.stringify(got)}`;
  }
  return want.length;
}

