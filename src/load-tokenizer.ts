/**
 * Loading the tokenizer from a checkpoint's `tiktoken.model`. Node only.
 *
 * @packageDocumentation
 */
import { readFile } from "node:fs/promises";
import { KimiK2Error } from "./errors.js";
import { HOW_TO_GET_MODEL_FILES, findModelFiles, requireModelFile, type ModelFilesOptions } from "./model-files.js";
import { createTokenizer, type Tokenizer } from "./tokenizer/tokenizer.js";

/** Where to find the vocabulary: the same options as `findModelFiles`. */
export type LoadTokenizerOptions = ModelFilesOptions;

/**
 * Loads the Kimi K2 tokenizer from a checkpoint directory (a path), or from wherever
 * `findModelFiles` finds `tiktoken.model` (`{ dir }`, explicit `paths`, `KIMI_K2_MODEL_DIR`, the
 * Hugging Face cache). Takes about 0.1 s.
 *
 * @throws {@link KimiK2Error} `model_files_not_found`, `vocab_malformed` or `vocab_mismatch`.
 */
export async function loadTokenizer(modelDirOrOptions?: string | LoadTokenizerOptions): Promise<Tokenizer> {
  const options: ModelFilesOptions = typeof modelDirOrOptions === "string" ? { dir: modelDirOrOptions } : (modelDirOrOptions ?? {});
  const path = requireModelFile(findModelFiles(options), "vocabulary");
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new KimiK2Error("model_files_not_found", `cannot read ${path}: ${(cause as Error).message}. ${HOW_TO_GET_MODEL_FILES}`, {
      cause,
      details: { path },
    });
  }
  return createTokenizer(bytes);
}
