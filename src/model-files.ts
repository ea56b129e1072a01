/**
 * Finding and reading a checkpoint's small files (`tiktoken.model`, `chat_template.jinja`,
 * `tokenizer_config.json`). Node only.
 *
 * Search order: paths or a directory given by the caller; `KIMI_K2_MODEL_DIR`; the Hugging Face
 * cache (`$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`, then
 * `models--moonshotai--Kimi-K2-Instruct-0905/snapshots/<revision>/`). Nothing is downloaded unless
 * the caller asks ({@link downloadModelFiles}).
 *
 * @packageDocumentation
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { KimiK2Error } from "./errors.js";
import { parseTiktokenModel, type Vocabulary } from "./tokenizer/vocab.js";

/** The Hugging Face repository of the model. */
export const DEFAULT_REPO_ID = "moonshotai/Kimi-K2-Instruct-0905";

/** The file names this library reads from a checkpoint. */
export const MODEL_FILE_NAMES = {
  vocabulary: "tiktoken.model",
  chatTemplate: "chat_template.jinja",
  tokenizerConfig: "tokenizer_config.json",
} as const;

/** Which checkpoint file. */
export type ModelFileKind = keyof typeof MODEL_FILE_NAMES;

/** Where to look for model files. Every field is optional. */
export interface ModelFilesOptions {
  /** A checkpoint directory (holding `tiktoken.model` and friends). */
  dir?: string;
  /** Explicit file paths; each wins over `dir` for its file. */
  paths?: Partial<Record<ModelFileKind, string>>;
  /** Environment to read `KIMI_K2_MODEL_DIR`, `HF_HUB_CACHE`, `HF_HOME` from (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Hugging Face repository id (default {@link DEFAULT_REPO_ID}). */
  repoId?: string;
  /** Revision to look up in the Hugging Face cache: a branch, tag or commit (default `main`). */
  revision?: string;
}

/** Where the files were found. */
export interface ModelFiles {
  /** How the location was chosen. */
  source: "paths" | "dir" | "env" | "hf-cache";
  /** The directory searched (absent when only explicit paths were given). */
  dir: string | undefined;
  /** The path of each file that exists. */
  paths: Partial<Record<ModelFileKind, string>>;
}

/** Hugging Face's home directory for an environment: `HF_HOME`, else `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface`. */
export function hfHomeDir(env: Record<string, string | undefined> = process.env): string {
  if (env.HF_HOME) return resolve(env.HF_HOME);
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), ".cache"), "huggingface");
}

/** The Hugging Face hub cache directory for an environment. */
export function hfHubCacheDir(env: Record<string, string | undefined> = process.env): string {
  return env.HF_HUB_CACHE ? resolve(env.HF_HUB_CACHE) : join(hfHomeDir(env), "hub");
}

/** The cache folder of a repository: `models--{owner}--{name}`. */
export function hfRepoCacheDir(cacheDir: string, repoId: string = DEFAULT_REPO_ID): string {
  return join(cacheDir, `models--${repoId.replaceAll("/", "--")}`);
}

/**
 * The snapshot directory of a revision in the Hugging Face cache, if present: a commit hash is
 * used as is, a branch or tag is resolved through `refs/<revision>`.
 */
export function hfSnapshotDir(cacheDir: string, repoId: string = DEFAULT_REPO_ID, revision = "main"): string | undefined {
  const repoDir = hfRepoCacheDir(cacheDir, repoId);
  let commit = revision;
  const ref = join(repoDir, "refs", revision);
  if (existsSync(ref) && statSync(ref).isFile()) commit = readFileSync(ref, "utf8").trim();
  const snapshot = join(repoDir, "snapshots", commit);
  if (existsSync(snapshot)) return snapshot;
  // A single snapshot and no ref for this revision: an offline copy, use it.
  if (revision === "main" && !existsSync(ref)) {
    const snapshots = join(repoDir, "snapshots");
    if (existsSync(snapshots)) {
      const all = readdirSync(snapshots);
      if (all.length === 1) return join(snapshots, all[0]!);
    }
  }
  return undefined;
}

function filesIn(dir: string, explicit: Partial<Record<ModelFileKind, string>>): Partial<Record<ModelFileKind, string>> {
  const paths: Partial<Record<ModelFileKind, string>> = {};
  for (const kind of Object.keys(MODEL_FILE_NAMES) as ModelFileKind[]) {
    const given = explicit[kind];
    const candidate = given ? resolve(given) : join(dir, MODEL_FILE_NAMES[kind]);
    if (existsSync(candidate)) paths[kind] = candidate;
  }
  return paths;
}

