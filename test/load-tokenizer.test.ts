/**
 * loadTokenizer: finding tiktoken.model the way findModelFiles does, and clear errors.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KimiK2Error } from "../src/errors.js";
import { loadTokenizer } from "../src/index.js";
import { modelDir } from "./helpers/shared.js";
import { tokenizer } from "./helpers/tokenizers.js";

async function rejection(p: Promise<unknown>): Promise<KimiK2Error> {
  try {
    await p;
  } catch (e) {
    if (KimiK2Error.isInstance(e)) return e;
    throw e;
  }
  throw new Error("expected a KimiK2Error");
}

describe("loadTokenizer", () => {
  it("takes a checkpoint directory path", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "kimi-k2-load-"));
    process.env.KIMI_K2_CACHE_DIR = cacheDir;
    try {
      expect((await loadTokenizer(modelDir())).count("Kimi K2")).toBe(tokenizer().count("Kimi K2"));
    } finally {
      delete process.env.KIMI_K2_CACHE_DIR;
    }
  });

  it("takes a checkpoint directory", async () => {
    const tok = await loadTokenizer({ dir: modelDir(), cacheDir: false });
    expect(tok.decode(tok.encode("Kimi K2"))).toBe("Kimi K2");
    expect(tok.vocabulary.size).toBe(163_584);
  });

  it("takes findModelFiles options: KIMI_K2_MODEL_DIR in the given environment", async () => {
    const tok = await loadTokenizer({ env: { KIMI_K2_MODEL_DIR: modelDir() }, cacheDir: false });
    expect(tok.encode(" hello")).toHaveLength(1);
  });

  it("takes an explicit vocabulary path", async () => {
    const tok = await loadTokenizer({ paths: { vocabulary: join(modelDir(), "tiktoken.model") }, env: {}, cacheDir: false });
    expect(tok.count("abc")).toBe(1);
  });

  it("a directory without tiktoken.model is model_files_not_found, naming the file", async () => {
    const empty = mkdtempSync(join(tmpdir(), "kimi-k2-load-"));
    const error = await rejection(loadTokenizer({ dir: empty, cacheDir: false }));
    expect(error.code).toBe("model_files_not_found");
    expect(error.message).toContain("tiktoken.model");
  });

  it("another vocabulary is vocab_mismatch", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kimi-k2-load-"));
    writeFileSync(join(dir, "tiktoken.model"), `${Buffer.from("a").toString("base64")} 0\n`);
    expect((await rejection(loadTokenizer({ dir, cacheDir: false }))).code).toBe("vocab_mismatch");
  });
});
