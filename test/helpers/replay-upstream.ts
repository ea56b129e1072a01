/**
 * A local raw-completion upstream for tests and benchmarks: a `node:http` server on 127.0.0.1 that
 * answers `POST /v1/completions` (as vLLM, SGLang and llama.cpp's server do) by replaying a
 * recorded raw output from `fixtures/proxy/`, whole or streamed, and misbehaving as the fixture
 * says (slow, stalling, dying mid-stream, garbage, error status). It records every request it
 * receives and whether the caller went away before the answer ended, so tests can observe
 * cancellation at the upstream.
 */
import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { ROOT } from "./shared.js";

/** What a fixture expects the proxy to answer. */
export interface ExpectedAnswer {
  content?: string | null;
  tool_calls?: Array<{ id: string; name: string; arguments: string }>;
  finish_reason?: string;
}

/** How a fixture's replay misbehaves. */
export interface ReplayBehaviour {
  first_byte_delay_ms?: number;
  piece_delay_ms?: number;
  die_after_pieces?: number;
  stall_after_pieces?: number;
  stall_ms?: number;
  repeat_forever?: boolean;
  garbage_body?: string;
  status?: number;
  error_body?: unknown;
}

/** One recorded raw output (see fixtures/proxy/README.md). */
export interface ProxyFixture {
  name: string;
  note: string;
  request: Record<string, unknown> & { messages: unknown[] };
  /** The start of the assistant turn the proxy writes into the prompt for `tool_choice`; `output` continues it. */
  assistant_prefix?: string;
  output: string;
  finish_reason: string;
  behaviour?: ReplayBehaviour;
  usage?: { prompt_tokens?: number; completion_tokens?: number };
  expected?: ExpectedAnswer;
}

/** The fixtures directory. */
export const PROXY_FIXTURES_DIR = join(ROOT, "fixtures", "proxy");

/** Every fixture in `fixtures/proxy/`, by name. */
export function loadProxyFixtures(dir = PROXY_FIXTURES_DIR): Map<string, ProxyFixture> {
  const out = new Map<string, ProxyFixture>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
    const fixture = JSON.parse(readFileSync(join(dir, file), "utf8")) as ProxyFixture;
    out.set(fixture.name, fixture);
  }
  return out;
}

function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * Cuts an output into stream pieces as a server streams tokens: each `<|...|>` special-token
 * string whole, other text in runs of 1 to 4 code points from a generator seeded with `seed`.
 */
export function splitIntoPieces(text: string, seed: string): string[] {
  let state = seedOf(seed) || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const pieces: string[] = [];
  for (const part of text.split(/(<\|[a-z0-9_]+\|>)/)) {
    if (part === "") continue;
    if (/^<\|[a-z0-9_]+\|>$/.test(part)) {
      pieces.push(part);
      continue;
    }
    const points = Array.from(part);
    for (let i = 0; i < points.length; ) {
      const n = 1 + Math.floor(random() * 4);
      pieces.push(points.slice(i, i + n).join(""));
      i += n;
    }
  }
  return pieces;
}

/** A request the replay upstream received. */
export interface RecordedRequest {
  /** The parsed JSON body. */
  body: Record<string, unknown>;
  /** True once the answer was fully written. */
  finished: boolean;
  /** True when the caller closed the connection before the answer was fully written. */
  closedEarly: boolean;
}

/** A running replay upstream. */
export interface ReplayUpstream {
  /** `http://127.0.0.1:PORT` (append `/v1` or not: the proxy accepts both). */
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** The fixtures it serves. */
  fixtures: Map<string, ProxyFixture>;
  /** Resolves once request `index` has closed (finished or closed early); rejects after `timeoutMs`. */
  waitForClose(index: number, timeoutMs?: number): Promise<RecordedRequest>;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function completionObject(model: string, text: string, finishReason: string | null, extra: Record<string, unknown> = {}) {
  return {
    id: "cmpl-replay",
    object: "text_completion",
    created: 1_750_000_000,
    model,
    choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason, stop_reason: null }],
    ...extra,
  };
}

