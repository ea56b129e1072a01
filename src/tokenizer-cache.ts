/**
 * The tokenizer's binary cache. Node only.
 *
 * Parsing `tiktoken.model` (2.8 MB of base64) and hashing its 163,584 tokens is most of a cold
 * load; the cache stores the result (token bytes, offsets and the rank index's hash table, 3.9 MB)
 * so the next process maps it back in a few milliseconds. A cache file is named after the source
 * file's path, size and modification time, carries a SHA-256 of its contents, and is ignored
 * (rebuilt) when anything does not match. It is derived from the model file: it lives in a user
 * cache directory, never in the project.
 *
 * @packageDocumentation
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { NUM_BASE_RANKS } from "./special-tokens.js";
import { RankIndex } from "./tokenizer/rank-index.js";
import { Tokenizer, rankIndexOf } from "./tokenizer/tokenizer.js";

const MAGIC = 0x54324b4b; // "KK2T" little-endian
/** Bump when the layout or the rank index's hashing changes. */
const FORMAT_VERSION = 1;
const HEADER = 56;

/** The default cache directory: `KIMI_K2_CACHE_DIR`, else `$XDG_CACHE_HOME/kimi-k2-toolkit`, else `~/.cache/kimi-k2-toolkit`. */
export function defaultTokenizerCacheDir(env: Record<string, string | undefined> = process.env): string {
  if (env.KIMI_K2_CACHE_DIR) return resolve(env.KIMI_K2_CACHE_DIR);
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), ".cache"), "kimi-k2-toolkit");
}

/** The cache file for a vocabulary file, from its path, size and modification time. */
export async function tokenizerCachePath(cacheDir: string, vocabularyPath: string): Promise<string> {
  const st = await stat(vocabularyPath);
  const key = createHash("sha256").update(`${FORMAT_VERSION}\0${resolve(vocabularyPath)}\0${st.size}\0${st.mtimeMs}`).digest("hex").slice(0, 24);
  return join(cacheDir, `tiktoken-${key}.kk2cache`);
}

/** Serializes a tokenizer's vocabulary and rank index. */
export function serializeTokenizer(tokenizer: Tokenizer): Uint8Array {
  const { size, data, offsets } = tokenizer.vocabulary;
  const slots = rankIndexOf(tokenizer).hashSlots;
  const payload = 4 * (size + 1) + 4 * slots.length + data.length;
  const out = new Uint8Array(HEADER + payload);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, FORMAT_VERSION, true);
  view.setUint32(8, size, true);
  view.setUint32(12, data.length, true);
  view.setUint32(16, slots.length, true);
  let at = HEADER;
  out.set(new Uint8Array(offsets.buffer, offsets.byteOffset, offsets.byteLength), at);
  at += offsets.byteLength;
  out.set(new Uint8Array(slots.buffer, slots.byteOffset, slots.byteLength), at);
  at += slots.byteLength;
  out.set(data, at);
  out.set(createHash("sha256").update(out.subarray(HEADER)).digest(), 24);
  return out;
}

/** Rebuilds a tokenizer from {@link serializeTokenizer}'s bytes; `undefined` when they are not a valid cache. */
export function deserializeTokenizer(bytes: Uint8Array): Tokenizer | undefined {
  if (bytes.length < HEADER || bytes.byteOffset % 4 !== 0) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC || view.getUint32(4, true) !== FORMAT_VERSION) return undefined;
  const size = view.getUint32(8, true);
  const dataLength = view.getUint32(12, true);
  const slotCount = view.getUint32(16, true);
  if (size !== NUM_BASE_RANKS || bytes.length !== HEADER + 4 * (size + 1) + 4 * slotCount + dataLength) return undefined;
  const digest = createHash("sha256").update(bytes.subarray(HEADER)).digest();
  if (!digest.equals(bytes.subarray(24, 56))) return undefined;
  const base = bytes.byteOffset + HEADER;
  const offsets = new Uint32Array(bytes.buffer, base, size + 1);
  const slots = new Int32Array(bytes.buffer, base + 4 * (size + 1), slotCount);
  const data = bytes.subarray(HEADER + 4 * (size + 1) + 4 * slotCount);
  if (offsets[0] !== 0 || offsets[size] !== dataLength) return undefined;
  const vocabulary = { size, data, offsets };
  try {
    return new Tokenizer(vocabulary, new RankIndex(vocabulary, slots));
  } catch {
    return undefined;
  }
}

/** Reads a cache file; `undefined` when it is missing, unreadable or invalid. */
export async function readTokenizerCache(path: string): Promise<Tokenizer | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch {
    return undefined;
  }
  // Typed-array views need 4-byte alignment; a pooled small Buffer might not have it.
  if (bytes.byteOffset % 4 !== 0) bytes = bytes.slice();
  return deserializeTokenizer(bytes);
}

/**
 * Writes a cache file atomically (a temporary file renamed into place, so concurrent processes
 * never read half a file). Failures (read-only or full disk) are ignored: the cache is optional.
 */
export async function writeTokenizerCache(path: string, tokenizer: Tokenizer): Promise<boolean> {
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    await mkdir(join(path, ".."), { recursive: true });
    await writeFile(temp, serializeTokenizer(tokenizer));
    await rename(temp, path);
    return true;
  } catch {
    await unlink(temp).catch(() => undefined);
    return false;
  }
}
