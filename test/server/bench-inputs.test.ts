/**
 * The proxy benchmark's inputs and checks: its fixtures carry tool calls to check, a real proxied
 * answer passes the check, and an answer with a lost or altered call fails it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BENCH_FIXTURES, assemble, checkProxied } from "../../bench/proxy-check.js";
import { loadChatTemplate } from "../../src/load-template.js";
import { loadTokenizer } from "../../src/load-tokenizer.js";
import { createKimiPipeline } from "../../src/server/kimi-pipeline.js";
import { type Proxy, createProxy } from "../../src/server/proxy-server.js";
import { type ReplayUpstream, startReplayUpstream } from "../helpers/replay-upstream.js";
import { modelDir } from "../helpers/shared.js";

let upstream: ReplayUpstream;
let proxy: Proxy;
let url: string;
beforeAll(async () => {
  const dir = modelDir();
  upstream = await startReplayUpstream();
  proxy = createProxy({ upstream: upstream.url, pipeline: createKimiPipeline({ tokenizer: await loadTokenizer(dir), template: loadChatTemplate(dir) }) });
  url = await proxy.listen(0);
});
afterAll(async () => {
  await proxy?.close();
  await upstream?.close();
});

async function streamed(name: string): Promise<string> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: name, ...upstream.fixtures.get(name)!.request, stream: true }),
  });
  return res.text();
}

describe("the proxy benchmark's checks", () => {
  it("every bench fixture expects tool calls, so every answer checks some", () => {
    for (const name of BENCH_FIXTURES) expect(upstream.fixtures.get(name)!.expected!.tool_calls!.length).toBeGreaterThan(0);
  });

  it.each([...BENCH_FIXTURES])("%s: the proxied answer passes and counts its calls", async (name) => {
    expect(checkProxied(assemble(await streamed(name)), upstream.fixtures)).toBe(upstream.fixtures.get(name)!.expected!.tool_calls!.length);
  });

  it("an altered argument, a lost call, a changed id or a wrong finish reason fails", async () => {
    const body = await streamed("parallel-calls");
    const altered = body.replace('"arguments":"{', '"arguments":"[');
    const lost = body
      .split("\n\n")
      .filter((e) => !e.includes('"index":1'))
      .join("\n\n");
    const renamed = body.replace("functions.get_weather:1", "functions.get_weather:7");
    const finish = body.replace('"finish_reason":"tool_calls"', '"finish_reason":"stop"');
    for (const bad of [altered, lost, renamed, finish]) {
      expect(bad).not.toBe(body);
      expect(typeof checkProxied(assemble(bad), upstream.fixtures)).toBe("string");
    }
  });

  it("an error event is a failure, not a pass", async () => {
    expect(() => assemble('data: {"error":{"message":"upstream died"}}\n\n')).toThrow(/error event/);
  });
});