async function replay(fixture: ProxyFixture, body: Record<string, unknown>, res: http.ServerResponse, gone: () => boolean): Promise<void> {
  const b = fixture.behaviour ?? {};
  const model = String(body.model);
  if (b.first_byte_delay_ms) await sleep(b.first_byte_delay_ms);
  if (gone()) return;
  if (b.status !== undefined) {
    res.writeHead(b.status, { "content-type": "application/json" }).end(JSON.stringify(b.error_body ?? {}));
    return;
  }
  if (b.garbage_body !== undefined) {
    res.writeHead(200, { "content-type": "text/html" }).end(b.garbage_body);
    return;
  }
  const usage = fixture.usage ? { usage: { ...fixture.usage, total_tokens: (fixture.usage.prompt_tokens ?? 0) + (fixture.usage.completion_tokens ?? 0) } } : {};
  if (body.stream !== true) {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(completionObject(model, fixture.output, fixture.finish_reason, usage)));
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.flushHeaders();
  const pieces = splitIntoPieces(fixture.output, fixture.name);
  let sent = 0;
  do {
    for (let i = 0; i < pieces.length; i++) {
      if (gone()) return;
      if (b.die_after_pieces !== undefined && sent === b.die_after_pieces) {
        // Let what was written reach the caller first: a reset can make the peer drop unread data.
        if (sent > 0) await sleep(50);
        res.socket?.destroy();
        return;
      }
      if (b.stall_after_pieces !== undefined && sent === b.stall_after_pieces) await sleep(b.stall_ms ?? 0);
      else if (b.piece_delay_ms && sent > 0) await sleep(b.piece_delay_ms);
      if (gone()) return;
      const last = i === pieces.length - 1 && !b.repeat_forever;
      res.write(`data: ${JSON.stringify(completionObject(model, pieces[i]!, last ? fixture.finish_reason : null))}\n\n`);
      sent++;
    }
  } while (b.repeat_forever);
  const options = body.stream_options as { include_usage?: boolean } | undefined;
  if (options?.include_usage && fixture.usage) {
    res.write(`data: ${JSON.stringify({ ...completionObject(model, "", null, usage), choices: [] })}\n\n`);
  }
  res.end("data: [DONE]\n\n");
}

/** Starts a replay upstream on 127.0.0.1 (a free port unless given). */
export async function startReplayUpstream(options: { fixtures?: Map<string, ProxyFixture>; port?: number } = {}): Promise<ReplayUpstream> {
  const fixtures = options.fixtures ?? loadProxyFixtures();
  const requests: RecordedRequest[] = [];
  const closeWaiters = new Map<number, Array<() => void>>();
  const server = http.createServer(async (req, res) => {
    if (req.method !== "POST" || !req.url?.endsWith("/v1/completions")) {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ object: "error", message: `no route ${req.method} ${req.url}`, code: 404 }));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
    const record: RecordedRequest = { body, finished: false, closedEarly: false };
    const index = requests.push(record) - 1;
    res.on("close", () => {
      record.finished = res.writableFinished;
      record.closedEarly = !res.writableFinished;
      for (const wake of closeWaiters.get(index) ?? []) wake();
      closeWaiters.delete(index);
    });
    const fixture = fixtures.get(String(body.model));
    if (!fixture) {
      res.writeHead(404, { "content-type": "application/json" }).end(
        JSON.stringify({ object: "error", message: `The model \`${String(body.model)}\` does not exist.`, type: "NotFoundError", param: null, code: 404 }),
      );
      return;
    }
    await replay(fixture, body, res, () => res.destroyed);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    fixtures,
    waitForClose(index, timeoutMs = 5_000) {
      const record = requests[index];
      if (record && (record.finished || record.closedEarly)) return Promise.resolve(record);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`upstream request ${index} did not close within ${timeoutMs} ms`)), timeoutMs);
        const list = closeWaiters.get(index) ?? [];
        list.push(() => {
          clearTimeout(timer);
          resolve(requests[index]!);
        });
        closeWaiters.set(index, list);
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