/** A message that says how to get the model files; used by every "not found" error. */
export const HOW_TO_GET_MODEL_FILES =
  "Pass a checkpoint directory (--model-dir DIR or { dir }), set KIMI_K2_MODEL_DIR, " +
  "or fetch the small tokenizer files into the Hugging Face cache with `kimi-k2 download`.";

/**
 * Finds a checkpoint's files. Never downloads.
 *
 * @throws {@link KimiK2Error} `model_files_not_found` when a directory given by the caller does not
 *   exist, or when no location holds any of the files.
 */
export function findModelFiles(options: ModelFilesOptions = {}): ModelFiles {
  const env = options.env ?? process.env;
  const explicit = options.paths ?? {};
  for (const [kind, path] of Object.entries(explicit)) {
    if (path && !existsSync(path)) {
      throw new KimiK2Error("model_files_not_found", `${kind} file ${path} does not exist. ${HOW_TO_GET_MODEL_FILES}`, {
        details: { path },
      });
    }
  }
  if (options.dir !== undefined) {
    const dir = resolve(options.dir);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new KimiK2Error("model_files_not_found", `model directory ${dir} does not exist. ${HOW_TO_GET_MODEL_FILES}`, {
        details: { dir },
      });
    }
    return { source: "dir", dir, paths: filesIn(dir, explicit) };
  }
  const tried: string[] = [];
  const envDir = env.KIMI_K2_MODEL_DIR;
  if (envDir) {
    const dir = resolve(envDir);
    tried.push(`KIMI_K2_MODEL_DIR=${dir}`);
    if (existsSync(dir)) return { source: "env", dir, paths: filesIn(dir, explicit) };
  }
  const cache = hfHubCacheDir(env);
  const snapshot = hfSnapshotDir(cache, options.repoId, options.revision);
  tried.push(`the Hugging Face cache ${hfRepoCacheDir(cache, options.repoId)}`);
  if (snapshot) return { source: "hf-cache", dir: snapshot, paths: filesIn(snapshot, explicit) };
  if (Object.keys(explicit).length > 0) return { source: "paths", dir: undefined, paths: filesIn("", explicit) };
  throw new KimiK2Error("model_files_not_found", `no Kimi K2 model files found (tried ${tried.join(", ")}). ${HOW_TO_GET_MODEL_FILES}`);
}

/** The path of one file, or a clear error naming where it was looked for. */
export function requireModelFile(files: ModelFiles, kind: ModelFileKind): string {
  const path = files.paths[kind];
  if (path) return path;
  const where = files.dir ? `in ${files.dir}` : "among the given paths";
  throw new KimiK2Error("model_files_not_found", `${MODEL_FILE_NAMES[kind]} not found ${where}. ${HOW_TO_GET_MODEL_FILES}`, {
    details: { dir: files.dir, file: MODEL_FILE_NAMES[kind] },
  });
}

/**
 * Reads and parses a `tiktoken.model` file.
 *
 * @throws {@link KimiK2Error} `model_files_not_found`, `vocab_malformed` or `vocab_mismatch`.
 */
export async function loadVocabularyFile(path: string): Promise<Vocabulary> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new KimiK2Error("model_files_not_found", `cannot read ${path}: ${(cause as Error).message}. ${HOW_TO_GET_MODEL_FILES}`, {
      cause,
      details: { path },
    });
  }
  return parseTiktokenModel(bytes);
}

/**
 * Reads the chat template a checkpoint ships: `chat_template.jinja`, else the `chat_template`
 * field of `tokenizer_config.json` (a string, or a list of named templates whose `default` is used).
 * Returns `undefined` when the checkpoint ships none.
 */
export function readChatTemplate(files: ModelFiles): string | undefined {
  const jinja = files.paths.chatTemplate;
  if (jinja) return readFileSync(jinja, "utf8");
  const config = files.paths.tokenizerConfig;
  if (!config) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(config, "utf8"));
  } catch (cause) {
    throw new KimiK2Error("template_error", `${config} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  const field = (parsed as { chat_template?: unknown }).chat_template;
  if (typeof field === "string") return field;
  if (Array.isArray(field)) {
    const named = field.find((t: { name?: unknown }) => t?.name === "default") as { template?: unknown } | undefined;
    if (typeof named?.template === "string") return named.template;
  }
  return undefined;
}
