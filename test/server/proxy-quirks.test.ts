/**
 * The proxy against upstreams that stream in odd but legal ways, or misbehave after the answer is
 * whole, read by the official `openai` client: the streamed message must equal the whole answer
 * to the same output, and an answer's call ids must be new to the client's conversation.
 */
import type http from "node:http";
import net from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadChatTemplate } from "../../src/load-template.js";
import { loadTokenizer } from "../../src/load-tokenizer.js";
import type { ChatPipeline } from "../../src/server/chat-pipeline.js";
import { createKimiPipeline } from "../../src/server/kimi-pipeline.js";
import { type Proxy, createProxy } from "../../src/server/proxy-server.js";
import { type ScriptedUpstream, ssePiece, startScriptedUpstream } from "../helpers/scripted-upstream.js";
import { modelDir } from "../helpers/shared.js";

let upstream: ScriptedUpstream;
let proxy: Proxy;
let client: OpenAI;

beforeAll(async () => {
  const dir = modelDir();
  const [tokenizer, template] = await Promise.all([loadTokenizer(dir), loadChatTemplate(dir)]);
  upstream = await startScriptedUpstream(() => {});
  // A short silence timeout: a quirk that made the proxy wait for it would fail the answer.
  proxy = createProxy({ upstream: upstream.url, pipeline: createKimiPipeline({ tokenizer, template }), timeoutMs: 1_500 });
  client = new OpenAI({ baseURL: `${await proxy.listen(0)}/v1`, apiKey: "unused", maxRetries: 0 });
});

afterAll(async () => {
  await proxy?.close();
  await upstream?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tools: OpenAI.ChatCompletionTool[] = [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }];
const OUTPUT = 'Checking 北京 🌧.<|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0<|tool_call_argument_begin|>{"city": "北京"}<|tool_call_end|><|tool_calls_section_end|>';
/** The output in token-like pieces (each special-token string whole). */
const PIECES = OUTPUT.split(/(<\|[a-z_]+\|>)/).filter((p) => p !== "");
const EVENTS = PIECES.map((p, i) => ssePiece(p, i === PIECES.length - 1 ? "stop" : null)).join("");

/** Answers a whole request with OUTPUT, and a streamed one with `write`. */
function serve(write: (res: http.ServerResponse) => unknown): void {
  upstream.script = async (body, res) => {
    if (body.stream !== true) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ choices: [{ index: 0, text: OUTPUT, finish_reason: "stop" }] }));
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream" });
    await write(res);
  };
}

async function streamedMessage(request: OpenAI.ChatCompletionCreateParamsNonStreaming) {
  const done = await client.chat.completions.stream({ ...request, stream: true }).finalChatCompletion();
  const choice = done.choices[0]!;
  return { content: choice.message.content || null, tool_calls: choice.message.tool_calls ?? [], finish_reason: choice.finish_reason };
}

async function wholeMessage(request: OpenAI.ChatCompletionCreateParamsNonStreaming) {
  const choice = (await client.chat.completions.create(request)).choices[0]!;
  return { content: choice.message.content, tool_calls: choice.message.tool_calls ?? [], finish_reason: choice.finish_reason };
}

const bytes = Buffer.from(`${EVENTS}data: [DONE]\n\n`);
const quirks: Array<[string, (res: http.ServerResponse) => unknown]> = [
  ["CRLF line ends", (res) => res.end(`${EVENTS}data: [DONE]\n\n`.replace(/\n/g, "\r\n"))],
  ["`data:` without a space, comments, named events and ids", (res) => res.end(`: ping\n\n${EVENTS.replace(/data: /g, ": keep-alive\nevent: message\nid: 7\ndata:")}data:[DONE]\n\n`)],
  ["one JSON object over several data lines", (res) => res.end(`${EVENTS.replace(/,"/g, ',\ndata: "')}data: [DONE]\n\n`)],
  [
    "every byte its own write (multi-byte characters split)",
    async (res) => {
      for (let i = 0; i < bytes.length; i++) {
        res.write(bytes.subarray(i, i + 1));
        if (i % 64 === 0) await sleep(1);
      }
      res.end();
    },
  ],
  ["a usage-only chunk first and last, no [DONE]", (res) => res.end(`data: {"choices":[],"usage":{"prompt_tokens":1}}\n\n${EVENTS}data: {"choices":[],"usage":{"completion_tokens":30}}\n\n`)],
  // The event-stream rules drop an event without its blank line; the body's clean end ends it here.
  ["the last event without its blank line, then the end of the body", (res) => res.end(EVENTS.slice(0, -2))],
  // These two waited for the silence timeout and then failed a whole answer with a 504 error event.
  ["[DONE], then the connection left open", (res) => res.write(`${EVENTS}data: [DONE]\n\n`)],
  [
    "the last piece, then the connection dropped before [DONE]",
    async (res) => {
      res.write(EVENTS);
      await sleep(50);
      res.socket?.destroy();
    },
  ],
];

describe("upstream stream quirks", () => {
  it.each(quirks)("%s: the streamed message equals the whole answer", async (_name, write) => {
    serve(write);
    const request = { model: "m", messages: [{ role: "user" as const, content: "Weather in Beijing?" }], tools };
    const whole = await wholeMessage(request);
    expect(whole.tool_calls).toEqual([{ id: "functions.get_weather:0", type: "function", function: { name: "get_weather", arguments: '{"city": "北京"}' } }]);
    expect(whole.content).toBe("Checking 北京 🌧.");
    expect(await streamedMessage(request)).toEqual(whole);
  });
});

