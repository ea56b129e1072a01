/**
 * Load benchmark of the proxy: requests per second and the latency the proxy adds (p50, p99) at 1,
 * 64 and 512 concurrent streams, against the replay upstream (fixtures/proxy/), compared with the
 * same streams asked of the upstream directly. Every response is checked: a proxied answer's tool
 * calls (ids, names, arguments), content and finish reason must equal the fixture's expected ones;
 * a direct answer's text must equal the recorded output. Any error, non-2xx, timeout or mismatch is
 * counted and makes the run fail.
 *
 * The upstream and the proxy run in their own processes (this file, started with a role); the load
 * generator (autocannon) runs in this one. Latencies are taken per response from autocannon's
 * `response` events (high-resolution), from the request's first byte to the response's last.
 *
 *   npm run bench:proxy                                  # 1, 64, 512 streams, 10 s each
 *   npm run bench:proxy -- --duration 5 --streams 1,64   # shorter
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { cpus } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { loadChatTemplate } from "../src/load-template.js";
import { loadTokenizer } from "../src/load-tokenizer.js";
import type { ChatPipeline } from "../src/server/chat-pipeline.js";
import { createKimiPipeline } from "../src/server/kimi-pipeline.js";
import { createProxy } from "../src/server/proxy-server.js";
import { validateChatRequest } from "../src/server/validate-request.js";
import { type ProxyFixture, loadProxyFixtures, splitIntoPieces, startReplayUpstream } from "../test/helpers/replay-upstream.js";
import { BENCH_FIXTURES, assemble, checkProxied } from "./proxy-check.js";
import { modelDir } from "../test/helpers/shared.js";

async function loadPipeline() {
  const dir = modelDir();
  const [tokenizer, template] = await Promise.all([loadTokenizer(dir), loadChatTemplate(dir)]);
  return createKimiPipeline({ tokenizer, template });
}

/** Child roles: print `{"url": ...}` on one line, then serve until killed. */
async function runRole(role: string, upstreamUrl: string | undefined): Promise<void> {
  if (role === "upstream") {
    const upstream = await startReplayUpstream();
    process.stdout.write(`${JSON.stringify({ url: upstream.url })}\n`);
    return;
  }
  const proxy = createProxy({ upstream: upstreamUrl!, pipeline: await loadPipeline(), timeoutMs: 30_000 });
  process.stdout.write(`${JSON.stringify({ url: await proxy.listen(0) })}\n`);
}

async function startChild(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await once(lines, "line")) as [string];
  return { child, url: (JSON.parse(line) as { url: string }).url };
}

/**
 * The proxy's own work per request, without HTTP: validate, render and count, then parse the
 * recorded output streamed in its pieces. Median of 5 rounds over the bench fixtures.
 */
function pipelineCost(pipeline: ChatPipeline, fixtures: Map<string, ProxyFixture>): number {
  const cases = BENCH_FIXTURES.map((name) => {
    const f = fixtures.get(name)!;
    return { body: JSON.stringify({ model: name, ...f.request, stream: true }), pieces: splitIntoPieces(f.output, name) };
  });
  const rounds: number[] = [];
  for (let round = 0; round < 6; round++) {
    const start = performance.now();
    const n = 300;
    for (let i = 0; i < n; i++) {
      const c = cases[i % cases.length]!;
      const body = pipeline.parseBody(c.body) as Record<string, unknown>;
      const parser = pipeline.prepare(validateChatRequest(body), body).createParser();
      for (const piece of c.pieces) parser.push(piece);
      parser.end();
    }
    if (round > 0) rounds.push((performance.now() - start) / n);
  }
  return rounds.sort((a, b) => a - b)[2]!;
}

function percentile(sorted: number[], q: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  /** Transport errors, timeouts and non-2xx answers. */
  errors: number;
  /** Answers whose body differs from the fixture (a lost or altered tool call, content or finish reason). */
  mismatches: number;
  checkedCalls: number;
  firstFailure: string | undefined;
}

