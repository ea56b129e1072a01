/**
 * Where encoding writes ids: a growable Int32Array, copied once into the `number[]` that `encode`
 * returns. Pushing 1.8 million ids onto a growing JS array costs two to three times as much as
 * writing them here and copying them into an array allocated at its final length. Browser-safe.
 *
 * @packageDocumentation
 */

/** Buffers above this many ids are not kept between calls. */
const KEEP_IDS = 1 << 20;

/** An append-only id buffer, reused across calls by one tokenizer. */
export class IdSink {
  private ids = new Int32Array(1024);
  /** The number of ids written. */
  length = 0;

  /** Appends an id. */
  push(id: number): void {
    if (this.length === this.ids.length) {
      const grown = new Int32Array(this.ids.length * 2);
      grown.set(this.ids);
      this.ids = grown;
    }
    this.ids[this.length++] = id;
  }

  /** Empties the buffer (dropping it when a huge text made it large). */
  reset(): void {
    this.length = 0;
    if (this.ids.length > KEEP_IDS) this.ids = new Int32Array(1024);
  }

  /** The ids written, as a new array. */
  toArray(): number[] {
    const n = this.length;
    const ids = this.ids;
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = ids[i]!;
    return out;
  }
}
