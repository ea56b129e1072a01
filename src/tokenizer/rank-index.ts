/**
 * Byte string -> rank lookup for the vocabulary: an open-addressing hash table over the token bytes
 * the {@link Vocabulary} already holds (no string per token, no per-token object), plus direct
 * tables for one- and two-byte tokens. Browser-safe.
 *
 * @packageDocumentation
 */
import type { Vocabulary } from "./vocab.js";

/** FNV-1a offset basis and prime (32-bit). */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Slots hold rank + 1 in the low 18 bits (ranks are below 2^18 - 1) and a hash tag above. */
const RANK_BITS = 18;
const RANK_MASK = (1 << RANK_BITS) - 1;
/** The tag is the hash's top 13 bits, so a slot stays a positive int32. */
const TAG_SHIFT = 32 - (31 - RANK_BITS);
const MEMO_BITS = 14;
const MEMO_SIZE = 1 << MEMO_BITS;

/** Rank lookup over a vocabulary. */
export class RankIndex {
  /** The vocabulary's token bytes, concatenated in rank order. */
  readonly data: Uint8Array;
  /** `size + 1` offsets into {@link RankIndex.data}. */
  readonly offsets: Uint32Array;
  /** The rank of each single byte. */
  readonly byteRank: Int32Array;
  /** The rank of each two-byte token, indexed by `b0 << 8 | b1`; -1 when the pair is not a token. */
  readonly pairRank: Int32Array;
  /** The length of the longest token: longer byte strings are not looked up. */
  readonly maxTokenLength: number;
  private readonly slots: Int32Array;
  private readonly mask: number;
  // A direct-mapped memo of merge lookups, keyed by the two parts' ranks: BPE asks for the same
  // pairs again and again, and two integer compares beat hashing and comparing the bytes.
  private readonly memoLeft = new Int32Array(MEMO_SIZE).fill(-1);
  private readonly memoRight = new Int32Array(MEMO_SIZE);
  private readonly memoRank = new Int32Array(MEMO_SIZE);

  /**
   * Indexes a vocabulary. `slots` is a hash table this class built for the same vocabulary before
   * (see {@link RankIndex.hashSlots}; the binary cache stores it), which saves hashing every token.
   */
  constructor(vocab: Vocabulary, slots?: Int32Array) {
    this.data = vocab.data;
    this.offsets = vocab.offsets;
    const { data, offsets, size } = vocab;
    this.byteRank = new Int32Array(256).fill(-1);
    this.pairRank = new Int32Array(65536).fill(-1);
    if (size >= RANK_MASK) throw new Error(`internal: ${size} ranks do not fit the rank index`);
    let capacity = 1024;
    while (capacity < size * 3) capacity <<= 1;
    if (slots !== undefined && slots.length !== capacity) throw new Error("internal: a rank index's slots do not fit this vocabulary");
    // Slot value: (tag << 18) | (rank + 1), 0 = empty, where the tag is 13 bits of the hash that
    // the slot index does not use: most probes of a miss (common in BPE) stop at the tag without
    // touching the token bytes. Load factor <= 1/3 keeps probe sequences short.
    const table = slots ?? new Int32Array(capacity);
    const mask = capacity - 1;
    let maxLen = 0;
    for (let r = 0; r < size; r++) {
      const start = offsets[r]!;
      const end = offsets[r + 1]!;
      const len = end - start;
      if (len > maxLen) maxLen = len;
      if (len === 1) this.byteRank[data[start]!] = r;
      else if (len === 2) this.pairRank[(data[start]! << 8) | data[start + 1]!] = r;
      if (slots !== undefined) continue;
      let h = FNV_OFFSET;
      for (let i = start; i < end; i++) h = Math.imul(h ^ data[i]!, FNV_PRIME);
      let slot = (h ^ (h >>> 16)) & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = ((h >>> TAG_SHIFT) << RANK_BITS) | (r + 1);
    }
    for (let b = 0; b < 256; b++) {
      if (this.byteRank[b]! < 0) throw new Error(`internal: the vocabulary has no token for byte ${b}`);
    }
    this.slots = table;
    this.mask = mask;
    this.maxTokenLength = maxLen;
  }

  /** The hash table (for the binary cache: pass it back to the constructor with the same vocabulary). */
  get hashSlots(): Int32Array {
    return this.slots;
  }

  /** The rank of the byte string `buf[start, end)`, or -1 when it is not a token. */
  rank(buf: Uint8Array, start: number, end: number): number {
    const len = end - start;
    if (len <= 2) return len === 2 ? this.pairRank[(buf[start]! << 8) | buf[start + 1]!]! : len === 1 ? this.byteRank[buf[start]!]! : -1;
    if (len > this.maxTokenLength) return -1;
    let h = FNV_OFFSET;
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, FNV_PRIME);
    const { slots, mask, data, offsets } = this;
    let slot = (h ^ (h >>> 16)) & mask;
    const tag = h >>> TAG_SHIFT;
    for (;;) {
      const v = slots[slot]!;
      if (v === 0) return -1;
      if (v >>> RANK_BITS === tag) {
        const r = (v & RANK_MASK) - 1;
        const ts = offsets[r]!;
        if (offsets[r + 1]! - ts === len) {
          let i = 0;
          while (i < len && data[ts + i] === buf[start + i]) i++;
          if (i === len) return r;
        }
      }
      slot = (slot + 1) & mask;
    }
  }

  /**
   * The rank of the concatenation of two adjacent tokens, `left` = `buf[start, mid)` and `right` =
   * `buf[mid, end)`, or -1 when it is not a token.
   */
  merged(left: number, right: number, buf: Uint8Array, start: number, end: number): number {
    const slot = (Math.imul(left, 0x9e3779b1) ^ Math.imul(right, 0x85ebca77)) >>> (32 - MEMO_BITS);
    if (this.memoLeft[slot] === left && this.memoRight[slot] === right) return this.memoRank[slot]!;
    const r = this.rank(buf, start, end);
    this.memoLeft[slot] = left;
    this.memoRight[slot] = right;
    this.memoRank[slot] = r;
    return r;
  }
}
