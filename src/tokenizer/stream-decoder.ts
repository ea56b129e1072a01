/**
 * Streaming detokenization: ids in, text deltas out, holding back the bytes of a character that
 * the next token completes (many emoji and CJK characters span two tokens). Browser-safe.
 *
 * @packageDocumentation
 */
import { KimiK2Error } from "../errors.js";

/** Incremental decoder created by `Tokenizer.createStreamDecoder()`. One instance per stream. */
export interface StreamDecoder {
  /**
   * Adds ids (one, or a batch) and returns the text they complete: never half a character. Bytes
   * of an incomplete UTF-8 sequence wait for the next push; invalid bytes become U+FFFD exactly
   * where `decode` puts them.
   *
   * @throws {@link KimiK2Error} `invalid_token_id` (nothing of the batch is consumed), or
   *   `invalid_state` after {@link StreamDecoder.end}.
   */
  push(ids: number | ArrayLike<number>): string;
  /**
   * Ends the stream: returns what was held back (U+FFFD for a character the stream cut off, as
   * `decode` would). The concatenation of every delta and this equals `decode(all ids)`.
   */
  end(): string;
  /** Starts a new stream with the same decoder. */
  reset(): void;
}

/** {@link StreamDecoder} over a bytes function (the tokenizer's `decodeBytes`). */
export class TokenStreamDecoder implements StreamDecoder {
  private decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  private ended = false;
  private readonly one: number[] = [0];

  constructor(private readonly bytesOf: (ids: ArrayLike<number>) => Uint8Array) {}

  push(ids: number | ArrayLike<number>): string {
    if (this.ended) {
      throw new KimiK2Error("invalid_state", "push after end(): call reset() to decode a new stream with this decoder.");
    }
    let batch: ArrayLike<number>;
    if (typeof ids === "number") {
      this.one[0] = ids;
      batch = this.one;
    } else {
      batch = ids;
    }
    // decodeBytes validates every id before anything reaches the decoder's state.
    const bytes = this.bytesOf(batch);
    // WHATWG streaming decode holds back an incomplete sequence and yields exactly what a single
    // decode of all the bytes would, piece by piece; a surrogate pair is never split.
    return this.decoder.decode(bytes, { stream: true });
  }

  end(): string {
    if (this.ended) return "";
    this.ended = true;
    return this.decoder.decode();
  }

  reset(): void {
    this.decoder = new TextDecoder("utf-8", { ignoreBOM: true });
    this.ended = false;
  }
}
