/**
 * Tokenizer benchmark: this library against the reference (the `tiktoken` npm package built with
 * Kimi K2's ranks, special tokens and split regex), on the same inputs in the same run.
 *
 *   npm run bench:tokenizer            (or: node --import tsx bench/tokenizer.ts)
 *
 * Environment: KIMI_K2_MODEL_DIR / KIMI_K2_SHARED_DIR as for the tests; BENCH_RUNS (default 5).
 *
 * - Throughput on the whole corpus and on each part (English, code, Chinese, other scripts, JSON;
 *   boundaries: bench/corpus-parts.ts). The reference is timed on Kimi's chunks of the same text
 *   (cut outside the timed region), so both sides produce the same ids; the bench checks they do.
 * - Worst cases: a 25,000-character run of Han characters (one piece) and a 50,000-space run
 *   (two chunks of 25,000), from seeded generators.
 * - Cold load time and memory retained, each in fresh processes: without and with the binary cache.
 * - `count(text)` against `encode(text).length`.
 *
 * Each timing: warm-up runs, then the median of BENCH_RUNS runs (the reference gets fewer runs on
 * the slow worst cases). The machine is shared: figures move by 10-20% from run to run.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadTokenizer } from "../src/load-tokenizer.js";
import { createReference, kimiChunks } from "../test/helpers/reference-tokenizer.js";
import { modelDir, sharedFile } from "../test/helpers/shared.js";
import { findCorpusParts } from "./corpus-parts.js";
import { hanRun, spaceRun } from "./tokenizer-inputs.js";

const RUNS = Number(process.env.BENCH_RUNS ?? "5");
const dir = modelDir();

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median wall time of `runs` calls after `warmup` calls, in ms. */
function time(f: () => unknown, runs: number, warmup: number): number {
  for (let i = 0; i < warmup; i++) f();
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    f();
    ts.push(performance.now() - t);
  }
  return median(ts);
}

function sameIds(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const fmt = (x: number, d = 1): string => x.toFixed(d);

const tok = await loadTokenizer({ dir, cacheDir: false });
const ref = createReference(dir);

const corpusBytes = readFileSync(sharedFile("corpus", "mixed-5mb.txt"));
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const inputs: Array<{ name: string; text: string; bytes: number }> = [
  { name: "whole corpus", text: decoder.decode(corpusBytes), bytes: corpusBytes.length },
  ...findCorpusParts(corpusBytes).map((p) => ({
    name: p.name,
    text: decoder.decode(corpusBytes.subarray(p.start, p.end)),
    bytes: p.end - p.start,
  })),
];

const lines: string[] = [];
lines.push(`Node ${process.versions.node}, ${RUNS} timed runs (median) after warm-up.`, "");
lines.push("| input | size | this library | reference (tiktoken) | ratio |", "|---|---:|---:|---:|---:|");
for (const input of inputs) {
  const chunks = kimiChunks(input.text);
  const ours = tok.encode(input.text);
  const theirs: number[] = [];
  for (const c of chunks) for (const id of ref.tiktoken.encode(c, [], [])) theirs.push(id);
  if (!sameIds(ours, theirs)) throw new Error(`ids differ on ${input.name}`);
  const mb = input.bytes / 1e6;
  const a = time(() => tok.encode(input.text), RUNS, 2);
  const b = time(() => {
    for (const c of chunks) ref.tiktoken.encode(c, [], []);
  }, Math.max(3, Math.ceil(RUNS / 2)), 1);
  lines.push(`| ${input.name} | ${fmt(mb, 2)} MB | ${fmt((mb / a) * 1000, 2)} MB/s | ${fmt((mb / b) * 1000, 2)} MB/s | ${fmt(b / a, 2)}x |`);
}

lines.push("", "| worst case | this library | reference (tiktoken) | ratio |", "|---|---:|---:|---:|");
for (const [name, text] of [
  ["25,000 Han characters", hanRun(25_000, 1)],
  ["50,000 spaces", spaceRun(50_000)],
] as const) {
  const chunks = kimiChunks(text);
  const ours = tok.encode(text);
  const t = performance.now();
  const theirs: number[] = [];
  for (const c of chunks) for (const id of ref.tiktoken.encode(c, [], [])) theirs.push(id);
  const b = performance.now() - t;
  if (!sameIds(ours, theirs)) throw new Error(`ids differ on ${name}`);
  const a = time(() => tok.encode(text), RUNS, 2);
  lines.push(`| ${name} | ${fmt(a, 2)} ms | ${fmt(b, 0)} ms | ${fmt(b / a, 0)}x |`);
}

const whole = inputs[0]!.text;
const enc = time(() => tok.encode(whole).length, RUNS, 1);
const cnt = time(() => tok.count(whole), RUNS, 1);
if (tok.count(whole) !== tok.encode(whole).length) throw new Error("count differs from encode().length");
lines.push("", "| whole corpus | time |", "|---|---:|", `| encode(text).length | ${fmt(enc, 0)} ms |`, `| count(text) | ${fmt(cnt, 0)} ms (${fmt(enc / cnt, 2)}x) |`);

const loader = join(fileURLToPath(new URL(".", import.meta.url)), "tokenizer-load.ts");
const cacheDir = mkdtempSync(join(tmpdir(), "kimi-k2-bench-cache-"));
const loads = (...args: string[]): { ms: number; bytes: number } => {
  const ms: number[] = [];
  const bytes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = JSON.parse(execFileSync(process.execPath, ["--expose-gc", "--import", "tsx", loader, ...args], { encoding: "utf8" })) as { ms: number; bytes: number };
    ms.push(r.ms);
    bytes.push(r.bytes);
  }
  return { ms: median(ms), bytes: median(bytes) };
};
const lo = loads("ours", dir);
await loadTokenizer({ dir, cacheDir }); // writes the cache the next loads read
const lc = loads("ours", dir, cacheDir);
const lr = loads("reference", dir);
rmSync(cacheDir, { recursive: true, force: true });
lines.push(
  "",
  "| cold load (fresh process, median of 5) | this library, no cache | this library, binary cache | reference (tiktoken) |",
  "|---|---:|---:|---:|",
  `| time to a ready tokenizer | ${fmt(lo.ms, 0)} ms | ${fmt(lc.ms, 0)} ms | ${fmt(lr.ms, 0)} ms |`,
  `| memory retained (heap + external) | ${fmt(lo.bytes / 2 ** 20, 1)} MiB | ${fmt(lc.bytes / 2 ** 20, 1)} MiB | ${fmt(lr.bytes / 2 ** 20, 1)} MiB |`,
);

console.log(lines.join("\n"));
