/**
 * Kimi's chunking rule (FORMAT.md §3), which its `encode` applies before tiktoken sees the text:
 * windows of at most 400,000 code points, each cut further so that no run of consecutive
 * white-space or non-white-space characters (Python `str.isspace`) is longer than 25,000 code
 * points. The cuts change token boundaries for long runs, so an exact port makes them too.
 * Browser-safe.
 *
 * @packageDocumentation
 */
import { C_PYSPACE } from "./char-classes.js";

/** The window size: Kimi's `TIKTOKEN_MAX_ENCODE_CHARS`. */
export const MAX_WINDOW_CODE_POINTS = 400_000;
/** The longest run kept whole: Kimi's `MAX_NO_WHITESPACES_CHARS`. */
export const MAX_RUN_CODE_POINTS = 25_000;

/**
 * The UTF-16 offsets at which Kimi's encode cuts `text[from, to)`: `[from, cut1, ..., to]`.
 * Code points are counted as Python counts them (a lone surrogate is one code point, not space).
 *
 * @param T - the class table (see char-classes.ts).
 */
export function chunkBounds(text: string, from: number, to: number, T: Uint8Array): number[] {
  const bounds = [from];
  // At most 25,000 UTF-16 units means at most 25,000 code points: no cut is possible.
  if (to - from <= MAX_RUN_CODE_POINTS) {
    bounds.push(to);
    return bounds;
  }
  let windowLeft = 0;
  let runIsSpace = false;
  let runLength = 0;
  for (let i = from; i < to; i++) {
    const start = i;
    const c = text.charCodeAt(i);
    // A surrogate pair is one code point and never a space: skip its low half. A lone surrogate
    // counts as one code point, as in Python (T is 0 for every surrogate, so not a space).
    if ((c & 0xfc00) === 0xd800 && i + 1 < to && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
    const isSpace = (T[c]! & C_PYSPACE) !== 0;
    if (windowLeft === 0) {
      // A new window: Python restarts the run state with the window's first character.
      if (start !== from) bounds.push(start);
      windowLeft = MAX_WINDOW_CODE_POINTS;
      runIsSpace = isSpace;
      runLength = 0;
    }
    if (isSpace !== runIsSpace) {
      runIsSpace = isSpace;
      runLength = 1;
    } else if (++runLength > MAX_RUN_CODE_POINTS) {
      bounds.push(start);
      runLength = 1;
    }
    windowLeft--;
  }
  bounds.push(to);
  return bounds;
}
