/**
 * Byte-pair encoding of one piece, with the reference's exact merge order: repeatedly merge the
 * adjacent pair of parts whose concatenated bytes have the lowest rank, the leftmost pair on ties.
 * Short pieces use the reference's own quadratic loop (fastest for a few dozen bytes); long pieces
 * a linked list and a binary heap keyed by (rank, position), which pops pairs in the same order in
 * O(n log n). Browser-safe.
 *
 * @packageDocumentation
 */
import type { RankIndex } from "./rank-index.js";

/** Pieces up to this many bytes use the quadratic loop; longer ones the heap. */
export const HEAP_THRESHOLD = 32;

const NONE = 0x7fffffff;
/** Heap keys are `rank * 2^32 + position`: exact in a double since ranks are below 2^21. */
const POS_SCALE = 4294967296;

/** Scratch arrays reused across pieces (one set per tokenizer; encoding is synchronous). */
export class BpeScratch {
  starts = new Int32Array(HEAP_THRESHOLD + 1);
  pairs = new Int32Array(HEAP_THRESHOLD + 1);
  parts = new Int32Array(HEAP_THRESHOLD + 1);
  /** The ranks of the last merged piece. */
  result = new Int32Array(HEAP_THRESHOLD + 1);
  next = new Int32Array(0);
  prev = new Int32Array(0);
  heap = new Float64Array(0);

  /** Makes the heap-path arrays hold at least `n` entries. */
  ensureHeap(n: number): void {
    if (this.next.length >= n) return;
    const size = Math.max(n, this.next.length * 2);
    this.next = new Int32Array(size);
    this.prev = new Int32Array(size);
    this.pairs = new Int32Array(Math.max(size, this.pairs.length));
    this.parts = new Int32Array(Math.max(size, this.parts.length));
    this.result = new Int32Array(Math.max(size, this.result.length));
    // Every merge pushes at most two entries and stale ones stay until popped: 3n bounds the heap.
    this.heap = new Float64Array(3 * size);
  }
}

/**
 * Encodes the piece `buf[start, end)` (at least one byte) into ranks, appended to `out` when it is
 * not null. Returns the number of tokens.
 */
export function encodePiece(index: RankIndex, scratch: BpeScratch, buf: Uint8Array, start: number, end: number, out: number[] | null): number {
  const n = end - start;
  if (n === 1) {
    if (out) out.push(index.byteRank[buf[start]!]!);
    return 1;
  }
  const whole = index.rank(buf, start, end);
  if (whole >= 0) {
    if (out) out.push(whole);
    return 1;
  }
  const count = n <= HEAP_THRESHOLD ? mergeSmall(index, scratch, buf, start, n) : mergeHeap(index, scratch, buf, start, n);
  if (out) {
    const result = scratch.result;
    for (let i = 0; i < count; i++) out.push(result[i]!);
  }
  return count;
}

/** The reference's loop: find the lowest-ranked pair, merge it, update its two neighbours. */
function mergeSmall(index: RankIndex, scratch: BpeScratch, buf: Uint8Array, s: number, n: number): number {
  const { starts, pairs, parts } = scratch;
  const byteRank = index.byteRank;
  const pairRank = index.pairRank;
  for (let i = 0; i < n; i++) {
    starts[i] = s + i;
    parts[i] = byteRank[buf[s + i]!]!;
  }
  starts[n] = s + n;
  for (let i = 0; i < n - 1; i++) {
    const r = pairRank[(buf[s + i]! << 8) | buf[s + i + 1]!]!;
    pairs[i] = r < 0 ? NONE : r;
  }
  let m = n;
  while (m > 1) {
    let min = NONE;
    let at = -1;
    for (let i = 0; i < m - 1; i++) {
      const r = pairs[i]!;
      if (r < min) {
        min = r;
        at = i;
      }
    }
    if (at < 0) break;
    // Part `at` absorbs part `at + 1`.
    parts[at] = min;
    for (let i = at + 1; i < m - 1; i++) {
      starts[i] = starts[i + 1]!;
      parts[i] = parts[i + 1]!;
      pairs[i] = pairs[i + 1]!;
    }
    starts[m - 1] = starts[m]!;
    m--;
    if (at < m - 1) {
      const r = index.merged(min, parts[at + 1]!, buf, starts[at]!, starts[at + 2]!);
      pairs[at] = r < 0 ? NONE : r;
    }
    if (at > 0) {
      const r = index.merged(parts[at - 1]!, min, buf, starts[at - 1]!, starts[at + 1]!);
      pairs[at - 1] = r < 0 ? NONE : r;
    }
  }
  const result = scratch.result;
  for (let i = 0; i < m; i++) result[i] = parts[i]!;
  return m;
}

/**
 * The same merge order in O(n log n): parts are a doubly linked list over byte positions, candidate
 * pairs sit in a min-heap keyed by (rank, position); an entry is stale when the pair that starts at
 * its position no longer has its rank (pairs only grow, so a rank never comes back).
 */
function mergeHeap(index: RankIndex, scratch: BpeScratch, buf: Uint8Array, s: number, n: number): number {
  scratch.ensureHeap(n + 1);
  const { next, prev, pairs, parts, heap, result } = scratch;
  const byteRank = index.byteRank;
  const pairRank = index.pairRank;
  let size = 0;
  for (let i = 0; i < n; i++) {
    next[i] = i + 1;
    prev[i] = i - 1;
    parts[i] = byteRank[buf[s + i]!]!;
    const r = i < n - 1 ? pairRank[(buf[s + i]! << 8) | buf[s + i + 1]!]! : -1;
    if (r < 0) {
      pairs[i] = NONE;
    } else {
      pairs[i] = r;
      size = heapPush(heap, size, r * POS_SCALE + i);
    }
  }
  while (size > 0) {
    const key = heap[0]!;
    size = heapPop(heap, size);
    const r = Math.floor(key / POS_SCALE);
    const i = key - r * POS_SCALE;
    if (pairs[i] !== r) continue;
    const j = next[i]!;
    const k = next[j]!;
    parts[i] = r;
    next[i] = k;
    if (k < n) prev[k] = i;
    pairs[j] = NONE;
    if (k < n) {
      const rr = index.merged(r, parts[k]!, buf, s + i, s + next[k]!);
      pairs[i] = rr < 0 ? NONE : rr;
      if (rr >= 0) size = heapPush(heap, size, rr * POS_SCALE + i);
    } else {
      pairs[i] = NONE;
    }
    const p = prev[i]!;
    if (p >= 0) {
      const rr = index.merged(parts[p]!, r, buf, s + p, s + k);
      pairs[p] = rr < 0 ? NONE : rr;
      if (rr >= 0) size = heapPush(heap, size, rr * POS_SCALE + p);
    }
  }
  let count = 0;
  for (let i = 0; i < n; i = next[i]!) result[count++] = parts[i]!;
  return count;
}

function heapPush(heap: Float64Array, size: number, key: number): number {
  let i = size;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const pk = heap[parent]!;
    if (pk <= key) break;
    heap[i] = pk;
    i = parent;
  }
  heap[i] = key;
  return size + 1;
}

/** Removes the minimum (heap[0]); returns the new size. */
function heapPop(heap: Float64Array, size: number): number {
  const last = heap[--size]!;
  let i = 0;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= size) break;
    if (child + 1 < size && heap[child + 1]! < heap[child]!) child++;
    if (heap[child]! >= last) break;
    heap[i] = heap[child]!;
    i = child;
  }
  heap[i] = last;
  return size;
}
