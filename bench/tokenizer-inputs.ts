/**
 * Seeded generators for the tokenizer benchmark's worst-case inputs (also used by
 * test/tokenizer/bench-inputs.test.ts, which checks their ids against the reference).
 */

import { prng } from "./prng.js";

/** `n` Han characters drawn from CJK Unified Ideographs (U+4E00..U+9FFF): a single split piece. */
export function hanRun(n: number, seed: number): string {
  const rand = prng(seed);
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(0x4e00 + Math.floor(rand() * (0x9fff - 0x4e00 + 1)));
  return s;
}

/** `n` spaces: one run that Kimi's chunking rule cuts every 25,000 characters. */
export function spaceRun(n: number): string {
  return " ".repeat(n);
}