async function load(url: string, requests: autocannon.Request[], connections: number, duration: number, verify: (body: string) => number | string): Promise<Measured> {
  const latencies: number[] = [];
  let checkedCalls = 0;
  let badBodies = 0;
  let firstFailure: string | undefined;
  const instance = autocannon({
    url,
    connections,
    duration,
    pipelining: 1,
    timeout: 30,
    requests,
    verifyBody: (body: string) => {
      let outcome: number | string;
      try {
        outcome = verify(body);
      } catch (e) {
        outcome = (e as Error).message;
      }
      if (typeof outcome === "string") {
        badBodies++;
        firstFailure ??= outcome;
        return false;
      }
      checkedCalls += outcome;
      return true;
    },
  });
  instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status === 200) latencies.push(ms);
  });
  const result = await instance;
  latencies.sort((a, b) => a - b);
  return {
    rps: result.requests.total / result.duration,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    requests: result.requests.total,
    errors: result.errors + result.timeouts + result.non2xx,
    mismatches: Math.max(result.mismatches, badBodies),
    checkedCalls,
    firstFailure,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { duration: { type: "string", default: "10" }, streams: { type: "string", default: "1,64,512" } } });
  const duration = Number(values.duration);
  const streams = values.streams!.split(",").map(Number);
  const fixtures = loadProxyFixtures();
  const pipeline = await loadPipeline();
  const ownCost = pipelineCost(pipeline, fixtures);

  const upstream = await startChild(["upstream"]);
  const proxy = await startChild(["proxy", `${upstream.url}/v1`]);
  const json = { "content-type": "application/json" };
  const proxied: autocannon.Request[] = BENCH_FIXTURES.map((name) => ({ method: "POST", path: "/v1/chat/completions", headers: json, body: JSON.stringify({ model: name, ...fixtures.get(name)!.request, stream: true }) }));
  const direct: autocannon.Request[] = BENCH_FIXTURES.map((name) => {
    const request = { model: name, ...fixtures.get(name)!.request, stream: true };
    const prepared = pipeline.prepare(validateChatRequest(request), request);
    const body = { model: name, prompt: prepared.prompt, stop: ["<|im_end|>"], max_tokens: 16_384, stream: true, stream_options: { include_usage: true }, skip_special_tokens: false, spaces_between_special_tokens: false };
    return { method: "POST", path: "/v1/completions", headers: json, body: JSON.stringify(body) };
  });
  const verifyDirect = (body: string) => {
    const a = assemble(body);
    return a.text === fixtures.get(a.model)?.output && a.finish === "stop" ? 0 : `${a.model}: text differs from the recording`;
  };
  const verifyProxied = (body: string) => checkProxied(assemble(body), fixtures);

  // Warm-up: JIT, connection pools, the tokenizer's caches.
  await load(upstream.url, direct, 16, 2, verifyDirect);
  await load(proxy.url, proxied, 16, 2, verifyProxied);

  const rows: string[] = [];
  let failed = false;
  for (const c of streams) {
    const d = await load(upstream.url, direct, c, duration, verifyDirect);
    const p = await load(proxy.url, proxied, c, duration, verifyProxied);
    const errors = d.errors + p.errors + d.mismatches;
    if (errors > 0 || p.mismatches > 0 || p.checkedCalls === 0) failed = true;
    for (const [label, m] of [["direct", d], ["proxied", p]] as const) {
      if (m.errors + m.mismatches > 0) process.stderr.write(`${label} at ${c} streams: ${m.errors} errors, ${m.mismatches} mismatches; first mismatch: ${m.firstFailure}\n`);
    }
    const f = (x: number) => x.toFixed(2);
    rows.push(
      `| ${c} | ${Math.round(d.rps)} | ${Math.round(p.rps)} | ${f(d.p50)} / ${f(d.p99)} | ${f(p.p50)} / ${f(p.p99)} | ${f(p.p50 - d.p50)} / ${f(p.p99 - d.p99)} | ${errors} | ${p.checkedCalls} / ${p.mismatches} |`,
    );
    process.stderr.write(`${c} streams done\n`);
  }
  upstream.child.kill();
  proxy.child.kill();

  const cpu = cpus()[0]?.model ?? "unknown CPU";
  process.stdout.write(`Proxy load: ${duration} s per cell, streamed answers cycling ${BENCH_FIXTURES.join(", ")}; ${cpus().length} × ${cpu}, Node ${process.version}\n\n`);
  process.stdout.write("| concurrent streams | direct req/s | proxied req/s | direct p50 / p99 (ms) | proxied p50 / p99 (ms) | added p50 / p99 (ms) | errors | tool calls checked / lost or altered |\n");
  process.stdout.write("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  process.stdout.write(`${rows.join("\n")}\n\n`);
  process.stdout.write(`The proxy's own work per request (validate, render, count, parse the streamed pieces; no HTTP): ${ownCost.toFixed(3)} ms\n`);
  if (failed) {
    process.stderr.write("FAILED: errors, mismatches, or no tool call checked\n");
    process.exitCode = 1;
  }
}

const [role, arg] = process.argv.slice(2);
if (role === "upstream" || role === "proxy") await runRole(role, arg);
else await main();
