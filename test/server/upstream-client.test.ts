import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpstreamClient, UpstreamError, completionsEndpoint } from "../../src/server/upstream-client.js";
import { type ReplayUpstream, startReplayUpstream } from "../helpers/replay-upstream.js";
import { type ScriptedUpstream, ssePiece, startScriptedUpstream } from "../helpers/scripted-upstream.js";

let upstream: ReplayUpstream;
beforeAll(async () => {
  upstream = await startReplayUpstream();
});
afterAll(() => upstream.close());

const request = (model: string) => ({ model, prompt: "<|im_user|>user<|im_middle|>Hi<|im_end|>", stop: ["<|im_end|>"], max_tokens: 64 });

async function failure(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof UpstreamError) return e;
    throw e;
  }
  throw new Error("expected an UpstreamError");
}

async function collect(client: UpstreamClient, model: string, signal?: AbortSignal) {
  let text = "";
  let finish: string | null = null;
  for await (const batch of await client.stream(request(model), signal)) {
    expect(batch.length).toBeGreaterThan(0);
    for (const piece of batch) {
      text += piece.text;
      if (piece.finishReason) finish = piece.finishReason;
    }
  }
  return { text, finish };
}

describe("completionsEndpoint", () => {
  it("appends /v1/completions to a bare base, /completions to a /v1 base, and keeps a full endpoint", () => {
    expect(completionsEndpoint("http://h:8000").href).toBe("http://h:8000/v1/completions");
    expect(completionsEndpoint("http://h:8000/v1/").href).toBe("http://h:8000/v1/completions");
    expect(completionsEndpoint("http://h:8000/api/v1/completions").href).toBe("http://h:8000/api/v1/completions");
  });

  it("refuses a base that is not an http(s) URL (it would go out as plain HTTP), naming it", () => {
    for (const base of ["ftp://h:8000/v1", "file:///v1", "h:8000", "not a url"]) {
      expect(() => completionsEndpoint(base)).toThrow(expect.objectContaining({ code: "invalid_options", message: expect.stringContaining(base) }));
    }
  });
});

describe("UpstreamClient against the replay upstream", () => {
  it("sends the prompt with special tokens kept, the stop and the sampling fields", async () => {
    const client = new UpstreamClient({ url: upstream.url, timeoutMs: 5_000 });
    const before = upstream.requests.length;
    await client.complete({ ...request("weather-call"), temperature: 0.6, top_p: 0.9 });
    expect(upstream.requests[before]!.body).toEqual({
      model: "weather-call",
      prompt: "<|im_user|>user<|im_middle|>Hi<|im_end|>",
      stop: ["<|im_end|>"],
      max_tokens: 64,
      temperature: 0.6,
      top_p: 0.9,
      stream: false,
      skip_special_tokens: false,
      spaces_between_special_tokens: false,
    });
    client.close();
  });

  it("a whole completion returns the recorded text and finish reason", async () => {
    const client = new UpstreamClient({ url: `${upstream.url}/v1`, timeoutMs: 5_000 });
    const out = await client.complete(request("parallel-calls"));
    expect(out.text).toBe(upstream.fixtures.get("parallel-calls")!.output);
    expect(out.finishReason).toBe("stop");
    client.close();
  });

  it("a streamed completion concatenates to the recorded text, asks for usage, and ends with the finish reason", async () => {
    const client = new UpstreamClient({ url: upstream.url, timeoutMs: 5_000 });
    const before = upstream.requests.length;
    const out = await collect(client, "odd-format");
    expect(out).toEqual({ text: upstream.fixtures.get("odd-format")!.output, finish: "stop" });
    expect(upstream.requests[before]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    client.close();
  });

  it("reports the upstream's usage", async () => {
    const client = new UpstreamClient({ url: upstream.url, timeoutMs: 5_000 });
    expect((await client.complete(request("slow"))).usage).toEqual({ prompt_tokens: 999, completion_tokens: 9 });
    client.close();
  });

  it("an unreachable upstream is `unreachable`", async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const client = new UpstreamClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 5_000 });
    expect((await failure(client.complete(request("weather-call")))).kind).toBe("unreachable");
    expect((await failure(client.stream(request("weather-call")))).kind).toBe("unreachable");
    client.close();
  });

  it("an error status is `status` with the upstream's message", async () => {
    const client = new UpstreamClient({ url: upstream.url, timeoutMs: 5_000 });
    const e = await failure(client.complete(request("upstream-500")));
    expect([e.kind, e.status]).toEqual(["status", 500]);
    expect(e.message).toContain("CUDA out of memory");
    const missing = await failure(client.stream(request("no-such-model")));
    expect([missing.kind, missing.status]).toEqual(["status", 404]);
    client.close();
  });

  it("an HTML page is `bad_response`, streaming or not", async () => {
    const client = new UpstreamClient({ url: upstream.url, timeoutMs: 5_000 });
    expect((await failure(client.complete(request("garbage")))).kind).toBe("bad_response");
    expect((await failure(collect(client, "garbage"))).kind).toBe("bad_response");
    client.close();
  });

  it("silence past the timeout before the answer is `timeout`", async () => {
    const client = new UpstreamClient({ url: upstream.url, timeoutMs: 100 });
    expect((await failure(client.complete(request("slow")))).kind).toBe("timeout");
    client.close();
  });

  it("silence past the timeout in the middle of a stream is `timeout`", async () => {
    const client = new UpstreamClient({ url: upstream.url, timeoutMs: 300 });
    expect((await failure(collect(client, "stalls-mid-stream"))).kind).toBe("timeout");
    client.close();
  });

  it("a slow upstream within the timeout succeeds", async () => {
    const client = new UpstreamClient({ url: upstream.url, timeoutMs: 2_000 });
    expect((await collect(client, "slow")).text).toBe("Hello! How can I help you today?");
    client.close();
  });

  it("a connection dropped mid-stream is `unreachable`", async () => {
    const client = new UpstreamClient({ url: upstream.url, timeoutMs: 5_000 });
    expect((await failure(collect(client, "dies-mid-stream"))).kind).toBe("unreachable");
    client.close();
  });

  it("aborting the signal cancels the request at the upstream", async () => {
    const client = new UpstreamClient({ url: upstream.url, timeoutMs: 5_000 });
    const abort = new AbortController();
    const index = upstream.requests.length;
    const stream = await client.stream(request("endless"), abort.signal);
    let pieces = 0;
    const e = await failure(
      (async () => {
        for await (const _ of stream) if (++pieces === 3) abort.abort();
      })(),
    );
    expect(e.kind).toBe("aborted");
    const record = await upstream.waitForClose(index);
    expect(record.closedEarly).toBe(true);
    client.close();
  });
});