describe("answer ids are new to the client's conversation", () => {
  it("a tool result whose call the client trimmed from the history still reserves its id, whole and streamed", async () => {
    serve((res) => res.end(`${EVENTS}data: [DONE]\n\n`));
    const request: OpenAI.ChatCompletionCreateParamsNonStreaming = {
      model: "m",
      tools,
      messages: [
        { role: "user", content: "Weather in Beijing?" },
        { role: "tool", tool_call_id: "functions.get_weather:0", content: "rain" },
        { role: "user", content: "And now?" },
      ],
    };
    const whole = await wholeMessage(request);
    expect(whole.tool_calls.map((c) => c.id)).toEqual(["functions.get_weather:1"]);
    expect(await streamedMessage(request)).toEqual(whole);
  });
});

describe("a streaming client that stops reading", () => {
  it("is dropped after the silence timeout, which cancels the upstream request (it must not hold a generation forever)", async () => {
    let closed!: () => void;
    const upstreamClosed = new Promise<void>((resolve) => (closed = resolve));
    upstream.script = async (_body, res) => {
      res.on("close", closed);
      res.writeHead(200, { "content-type": "text/event-stream" });
      const piece = ssePiece("x".repeat(4096));
      // Writes until the proxy stops reading (backpressure), and again each time it drains.
      while (!res.destroyed) if (!res.write(piece)) await new Promise((r) => res.once("drain", r).once("close", r));
    };
    const { port } = new URL(client.baseURL);
    const socket = net.connect(Number(port), "127.0.0.1");
    const payload = JSON.stringify({ model: "m", stream: true, messages: [{ role: "user", content: "Hi" }] });
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: proxy\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`);
    // Never reads: the proxy's writes back up, and the proxy stops reading the upstream.
    socket.pause();
    await upstreamClosed;
    socket.destroy();
  }, 20_000);
});

describe("an error event from the upstream before any piece", () => {
  const refusal = { object: "error", message: "This model's maximum context length is 131072 tokens. However, you requested 140000 tokens.", type: "BadRequestError", param: null, code: 400 };

  it("with an HTTP code of the client's request (vLLM's refusal of a too-long prompt) is that status, not a 502", async () => {
    serve((res) => res.end(`data: ${JSON.stringify({ error: refusal })}\n\ndata: [DONE]\n\n`));
    const e = await client.chat.completions.create({ model: "m", stream: true, messages: [{ role: "user", content: "Hi" }] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OpenAI.APIError);
    expect((e as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((e as Error).message).toContain("maximum context length");
  });

  it("with a server code, or none, is a 502", async () => {
    for (const error of [{ ...refusal, code: 500, message: "engine dead" }, { message: "engine dead" }]) {
      serve((res) => res.end(`data: ${JSON.stringify({ error })}\n\n`));
      const e = await client.chat.completions.create({ model: "m", stream: true, messages: [{ role: "user", content: "Hi" }] }).catch((x: unknown) => x);
      expect((e as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
      expect((e as Error).message).toContain("engine dead");
    }
  });
});

describe("HTTP framing of a streamed answer", () => {
  it("a client that sends Connection: close gets the stream and then the connection closed", async () => {
    serve((res) => res.end(`${EVENTS}data: [DONE]\n\n`));
    const { port } = new URL(client.baseURL);
    const socket = net.connect(Number(port), "127.0.0.1");
    const payload = JSON.stringify({ model: "m", stream: true, tools, messages: [{ role: "user", content: "Hi" }] });
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: proxy\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`);
    let text = "";
    socket.setEncoding("utf8").on("data", (d: string) => (text += d));
    // Without the close the proxy kept the connection open and this waited for the test's timeout.
    await new Promise((resolve) => socket.on("end", resolve));
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(text.toLowerCase()).not.toContain("connection: keep-alive");
    expect(text).toContain("data: [DONE]");
    socket.destroy();
  });
});

describe("a failure in the proxy mid-stream", () => {
  it("ends the stream with a 500 error event and cancels the upstream request", async () => {
    const dir = modelDir();
    const [tokenizer, template] = await Promise.all([loadTokenizer(dir), loadChatTemplate(dir)]);
    const real = createKimiPipeline({ tokenizer, template });
    // A pipeline whose parser fails on the second piece (the toolkit's never should; the proxy must still clean up).
    const failing: ChatPipeline = {
      ...real,
      prepare(params, body) {
        const prepared = real.prepare(params, body);
        return {
          ...prepared,
          createParser() {
            const parser = prepared.createParser();
            let n = 0;
            return {
              ...parser,
              push(text) {
                if (++n === 2) throw new Error("parser bug");
                return parser.push(text);
              },
            };
          },
        };
      },
    };
    const p = createProxy({ upstream: upstream.url, pipeline: failing, timeoutMs: 60_000 });
    const c = new OpenAI({ baseURL: `${await p.listen(0)}/v1`, apiKey: "unused", maxRetries: 0 });
    let closed!: (early: boolean) => void;
    const upstreamClosed = new Promise<boolean>((resolve) => (closed = resolve));
    upstream.script = async (_body, res) => {
      res.on("close", () => closed(!res.writableFinished));
      res.writeHead(200, { "content-type": "text/event-stream" });
      for (let i = 0; !res.destroyed && i < 100; i++) {
        res.write(ssePiece(`piece ${i} `));
        await sleep(20);
      }
      res.end(`${ssePiece("", "stop")}data: [DONE]\n\n`);
    };
    const stream = await c.chat.completions.create({ model: "m", stream: true, messages: [{ role: "user", content: "Hi" }] });
    await expect((async () => { for await (const _ of stream); })()).rejects.toThrow(/parser bug/);
    // Without closing the upstream stream it ran on, unread, for its 2 s to the end.
    expect(await upstreamClosed).toBe(true);
    await p.close();
  });
});
