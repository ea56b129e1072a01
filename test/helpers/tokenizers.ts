/**
 * The tokenizer under test and the reference, built once per test file from the model directory.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createTokenizer, type Tokenizer } from "../../src/tokenizer/index.js";
import { createReference, type Reference } from "./reference-tokenizer.js";
import { modelDir } from "./shared.js";

let ours: Tokenizer | undefined;
let ref: Reference | undefined;

/** This library's tokenizer, from `modelDir()/tiktoken.model`. */
export function tokenizer(): Tokenizer {
  ours ??= createTokenizer(readFileSync(join(modelDir(), "tiktoken.model")));
  return ours;
}

/** The reference (tiktoken npm + Kimi's chunking rule). */
export function reference(): Reference {
  ref ??= createReference(modelDir());
  return ref;
}

/** The index of the first difference between two id sequences, or -1. */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
}
