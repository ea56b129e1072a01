/**
 * One cold load, in a fresh process (spawned by bench/tokenizer.ts): `ours` (loadTokenizer, with the
 * binary cache directory given as third argument, else without cache) or `reference` (tiktoken
 * built from the same file). Prints JSON: load time in ms, and memory retained
 * after a full GC (V8 heap + external/ArrayBuffer memory, which holds typed arrays and WASM memory).
 * Run with --expose-gc.
 */
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { join } from "node:path";
import { Tiktoken } from "tiktoken";
import { allSpecialTokens } from "../src/special-tokens.js";
import { loadTokenizer } from "../src/load-tokenizer.js";
import { REFERENCE_PAT_STR } from "../test/helpers/reference-tokenizer.js";

const [which, dir, cacheDir] = process.argv.slice(2) as [string, string, string | undefined];
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --expose-gc");
/** Heap + external after full GCs, with pauses: ArrayBuffer memory is released asynchronously. */
const mem = async (): Promise<number> => {
  for (let i = 0; i < 4; i++) {
    gc();
    await sleep(30);
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};
const before = await mem();
const t0 = performance.now();
let keep: unknown;
if (which === "ours") {
  const tok = await loadTokenizer({ dir, cacheDir: cacheDir ?? false });
  tok.encode("warm up: Hello, 世界!");
  keep = tok;
} else {
  const specials: Record<string, number> = {};
  for (const { id, content } of allSpecialTokens()) specials[content] = id;
  const enc = new Tiktoken(readFileSync(join(dir, "tiktoken.model"), "utf8"), specials, REFERENCE_PAT_STR);
  enc.encode("warm up: Hello, 世界!", [], []);
  keep = enc;
}
const ms = performance.now() - t0;
const bytes = (await mem()) - before;
process.stdout.write(JSON.stringify({ ms, bytes, alive: keep !== undefined }));
