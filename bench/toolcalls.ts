/**
 * Tool-call parser benchmark: cost per character at 1-character, 1-token (~4 characters) and 4 KB
 * deltas, for outputs of 10 KB, 100 KB and 1 MB, side by side with a parser that re-scans the whole
 * accumulated text on every delta (bench/toolcalls-inputs.ts). Checks the issue's targets:
 * >= 100 MB/s at 4 KB deltas, >= 5M pushes/s at 1-token deltas, doubling the output <= 2.2x the
 * time, >= 1,000x faster than re-scan at 100 KB.
 *
 * Run: npm run bench:toolcalls  (BENCH_QUICK=1 for a shorter run)
 */
import { ToolCallParser } from "../src/toolcalls/index.js";
import { RescanParser, generateOutput, splitDeltas, type DeltaMode } from "./toolcalls-inputs.js";

const QUICK = process.env.BENCH_QUICK === "1";
const SIZES: Array<[string, number]> = [
  ["10 KB", 10_000],
  ["100 KB", 100_000],
  ["1 MB", 1_000_000],
];
const MODES: DeltaMode[] = ["1-char", "1-token", "4-KB"];
/** Re-scan runs whose work (pushes x average accumulated length) exceeds this are estimated, not run (minutes to hours). */
const RESCAN_BUDGET = 2e9;

function runOurs(deltas: readonly string[]): number {
  const p = new ToolCallParser();
  let events = 0;
  for (const d of deltas) events += p.push(d).length;
  return events + p.end().length;
}

function runRescan(deltas: readonly string[]): number {
  const p = new RescanParser();
  let n = 0;
  for (const d of deltas) n += p.push(d).calls.length;
  return n;
}

/** Best time in ms over repetitions filling at least `minMs`; a single run longer than that is taken as is. */
function time(fn: () => unknown, minMs: number): number {
  let t0 = performance.now();
  fn();
  const first = performance.now() - t0;
  if (first > minMs) return first;
  let best = Infinity;
  let total = 0;
  let reps = 0;
  while ((total < minMs || reps < 3) && reps < 1000) {
    t0 = performance.now();
    fn();
    const dt = performance.now() - t0;
    best = Math.min(best, dt);
    total += dt;
    reps++;
  }
  return best;
}

const fmt = (x: number, d = 1) => x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

interface Row {
  size: string;
  chars: number;
  mode: DeltaMode;
  pushes: number;
  ms: number;
  rescanMs: number | undefined;
  /** Pushes x average accumulated length: the re-scan parser's work. */
  rescanWork: number;
}

const rows: Row[] = [];
const outputs = new Map<number, string>();
for (const [, bytes] of SIZES) outputs.set(bytes, generateOutput(bytes, 42).text);

for (const [label, bytes] of SIZES) {
  const text = outputs.get(bytes)!;
  for (const mode of MODES) {
    const deltas = splitDeltas(text, mode);
    const ms = time(() => runOurs(deltas), QUICK ? 200 : 1000);
    const work = deltas.length * (text.length / 2);
    const rescanMs = work <= RESCAN_BUDGET ? time(() => runRescan(deltas), QUICK ? 50 : 200) : undefined;
    rows.push({ size: label, chars: text.length, mode, pushes: deltas.length, ms, rescanMs, rescanWork: work });
    process.stderr.write(`${label} ${mode}: ${fmt(ms, 3)} ms${rescanMs === undefined ? "" : `, re-scan ${fmt(rescanMs, 1)} ms`}\n`);
  }
}

/**
 * Best times of `a` and `b`, measured alternately so that a change in machine load (the machine is
 * shared) hits both alike.
 */
function timePair(a: () => unknown, b: () => unknown, minMs: number): [number, number] {
  a();
  b();
  let ta = Infinity;
  let tb = Infinity;
  const start = performance.now();
  for (let reps = 0; reps < 5 || performance.now() - start < minMs; reps++) {
    let t0 = performance.now();
    a();
    ta = Math.min(ta, performance.now() - t0);
    t0 = performance.now();
    b();
    tb = Math.min(tb, performance.now() - t0);
  }
  return [ta, tb];
}

