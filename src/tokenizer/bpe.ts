/**
 * Byte-pair encoding of one piece, with the reference's exact merge order: repeatedly merge the
 * adjacent pair of parts whose concatenated bytes have the lowest rank, the leftmost pair on ties.
 * A piece that is one token is looked up directly. Short pieces use the reference's own quadratic
 * loop (fastest for a few dozen bytes); long pieces keep the parts in a doubly linked list and pick
 * the next pair in O(log n) with a tournament tree (ASCII runs) or a binary heap (multi-byte text),
 * both keyed by (rank, position), so they merge in exactly the reference's order. Browser-safe.
 *
 * @packageDocumentation
 */
import type { IdSink } from "./id-sink.js";
import type { RankIndex } from "./rank-index.js";

/** Pieces up to this many bytes use the quadratic loop; longer ones a tree or a heap. */
export const LONG_PIECE = 32;

const NONE = 0x7fffffff;
/** Tree and heap keys are `rank * 2^32 + position`: exact in a double since ranks are below 2^21. */
const POS_SCALE = 4294967296;

/** Scratch arrays reused across pieces (one set per tokenizer; encoding is synchronous). */
export class BpeScratch {
  starts = new Int32Array(LONG_PIECE + 1);
  pairs = new Int32Array(LONG_PIECE + 1);
  parts = new Int32Array(LONG_PIECE + 1);
  /** The ranks of the last merged piece. */
  result = new Int32Array(LONG_PIECE + 1);
  next = new Int32Array(0);
  prev = new Int32Array(0);
  tree = new Float64Array(0);
  heap = new Float64Array(0);

  /**
   * Makes the long-piece arrays hold `n` parts and lays out the tournament tree's levels for `n`
   * leaves: level 0 is the leaves, each level above has one key per block of 8, the last is the root.
   */
  ensureTree(n: number): { levelStart: Int32Array; count: number } {
    const levelStart = new Int32Array(10);
    let count = 0;
    let at = 0;
    let width = n;
    for (;;) {
      levelStart[count++] = at;
      const padded = width === 1 ? 1 : (width + 7) & ~7;
      at += padded;
      if (width === 1) break;
      width = padded >> 3;
    }
    levelStart[count] = at;
    if (this.next.length < n) {
      const size = Math.max(n, this.next.length * 2);
      this.next = new Int32Array(size);
      this.prev = new Int32Array(size);
      this.parts = new Int32Array(Math.max(size, this.parts.length));
      this.result = new Int32Array(Math.max(size, this.result.length));
    }
    if (this.tree.length < at) this.tree = new Float64Array(Math.max(at, this.tree.length * 2));
    // The heap path: every merge pushes at most two entries and stale ones stay until popped.
    if (this.heap.length < 3 * n) this.heap = new Float64Array(Math.max(3 * n, this.heap.length * 2));
    if (this.pairs.length < n) this.pairs = new Int32Array(Math.max(n, this.pairs.length * 2));
    if (this.starts.length < n + 1) this.starts = new Int32Array(Math.max(n + 1, this.starts.length * 2));
    return { levelStart, count };
  }
}

/**
 * Encodes the piece `buf[start, end)` (at least one byte) into ranks, appended to `out` when it is
 * not null. Returns the number of tokens.
 */
export function encodePiece(index: RankIndex, scratch: BpeScratch, buf: Uint8Array, start: number, end: number, out: IdSink | null): number {
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
  let count: number;
  if (n <= LONG_PIECE) count = mergeSmall(index, scratch, buf, start, n);
  // Long pieces are one class of characters: the middle byte tells ASCII runs from multi-byte text.
  else if (buf[start + (n >> 1)]! < 0x80) count = mergeTree(index, scratch, buf, start, n);
  else count = mergeHeap(index, scratch, buf, start, n);
  if (out) {
    const result = scratch.result;
    for (let i = 0; i < count; i++) out.push(result[i]!);
  }
  return count;
}

