/**
 * Loading the tokenizer from a checkpoint's `tiktoken.model`, through the binary cache. Node only.
 *
 * @packageDocumentation
 */
import { findModelFiles, loadVocabularyFile, requireModelFile, type ModelFilesOptions } from "./model-files.js";
import { defaultTokenizerCacheDir, readTokenizerCache, tokenizerCachePath, writeTokenizerCache } from "./tokenizer-cache.js";
import { createTokenizer, type Tokenizer } from "./tokenizer/tokenizer.js";

/** Where to find the vocabulary (the options of `findModelFiles`), and where to cache it. */
export interface LoadTokenizerOptions extends ModelFilesOptions {
  /**
   * The binary cache directory (see the README's Tokenizer section), or `false` for no cache.
   * Default: `KIMI_K2_CACHE_DIR`, else `$XDG_CACHE_HOME/kimi-k2-toolkit`, else `~/.cache/kimi-k2-toolkit`.
   */
  cacheDir?: string | false;
}

/**
 * Loads the Kimi K2 tokenizer from a checkpoint directory (a path), or from wherever
 * `findModelFiles` finds `tiktoken.model` (`{ dir }`, explicit `paths`, `KIMI_K2_MODEL_DIR`, the
 * Hugging Face cache). The first load parses the file and writes a binary cache; later loads read
 * the cache (about twice as fast). A stale or damaged cache is ignored and rewritten.
 *
 * @throws {@link KimiK2Error} `model_files_not_found`, `vocab_malformed` or `vocab_mismatch`.
 */
export async function loadTokenizer(modelDirOrOptions?: string | LoadTokenizerOptions): Promise<Tokenizer> {
  const options: LoadTokenizerOptions = typeof modelDirOrOptions === "string" ? { dir: modelDirOrOptions } : (modelDirOrOptions ?? {});
  const path = requireModelFile(findModelFiles(options), "vocabulary");
  const cacheDir = options.cacheDir === false ? undefined : (options.cacheDir ?? defaultTokenizerCacheDir(options.env ?? process.env));
  let cachePath: string | undefined;
  if (cacheDir !== undefined) {
    try {
      cachePath = await tokenizerCachePath(cacheDir, path);
    } catch {
      cachePath = undefined;
    }
    const cached = cachePath === undefined ? undefined : await readTokenizerCache(cachePath);
    if (cached) return cached;
  }
  const tokenizer = createTokenizer(await loadVocabularyFile(path));
  if (cachePath !== undefined) await writeTokenizerCache(cachePath, tokenizer);
  return tokenizer;
}
