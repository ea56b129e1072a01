/**
 * The encoding pipeline shared by `encode`, `count` and chat encoding: Kimi's chunking, special-token
 * split points inside each chunk, UTF-8, the split scanner and BPE. Ids go to an {@link IdSink}, or
 * are only counted when it is null. Browser-safe.
 *
 * @packageDocumentation
 */
import { encodePiece, BpeScratch } from "./bpe.js";
import { IdSink } from "./id-sink.js";
import { classTable } from "./char-classes.js";
import { chunkBounds } from "./chunking.js";
import { pieceEnd } from "./pretokenize.js";
import type { RankIndex } from "./rank-index.js";
import { disallowedSpecialError, type SpecialOccurrence } from "./special-occurrences.js";

const utf8 = new TextEncoder();
/** Scratch UTF-8 buffers above this size are not kept between calls. */
const KEEP_BUFFER_BYTES = 4 << 20;

/** Encoding state of one tokenizer. Not reentrant (encoding is synchronous). */
export class EncoderCore {
  readonly index: RankIndex;
  /** The sink `encode` and `encodeChat` fill (reset at the start of each call). */
  readonly sink = new IdSink();
  private readonly scratch = new BpeScratch();
  private readonly T: Uint8Array;
  private buf = new Uint8Array(1 << 16);

  constructor(index: RankIndex) {
    this.index = index;
    this.T = classTable();
  }

  /**
   * Encodes `text[from, to)` as Kimi's `encode` encodes a string: cut into chunks, then in each
   * chunk the occurrences in `emit` that lie wholly inside it become their ids, and one in `forbid`
   * raises. Occurrences cut by a chunk boundary are plain text, as in the reference (tiktoken only
   * sees one chunk at a time). Both lists are sorted, and may hold occurrences outside the range.
   */
  encodeRun(
    text: string,
    from: number,
    to: number,
    emit: readonly SpecialOccurrence[] | null,
    forbid: readonly SpecialOccurrence[] | null,
    out: IdSink | null,
  ): number {
    const bounds = chunkBounds(text, from, to, this.T);
    let count = 0;
    if (!emit?.length && !forbid?.length) {
      for (let c = 1; c < bounds.length; c++) count += this.encodeOrdinary(text, bounds[c - 1]!, bounds[c]!, out);
      return count;
    }
    let ei = 0;
    for (let c = 1; c < bounds.length; c++) {
      const a = bounds[c - 1]!;
      const b = bounds[c]!;
      if (forbid) {
        // tiktoken checks a chunk for disallowed strings before encoding any of it.
        for (const o of forbid) {
          if (o.start >= a && o.end <= b) throw disallowedSpecialError(o);
        }
      }
      let pos = a;
      if (emit) {
        while (ei < emit.length && emit[ei]!.start < a) ei++;
        while (ei < emit.length && emit[ei]!.start < b) {
          const o = emit[ei++]!;
          if (o.end > b) continue;
          count += this.encodeOrdinary(text, pos, o.start, out);
          if (out) out.push(o.id);
          count++;
          pos = o.end;
        }
      }
      count += this.encodeOrdinary(text, pos, b, out);
    }
    return count;
  }

  /** Encodes `text[from, to)` as ordinary text: no special tokens, no chunking. */
  encodeOrdinary(text: string, from: number, to: number, out: IdSink | null): number {
    if (from >= to) return 0;
    const s = from === 0 && to === text.length ? text : text.slice(from, to);
    // Three UTF-8 bytes at most per UTF-16 unit (a lone surrogate becomes U+FFFD, 3 bytes).
    const need = s.length * 3;
    let buf = this.buf;
    if (buf.length < need) {
      buf = new Uint8Array(Math.max(need, buf.length * 2));
      if (buf.length <= KEEP_BUFFER_BYTES) this.buf = buf;
    }
    const n = utf8.encodeInto(s, buf).written;
    const { index, scratch, T } = this;
    let count = 0;
    for (let i = 0; i < n; ) {
      const e = pieceEnd(buf, i, n, T);
      count += encodePiece(index, scratch, buf, i, e, out);
      i = e;
    }
    return count;
  }
}
