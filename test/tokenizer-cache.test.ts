/**
 * The binary cache: written on a first load, read on the next, ignored when stale or damaged.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTokenizer } from "../src/load-tokenizer.js";
import { deserializeTokenizer, readTokenizerCache, serializeTokenizer, tokenizerCachePath } from "../src/tokenizer-cache.js";
import { rankIndexOf } from "../src/tokenizer/tokenizer.js";
import { modelDir } from "./helpers/shared.js";
import { tokenizer } from "./helpers/tokenizers.js";

/** True when two typed arrays hold the same bytes. */
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

const tmp = (): string => mkdtempSync(join(tmpdir(), "kimi-k2-cache-"));
const SAMPLE = "Kimi K2 的分词器 🦀 tokenizes   this\r\n<|im_end|> 12345";

describe("tokenizer binary cache", () => {
  it("serialize / deserialize gives the same vocabulary, hash table and ids", () => {
    const again = deserializeTokenizer(serializeTokenizer(tokenizer()))!;
    expect(again).toBeDefined();
    expect(again.vocabulary.size).toBe(tokenizer().vocabulary.size);
    // Byte comparisons: toEqual walks millions of typed-array elements one by one (seconds).
    expect(sameBytes(again.vocabulary.data, tokenizer().vocabulary.data)).toBe(true);
    expect(sameBytes(again.vocabulary.offsets, tokenizer().vocabulary.offsets)).toBe(true);
    expect(sameBytes(rankIndexOf(again).hashSlots, rankIndexOf(tokenizer()).hashSlots)).toBe(true);
    expect(again.encode(SAMPLE)).toEqual(tokenizer().encode(SAMPLE));
  });

  it("rejects a damaged, truncated or foreign file", () => {
    const bytes = serializeTokenizer(tokenizer());
    const flipped = bytes.slice();
    flipped[bytes.length - 1000] = flipped[bytes.length - 1000]! ^ 1;
    expect(deserializeTokenizer(flipped)).toBeUndefined();
    expect(deserializeTokenizer(bytes.slice(0, bytes.length - 4))).toBeUndefined();
    const magic = bytes.slice();
    magic[0] = 0;
    expect(deserializeTokenizer(magic)).toBeUndefined();
    expect(deserializeTokenizer(new Uint8Array(10))).toBeUndefined();
  });

  it("the first load writes the cache, the next one reads it", async () => {
    const cacheDir = tmp();
    const first = await loadTokenizer({ dir: modelDir(), cacheDir });
    const path = await tokenizerCachePath(cacheDir, join(modelDir(), "tiktoken.model"));
    expect(existsSync(path)).toBe(true);
    expect(await readTokenizerCache(path)).toBeDefined();
    const second = await loadTokenizer({ dir: modelDir(), cacheDir });
    expect(second.vocabulary.data.buffer.byteLength).toBe(readFileSync(path).length); // a view into the cache file
    expect(second.encode(SAMPLE)).toEqual(first.encode(SAMPLE));
  });

  it("a damaged cache file is ignored and rewritten", async () => {
    const cacheDir = tmp();
    await loadTokenizer({ dir: modelDir(), cacheDir });
    const path = await tokenizerCachePath(cacheDir, join(modelDir(), "tiktoken.model"));
    writeFileSync(path, "not a cache");
    const tok = await loadTokenizer({ dir: modelDir(), cacheDir });
    expect(tok.encode(SAMPLE)).toEqual(tokenizer().encode(SAMPLE));
    expect(await readTokenizerCache(path)).toBeDefined();
  });

  it("a vocabulary file with a new modification time gets a new cache file", async () => {
    const dir = tmp();
    const cacheDir = tmp();
    copyFileSync(join(modelDir(), "tiktoken.model"), join(dir, "tiktoken.model"));
    await loadTokenizer({ dir, cacheDir });
    const before = await tokenizerCachePath(cacheDir, join(dir, "tiktoken.model"));
    utimesSync(join(dir, "tiktoken.model"), new Date(2_000_000_000_000), new Date(2_000_000_000_000));
    const after = await tokenizerCachePath(cacheDir, join(dir, "tiktoken.model"));
    expect(after).not.toBe(before);
    await loadTokenizer({ dir, cacheDir });
    expect(readdirSync(cacheDir).sort()).toEqual([before, after].map((p) => p.slice(cacheDir.length + 1)).sort());
  });

  it("cacheDir: false writes nothing; KIMI_K2_CACHE_DIR picks the default directory", async () => {
    const cacheDir = tmp();
    await loadTokenizer({ dir: modelDir(), cacheDir: false, env: { KIMI_K2_CACHE_DIR: cacheDir } });
    expect(readdirSync(cacheDir)).toEqual([]);
    await loadTokenizer({ dir: modelDir(), env: { KIMI_K2_CACHE_DIR: cacheDir } });
    expect(readdirSync(cacheDir)).toHaveLength(1);
  });

  it("an unwritable cache directory does not fail the load", async () => {
    const file = join(tmp(), "a-file");
    writeFileSync(file, "");
    const tok = await loadTokenizer({ dir: modelDir(), cacheDir: join(file, "sub") });
    expect(tok.encode(SAMPLE)).toEqual(tokenizer().encode(SAMPLE));
  });
});