// Doubling: 50 KB versus 100 KB and 500 KB versus 1 MB at each delta size.
const doubling: Array<[DeltaMode, number, number]> = [];
for (const mode of MODES) {
  for (const n of [50_000, 500_000]) {
    const a = splitDeltas(generateOutput(n, 43).text, mode);
    const b = splitDeltas(generateOutput(2 * n, 43).text, mode);
    const [ta, tb] = timePair(() => runOurs(a), () => runOurs(b), QUICK ? 500 : 2000);
    doubling.push([mode, n, tb / ta]);
  }
}

// For the re-scan runs not made: its measured cost per unit of work, from the largest run made.
const measured = rows.filter((r) => r.rescanMs !== undefined).sort((a, b) => b.rescanWork - a.rescanWork)[0]!;
const msPerWork = measured.rescanMs! / measured.rescanWork;

console.log(`\nTool-call parser (node ${process.version}, best of repeated runs)\n`);
console.log("| output | deltas | pushes | ours: ms | MB/s | ns/char | pushes/s | re-scan: ms | speed-up |");
console.log("|---|---|---:|---:|---:|---:|---:|---:|---:|");
for (const r of rows) {
  const mbps = r.chars / 1e6 / (r.ms / 1000);
  const pps = r.pushes / (r.ms / 1000);
  const est = r.rescanMs === undefined;
  const rescanMs = r.rescanMs ?? r.rescanWork * msPerWork;
  const rescan = est ? `~${fmt(rescanMs, 0)} (est.)` : fmt(rescanMs, 1);
  const speedup = `${est ? "~" : ""}${fmt(rescanMs / r.ms, 0)}x`;
  console.log(`| ${r.size} | ${r.mode} | ${r.pushes.toLocaleString("en-US")} | ${fmt(r.ms, 3)} | ${fmt(mbps, 0)} | ${fmt((r.ms * 1e6) / r.chars, 2)} | ${fmt(pps / 1e6, 1)}M | ${rescan} | ${speedup} |`);
}
console.log("\n| deltas | output doubled | time ratio |");
console.log("|---|---|---:|");
for (const [mode, n, ratio] of doubling) console.log(`| ${mode} | ${n / 1000} KB → ${(2 * n) / 1000} KB | ${fmt(ratio, 2)}x |`);

const at = (size: string, mode: DeltaMode) => rows.find((r) => r.size === size && r.mode === mode)!;
const fourKb = Math.min(...SIZES.map(([s]) => { const r = at(s, "4-KB"); return r.chars / 1e6 / (r.ms / 1000); }));
const tokenPps = Math.min(...SIZES.map(([s]) => { const r = at(s, "1-token"); return r.pushes / (r.ms / 1000); }));
const worstDoubling = Math.max(...doubling.map(([, , x]) => x));
const r100 = at("100 KB", "1-token");
const speedup100 = r100.rescanMs === undefined ? NaN : r100.rescanMs / r100.ms;
const check = (ok: boolean) => (ok ? "PASS" : "FAIL");
console.log("\nTargets");
console.log(`- >= 100 MB/s at 4 KB deltas: ${fmt(fourKb, 0)} MB/s (slowest size) ${check(fourKb >= 100)}`);
console.log(`- >= 5M pushes/s at 1-token deltas: ${fmt(tokenPps / 1e6, 1)}M (slowest size) ${check(tokenPps >= 5e6)}`);
console.log(`- doubling the output <= 2.2x the time: ${fmt(worstDoubling, 2)}x (worst case) ${check(worstDoubling <= 2.2)}`);
console.log(`- >= 1,000x faster than re-scan at 100 KB (1-token deltas): ${fmt(speedup100, 0)}x ${check(speedup100 >= 1000)}`);