/** The reference's loop: find the lowest-ranked pair, merge it, update its two neighbours. */
export function mergeSmall(index: RankIndex, scratch: BpeScratch, buf: Uint8Array, s: number, n: number): number {
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
 * The same merge order in O(n log n) with a tournament tree: the pair that starts at each position
 * has a key `rank * 2^32 + position` (Infinity when there is none) in the leaves of an 8-ary min
 * tree, so the root is always the pair to merge next. A merge changes at most three leaves; each
 * update climbs only while a block's minimum changes, reading one 64-byte block of 8 keys a level.
 * Best on runs of ASCII (spaces, punctuation, letters), whose merges sweep along the piece in waves
 * of equal rank, so successive updates share their paths.
 */
export function mergeTree(index: RankIndex, scratch: BpeScratch, buf: Uint8Array, s: number, n: number): number {
  const levels = scratch.ensureTree(n);
  const { next, prev, parts, tree, result } = scratch;
  const byteRank = index.byteRank;
  const pairRank = index.pairRank;
  for (let i = 0; i < n; i++) {
    next[i] = i + 1;
    prev[i] = i - 1;
    parts[i] = byteRank[buf[s + i]!]!;
    const r = i < n - 1 ? pairRank[(buf[s + i]! << 8) | buf[s + i + 1]!]! : -1;
    tree[i] = r < 0 ? Infinity : r * POS_SCALE + i;
  }
  // Level l starts at levelStart[l] and holds a multiple of 8 keys; the padding is Infinity.
  const { levelStart, count: depth } = levels;
  tree.fill(Infinity, n, levelStart[1]!);
  for (let l = 1; l < depth; l++) {
    const from = levelStart[l - 1]!;
    const to = levelStart[l]!;
    const end = levelStart[l + 1]!;
    let o = to;
    for (let b = from; b < to; b += 8) tree[o++] = min8(tree, b);
    tree.fill(Infinity, o, end);
  }
  const root = levelStart[depth - 1]!;
  for (;;) {
    const key = tree[root]!;
    if (key === Infinity) break;
    const r = Math.floor(key / POS_SCALE);
    let i = key - r * POS_SCALE;
    // A wave: while the next pair to the right has the same rank r and the merge created no key
    // below it, that pair is the next global minimum (every other key was above (r, i), and the
    // only position between i and it, j, is gone), so merge it at once, writing only leaves, and
    // repair the tree over the touched range afterwards. Runs of spaces or punctuation merge in a
    // few such waves.
    let lo = i;
    let hi = i;
    for (;;) {
      const j = next[i]!;
      const k = next[j]!;
      parts[i] = r;
      next[i] = k;
      if (k < n) prev[k] = i;
      tree[j] = Infinity;
      const ri = k < n ? index.merged(r, parts[k]!, buf, s + i, s + next[k]!) : -1;
      tree[i] = ri < 0 ? Infinity : ri * POS_SCALE + i;
      const p = prev[i]!;
      let rp = -1;
      if (p >= 0) {
        rp = index.merged(parts[p]!, r, buf, s + p, s + k);
        tree[p] = rp < 0 ? Infinity : rp * POS_SCALE + p;
        if (p < lo) lo = p;
      }
      if (j > hi) hi = j;
      if (k < n && tree[k] === r * POS_SCALE + k && (ri < 0 || ri > r) && (rp < 0 || rp > r)) i = k;
      else break;
    }
    repairRange(tree, levelStart, depth, lo, hi);
  }
  let count = 0;
  for (let i = 0; i < n; i = next[i]!) result[count++] = parts[i]!;
  return count;
}

/** The minimum of the 8 keys at `b`. */
function min8(tree: Float64Array, b: number): number {
  let m = tree[b]!;
  for (let c = b + 1; c < b + 8; c++) {
    const v = tree[c]!;
    if (v < m) m = v;
  }
  return m;
}

/** Recomputes the block minima above leaves `lo..hi`. */
function repairRange(tree: Float64Array, levelStart: Int32Array, depth: number, lo: number, hi: number): void {
  for (let l = 1; l < depth; l++) {
    lo >>= 3;
    hi >>= 3;
    const below = levelStart[l - 1]!;
    const at = levelStart[l]!;
    for (let b = lo; b <= hi; b++) tree[at + b] = min8(tree, below + (b << 3));
  }
}

/**
 * The same merge order in O(n log n) with a binary heap: parts are a doubly linked list over byte
 * positions, candidate pairs sit in a min-heap keyed by `rank * 2^32 + position`; an entry is stale
 * when the pair that starts at its position no longer has its rank (pairs only grow, so a rank never
 * comes back). Best on pieces whose merges happen all over at once (CJK, other multi-byte scripts).
 */
export function mergeHeap(index: RankIndex, scratch: BpeScratch, buf: Uint8Array, s: number, n: number): number {
  scratch.ensureTree(n);
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
