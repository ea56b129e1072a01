/**
 * Pre-tokenization: cutting UTF-8 text into the pieces BPE works on, exactly as the reference's
 * split regex (FORMAT.md §2) does with leftmost-first backtracking semantics, but as a hand-written
 * linear scanner over bytes with class tables pinned to Unicode 16. Browser-safe.
 *
 * The regex's alternatives, in order (U = `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]`,
 * W = `[\p{Ll}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]`, P = `[^\r\n\p{L}\p{N}]`, C = the contractions):
 *
 * 1. `[\p{Han}]+`
 * 2. `P?U*W+C?`
 * 3. `P?U+W*C?`
 * 4. `\p{N}{1,3}`
 * 5. ` ?[^\s\p{L}\p{N}]+[\r\n]*`
 * 6. `\s*[\r\n]+`
 * 7. `\s+(?!\S)`
 * 8. `\s+`
 *
 * @packageDocumentation
 */
import { C_HAN, C_LETTER, C_LOWER, C_NUMBER, C_SPACE, C_UPPER, classTable } from "./char-classes.js";

/** The code point whose UTF-8 encoding starts at `p` (the buffer holds well-formed UTF-8). */
function cpAt(buf: Uint8Array, p: number): number {
  const b = buf[p]!;
  if (b < 0x80) return b;
  if (b < 0xe0) return ((b & 0x1f) << 6) | (buf[p + 1]! & 0x3f);
  if (b < 0xf0) return ((b & 0x0f) << 12) | ((buf[p + 1]! & 0x3f) << 6) | (buf[p + 2]! & 0x3f);
  return ((b & 0x07) << 18) | ((buf[p + 1]! & 0x3f) << 12) | ((buf[p + 2]! & 0x3f) << 6) | (buf[p + 3]! & 0x3f);
}

/** Byte length of the UTF-8 sequence whose lead byte is `b`. */
function seqLen(b: number): number {
  return b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
}

/**
 * `(?i:'s|'t|'re|'ve|'m|'ll|'d)` at `p`: the byte length matched, 0 when none. Case-insensitive
 * with simple case folding, so `'ſ` (U+017F folds to `s`) matches too.
 */
function contraction(buf: Uint8Array, p: number, end: number): number {
  if (p + 1 >= end || buf[p] !== 0x27) return 0;
  const b = buf[p + 1]!;
  // `| 0x20` lower-cases ASCII letters and maps no other byte onto a lowercase letter.
  switch (b | 0x20) {
    case 0x73: // s
    case 0x74: // t
    case 0x6d: // m
    case 0x64: // d
      return 2;
    case 0x72: // r + e
    case 0x76: // v + e
      return p + 2 < end && (buf[p + 2]! | 0x20) === 0x65 ? 3 : 0;
    case 0x6c: // l + l
      return p + 2 < end && (buf[p + 2]! | 0x20) === 0x6c ? 3 : 0;
  }
  // U+017F LATIN SMALL LETTER LONG S, UTF-8 C5 BF.
  return b === 0xc5 && p + 2 < end && buf[p + 2] === 0xbf ? 3 : 0;
}

/**
 * Alternative 2 without its optional prefix, from `j`: `U*W+C?`. Returns the end, or -1.
 *
 * Backtracking: U* first takes the longest run of U. If the next character is in W (it can only be
 * a W-only one, an `Ll`), W+ continues from there. Otherwise U* gives characters back until W+ can
 * start, which happens at the last character of the run that is in both classes (Lm, Lo, M); W+
 * then matches exactly that character, since the one after it is U-only or ends the run.
 */
function upperThenLower(buf: Uint8Array, j: number, end: number, T: Uint8Array): number {
  let k = j;
  let bothEnd = -1;
  while (k < end) {
    const b = buf[k]!;
    const c = T[b < 0x80 ? b : cpAt(buf, k)]!;
    if ((c & C_UPPER) === 0) break;
    k += seqLen(b);
    if (c & C_LOWER) bothEnd = k;
  }
  if (k < end) {
    const b = buf[k]!;
    if (T[b < 0x80 ? b : cpAt(buf, k)]! & C_LOWER) {
      let m = k + seqLen(b);
      while (m < end) {
        const b2 = buf[m]!;
        if ((T[b2 < 0x80 ? b2 : cpAt(buf, m)]! & C_LOWER) === 0) break;
        m += seqLen(b2);
      }
      return m + contraction(buf, m, end);
    }
  }
  return bothEnd < 0 ? -1 : bothEnd + contraction(buf, bothEnd, end);
}

