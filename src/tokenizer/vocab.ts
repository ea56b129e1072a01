/**
 * Parsing `tiktoken.model` (one `base64(token bytes) rank` per line) into a compact table.
 * Browser-safe: it takes bytes, not a path.
 *
 * @packageDocumentation
 */
import { KimiK2Error } from "../errors.js";
import { NUM_BASE_RANKS } from "../special-tokens.js";

/**
 * A parsed BPE vocabulary: the bytes of rank `r` are `data.subarray(offsets[r], offsets[r + 1])`.
 */
export interface Vocabulary {
  /** Number of ranks (163,584 for Kimi K2). */
  readonly size: number;
  /** Every token's bytes, concatenated in rank order. */
  readonly data: Uint8Array;
  /** `size + 1` offsets into {@link Vocabulary.data}. */
  readonly offsets: Uint32Array;
}

/** Well-known tiktoken vocabularies by rank count, to say what a wrong file is. */
const KNOWN_VOCAB_SIZES: ReadonlyMap<number, string> = new Map([
  [50_256, "r50k_base / GPT-2"],
  [50_280, "p50k_base"],
  [100_256, "cl100k_base (GPT-4)"],
  [199_998, "o200k_base (GPT-4o)"],
  [128_000, "Llama 3"],
]);

const B64 = (() => {
  const t = new Int16Array(256).fill(-1);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (let i = 0; i < 64; i++) t[alphabet.charCodeAt(i)] = i;
  return t;
})();

const NEWLINE = 0x0a;
const SPACE = 0x20;
const CR = 0x0d;
const EQUALS = 0x3d;

function malformed(line: number, why: string): KimiK2Error {
  return new KimiK2Error(
    "vocab_malformed",
    `tiktoken.model line ${line}: ${why}. Each line must be "<base64 token bytes> <rank>"; re-download the file (kimi-k2 download) if it is damaged.`,
    { details: { line } },
  );
}

/**
 * Parses the bytes of a `tiktoken.model` file.
 *
 * @param bytes - the file's contents.
 * @param options.expectKimi - check that this is Kimi K2's vocabulary (163,584 ranks); default true.
 * @throws {@link KimiK2Error} `vocab_malformed` with the line number for a bad line or a rank out of
 *   order, `vocab_mismatch` when the vocabulary is well formed but not Kimi K2's.
 */
export function parseTiktokenModel(bytes: Uint8Array, options: { expectKimi?: boolean } = {}): Vocabulary {
  // Upper bound of decoded bytes: 3/4 of the file. Trimmed at the end.
  const data = new Uint8Array(Math.ceil((bytes.length * 3) / 4) + 4);
  let offsets = new Uint32Array(NUM_BASE_RANKS + 1);
  let size = 0;
  let out = 0;
  let pos = 0;
  let line = 0;
  const n = bytes.length;
  while (pos < n) {
    line++;
    let end = bytes.indexOf(NEWLINE, pos);
    if (end < 0) end = n;
    let lineEnd = end;
    if (lineEnd > pos && bytes[lineEnd - 1] === CR) lineEnd--;
    if (lineEnd === pos) {
      // A blank line is tolerated only as the file's last line.
      if (end >= n - 1) break;
      throw malformed(line, "empty line");
    }
    const space = bytes.indexOf(SPACE, pos);
    if (space < 0 || space >= lineEnd) throw malformed(line, "no space between token and rank");
    // Decode base64 [pos, space).
    const b64Len = space - pos;
    if (b64Len === 0 || b64Len % 4 !== 0) throw malformed(line, "token is not valid base64");
    let acc = 0;
    let bits = 0;
    for (let i = pos; i < space; i++) {
      const c = bytes[i]!;
      if (c === EQUALS) {
        if (i < space - 2 || (i === space - 2 && bytes[space - 1] !== EQUALS)) throw malformed(line, "token is not valid base64");
        break;
      }
      const v = B64[c]!;
      if (v < 0) throw malformed(line, "token is not valid base64");
      acc = ((acc << 6) | v) & 0xffffff;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        data[out++] = (acc >> bits) & 0xff;
      }
    }
    // Parse the rank [space+1, lineEnd).
    let rank = 0;
    if (space + 1 >= lineEnd) throw malformed(line, "missing rank");
    for (let i = space + 1; i < lineEnd; i++) {
      const d = bytes[i]! - 0x30;
      if (d < 0 || d > 9) throw malformed(line, "rank is not a non-negative integer");
      rank = rank * 10 + d;
    }
    if (rank !== size) {
      throw malformed(line, `rank ${rank} where ${size} was expected (ranks must be contiguous from 0, one per line, in order)`);
    }
    if (size + 1 >= offsets.length) {
      const grown = new Uint32Array(offsets.length * 2);
      grown.set(offsets);
      offsets = grown;
    }
    size++;
    offsets[size] = out;
    pos = end + 1;
  }
  if (options.expectKimi !== false && size !== NUM_BASE_RANKS) {
    const known = KNOWN_VOCAB_SIZES.get(size);
    throw new KimiK2Error(
      "vocab_mismatch",
      `this tiktoken.model has ${size} ranks${known ? ` (it looks like ${known})` : ""}, but Kimi K2's has ${NUM_BASE_RANKS}. ` +
        `Point the loader at a Kimi K2 checkpoint directory (moonshotai/Kimi-K2-Instruct-0905).`,
      { details: { ranks: size } },
    );
  }
  const vocab = { size, data: data.slice(0, out), offsets: offsets.slice(0, size + 1) };
  if (options.expectKimi !== false) checkLandmarks(vocab);
  return vocab;
}

/**
 * Two landmark tokens of Kimi K2's vocabulary: a file with the right rank count but other tokens
 * (a different 163,584-rank vocabulary, or a shuffled one) is not Kimi K2's.
 */
const LANDMARKS: ReadonlyArray<readonly [rank: number, text: string]> = [
  [0, "!"],
  [163_583, "\u81ea\u4e3b\u6027"],
];

function checkLandmarks(vocab: Vocabulary): void {
  const decoder = new TextDecoder("utf-8", { fatal: false });
  for (const [rank, text] of LANDMARKS) {
    const found = decoder.decode(tokenBytes(vocab, rank));
    if (found !== text) {
      throw new KimiK2Error(
        "vocab_mismatch",
        `this tiktoken.model has the right size but rank ${rank} is ${JSON.stringify(found)} where Kimi K2's is ${JSON.stringify(text)}: ` +
          `it is a different vocabulary. Point the loader at a Kimi K2 checkpoint directory (moonshotai/Kimi-K2-Instruct-0905).`,
        { details: { rank, found } },
      );
    }
  }
}

/** The bytes of rank `rank`. */
export function tokenBytes(vocab: Vocabulary, rank: number): Uint8Array {
  return vocab.data.subarray(vocab.offsets[rank]!, vocab.offsets[rank + 1]!);
}