describe("UpstreamClient against upstream stream quirks", () => {
  let scripted: ScriptedUpstream;
  beforeAll(async () => {
    scripted = await startScriptedUpstream(() => {});
  });
  afterAll(() => scripted.close());
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const head = (res: http.ServerResponse) => res.writeHead(200, { "content-type": "text/event-stream" });
  const pieces = ssePiece("<|tool_calls_section_begin|><|tool_call_begin|>functions.f:0") + ssePiece("<|tool_call_argument_begin|>{}<|tool_call_end|>", "stop");
  const whole = { text: "<|tool_calls_section_begin|><|tool_call_begin|>functions.f:0<|tool_call_argument_begin|>{}<|tool_call_end|>", finish: "stop" };

  it("[DONE] ends the stream even when the upstream then keeps the connection open", async () => {
    // Without the fix this waits for the 60 s silence timeout and fails it as `timeout`.
    scripted.script = (_body, res) => {
      head(res);
      res.write(`${pieces}data: [DONE]\n\n`);
    };
    const client = new UpstreamClient({ url: scripted.url, timeoutMs: 60_000 });
    expect(await collect(client, "m")).toEqual(whole);
    client.close();
  });

  it("after the last piece (finish_reason), a dropped connection or silence instead of [DONE] still ends the stream whole", async () => {
    const client = new UpstreamClient({ url: scripted.url, timeoutMs: 300 });
    scripted.script = async (_body, res) => {
      head(res);
      res.write(pieces);
      await sleep(50);
      res.socket?.destroy();
    };
    expect(await collect(client, "m")).toEqual(whole);
    scripted.script = (_body, res) => {
      head(res);
      res.write(pieces);
    };
    expect(await collect(client, "m")).toEqual(whole);
    // Before the last piece, the same faults are still faults.
    scripted.script = (_body, res) => {
      head(res);
      res.write(ssePiece("<|tool_calls_section_begin|>"));
    };
    expect((await failure(collect(client, "m"))).kind).toBe("timeout");
    client.close();
  });

  it("the connection is reused after a stream that ended with [DONE]", async () => {
    scripted.script = async (_body, res) => {
      head(res);
      res.write(`${pieces}data: [DONE]\n\n`);
      await sleep(20);
      res.end();
    };
    const client = new UpstreamClient({ url: scripted.url, timeoutMs: 5_000 });
    const before = scripted.clientPorts.length;
    expect(await collect(client, "m")).toEqual(whole);
    await sleep(100);
    expect(await collect(client, "m")).toEqual(whole);
    const [first, second] = scripted.clientPorts.slice(before);
    expect(second).toBe(first);
    client.close();
  });

  it("a caller holding a piece longer than the timeout is not the upstream's silence", async () => {
    // The proxy waits for a slow client to drain before reading on; that wait must not become a 504.
    scripted.script = (_body, res) => {
      head(res);
      res.write(ssePiece("a"));
      setTimeout(() => res.end(`${ssePiece("b", "stop")}data: [DONE]\n\n`), 20);
    };
    const client = new UpstreamClient({ url: scripted.url, timeoutMs: 200 });
    let text = "";
    for await (const batch of await client.stream(request("m"))) {
      for (const piece of batch) text += piece.text;
      await sleep(500);
    }
    expect(text).toBe("ab");
    client.close();
  });

  it("reads the choice with index 0 when an upstream sends others too", async () => {
    scripted.script = (_body, res) => {
      head(res);
      res.end(`data: ${JSON.stringify({ choices: [{ index: 1, text: "other", finish_reason: "stop" }, { index: 0, text: "mine", finish_reason: "stop" }] })}\n\ndata: [DONE]\n\n`);
    };
    const client = new UpstreamClient({ url: scripted.url, timeoutMs: 5_000 });
    expect(await collect(client, "m")).toEqual({ text: "mine", finish: "stop" });
    scripted.script = (_body, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ choices: [{ index: 1, text: "other", finish_reason: "length" }, { index: 0, text: "mine", finish_reason: "stop" }] }));
    };
    expect(await client.complete(request("m"))).toMatchObject({ text: "mine", finishReason: "stop" });
    client.close();
  });
});
