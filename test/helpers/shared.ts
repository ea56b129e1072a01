/**
 * Where tests find the model files and the shared reference data. Tests never skip when these are
 * missing: they fail with a message that says how to provide them.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The project root. */
export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

function mustExist(path: string, what: string, how: string): string {
  if (!existsSync(path)) {
    throw new Error(`${what} not found at ${path}. ${how}`);
  }
  return path;
}

/** The Kimi K2 model directory: `KIMI_K2_MODEL_DIR`, else `../shared/kimi-k2`. */
export function modelDir(): string {
  const dir = process.env.KIMI_K2_MODEL_DIR
    ? resolve(process.env.KIMI_K2_MODEL_DIR)
    : join(sharedDir(false), "kimi-k2");
  mustExist(
    join(dir, "tiktoken.model"),
    "The Kimi K2 model files (tiktoken.model)",
    "Set KIMI_K2_MODEL_DIR to a directory holding tiktoken.model and chat_template.jinja " +
      "(for example a Hugging Face snapshot of moonshotai/Kimi-K2-Instruct-0905, or run `kimi-k2 download`), " +
      "or place the shared data folder at ../shared next to the project.",
  );
  return dir;
}

/** The shared reference data folder (corpus, oracles, k2vv): `KIMI_K2_SHARED_DIR`, else `../shared`. */
export function sharedDir(check = true): string {
  const dir = process.env.KIMI_K2_SHARED_DIR ? resolve(process.env.KIMI_K2_SHARED_DIR) : resolve(ROOT, "..", "shared");
  if (check) {
    mustExist(dir, "The shared reference data", "Set KIMI_K2_SHARED_DIR to the folder holding corpus/, oracles/ and k2vv/, or place it at ../shared next to the project.");
  }
  return dir;
}

/** A file in the shared data folder, which must exist. */
export function sharedFile(...parts: string[]): string {
  const path = join(sharedDir(), ...parts);
  return mustExist(path, `Shared data file ${parts.join("/")}`, "Set KIMI_K2_SHARED_DIR to the shared data folder, or place it at ../shared.");
}

/** How many fast-check runs a property gets: `base` scaled by `FC_SCALE` (default 1). */
export function runs(base: number): number {
  const scale = Number(process.env.FC_SCALE ?? "1");
  return Math.max(1, Math.round(base * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}
