/**
 * `kimi-k2 export-hf-tokenizer DIR`: writes `tokenizer.json` and `tokenizer_config.json` that
 * Hugging Face's tokenizers (Python, and `@huggingface/tokenizers` / transformers.js in JavaScript)
 * load, from a checkpoint's `tiktoken.model` (the model repository ships no tokenizer.json).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { loadTokenizer } from "../load-tokenizer.js";
import { findModelFiles, readChatTemplate } from "../model-files.js";
import { exportHfTokenizer } from "../tokenizer/hf-export.js";
import { type Command, UsageError } from "./command.js";
import { modelDirOf } from "./model-options.js";

function size(bytes: number): string {
  return bytes < 1_000_000 ? `${(bytes / 1000).toFixed(1)} kB` : `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** `kimi-k2 export-hf-tokenizer`. */
export const exportHfTokenizerCommand: Command = {
  name: "export-hf-tokenizer",
  summary: "Write tokenizer.json + tokenizer_config.json for Hugging Face tokenizers and transformers.js",
  help: `Usage: kimi-k2 export-hf-tokenizer DIR [--model-dir DIR] [--no-chat-template]

Converts the checkpoint's tiktoken.model into a Hugging Face tokenizer: DIR/tokenizer.json (byte-level
BPE, the split regex, the 256 special tokens) and DIR/tokenizer_config.json (special-token map and,
when the checkpoint has one, its chat template). DIR is created if needed; existing files are replaced.

The export gives the model's ids except where the README (Tokenizer > Hugging Face export) says:
Kimi's 25,000-character chunking of very long runs is not expressible in tokenizer.json, and a
JavaScript runtime splits with its own Unicode version.

Options:
  --model-dir DIR     checkpoint directory (default: $KIMI_K2_MODEL_DIR, else the Hugging Face cache)
  --no-chat-template  leave the chat template out of tokenizer_config.json
  -h, --help          show this help`,
  options: {
    "model-dir": { type: "string" },
    "no-chat-template": { type: "boolean" },
  },
  allowPositionals: true,
  async run({ values, positionals }, io) {
    // An empty one (an unset shell variable) would resolve to the current directory.
    if (positionals.length !== 1 || positionals[0] === "") throw new UsageError("expected exactly one output directory");
    const out = resolve(positionals[0]!);
    const modelDir = modelDirOf(values);
    const where = { ...(modelDir !== undefined ? { dir: modelDir } : {}), env: io.env };
    const tokenizer = await loadTokenizer(where);
    const chatTemplate = values["no-chat-template"] ? undefined : readChatTemplate(findModelFiles(where));
    const files = exportHfTokenizer(tokenizer, chatTemplate !== undefined ? { chatTemplate } : {});
    await mkdir(out, { recursive: true });
    for (const [name, text] of Object.entries(files)) {
      const path = join(out, name);
      await writeFile(path, text);
      io.out(`wrote ${path} (${size(Buffer.byteLength(text))})\n`);
    }
    return 0;
  },
};