/** Alternative 3 without its optional prefix, from `j`: `U+W*C?`. Returns the end, or -1. */
function lowerAfterUpper(buf: Uint8Array, j: number, end: number, T: Uint8Array): number {
  let k = j;
  while (k < end) {
    const b = buf[k]!;
    if ((T[b < 0x80 ? b : cpAt(buf, k)]! & C_UPPER) === 0) break;
    k += seqLen(b);
  }
  if (k === j) return -1;
  while (k < end) {
    const b = buf[k]!;
    if ((T[b < 0x80 ? b : cpAt(buf, k)]! & C_LOWER) === 0) break;
    k += seqLen(b);
  }
  return k + contraction(buf, k, end);
}

const NOT_PUNCT = C_SPACE | C_LETTER | C_NUMBER;

/**
 * The end (exclusive byte offset) of the piece that starts at byte `i` of the UTF-8 text
 * `buf[.., end)`. `end` is the end of the text the regex sees: `\s+(?!\S)` treats it as the end of
 * input.
 */
export function pieceEnd(buf: Uint8Array, i: number, end: number, T: Uint8Array): number {
  const b0 = buf[i]!;
  const cp0 = b0 < 0x80 ? b0 : cpAt(buf, i);
  const c0 = T[cp0]!;
  const n0 = i + seqLen(b0);

  // 1. [\p{Han}]+
  if (c0 & C_HAN) {
    let p = n0;
    while (p < end) {
      const b = buf[p]!;
      if (b < 0x80 || (T[cpAt(buf, p)]! & C_HAN) === 0) break;
      p += seqLen(b);
    }
    return p;
  }

  // 2 and 3, each tried with the optional prefix P first, then without it.
  const prefix = (c0 & (C_LETTER | C_NUMBER)) === 0 && cp0 !== 0x0a && cp0 !== 0x0d && n0 < end;
  let r: number;
  if (prefix && (r = upperThenLower(buf, n0, end, T)) >= 0) return r;
  if (c0 & (C_UPPER | C_LOWER) && (r = upperThenLower(buf, i, end, T)) >= 0) return r;
  if (prefix && (r = lowerAfterUpper(buf, n0, end, T)) >= 0) return r;
  if (c0 & C_UPPER && (r = lowerAfterUpper(buf, i, end, T)) >= 0) return r;

  // 4. \p{N}{1,3} (Han numbers such as U+3007 continue a run that starts with a digit).
  if (c0 & C_NUMBER) {
    let p = n0;
    for (let n = 1; n < 3 && p < end; n++) {
      const b = buf[p]!;
      if ((T[b < 0x80 ? b : cpAt(buf, p)]! & C_NUMBER) === 0) break;
      p += seqLen(b);
    }
    return p;
  }

  // 5. ` ?[^\s\p{L}\p{N}]+[\r\n]*`
  let q = -1;
  if (cp0 === 0x20) {
    if (n0 < end) {
      const b = buf[n0]!;
      if ((T[b < 0x80 ? b : cpAt(buf, n0)]! & NOT_PUNCT) === 0) q = n0;
    }
  } else if ((c0 & NOT_PUNCT) === 0) {
    q = i;
  }
  if (q >= 0) {
    let p = q + seqLen(buf[q]!);
    while (p < end) {
      const b = buf[p]!;
      if ((T[b < 0x80 ? b : cpAt(buf, p)]! & NOT_PUNCT) !== 0) break;
      p += seqLen(b);
    }
    while (p < end && (buf[p] === 0x0a || buf[p] === 0x0d)) p++;
    return p;
  }

  // Only white space is left: c0 is White_Space.
  let p = n0;
  let last = i;
  let afterNewline = cp0 === 0x0a || cp0 === 0x0d ? n0 : -1;
  while (p < end) {
    const b = buf[p]!;
    if ((T[b < 0x80 ? b : cpAt(buf, p)]! & C_SPACE) === 0) break;
    last = p;
    p += seqLen(b);
    if (b === 0x0a || b === 0x0d) afterNewline = p;
  }
  // 6. \s*[\r\n]+: backtracking stops at the run's last CR or LF.
  if (afterNewline >= 0) return afterNewline;
  // 7. \s+(?!\S): the whole run at the end of the text, else all but its last character;
  // 8. \s+: a single white-space character before a non-space.
  if (p >= end) return p;
  return last > i ? last : p;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * Splits text into the pieces the reference's split regex produces (for inspection and tests; the
 * tokenizer works on bytes). Lone surrogates are read as U+FFFD, as the reference does.
 */
export function splitPieces(text: string): string[] {
  const buf = encoder.encode(text);
  const T = classTable();
  const out: string[] = [];
  for (let i = 0; i < buf.length; ) {
    const e = pieceEnd(buf, i, buf.length, T);
    out.push(decoder.decode(buf.subarray(i, e)));
    i = e;
  }
  return out;
}
