/**
 * The model-file options commands share (`--model-dir`, `--template`, `--engine`, `--raw-template`)
 * and loading the tokenizer and the chat template from them.
 *
 * @packageDocumentation
 */
import { readFile } from "node:fs/promises";
import { KimiK2Error } from "../errors.js";
import { loadChatTemplate } from "../load-template.js";
import { loadTokenizer } from "../load-tokenizer.js";
import { type ChatTemplate, compileTemplate } from "../template/index.js";
import type { Tokenizer } from "../tokenizer/index.js";
import type { Command } from "./command.js";
import type { CliIO } from "./command.js";
import { UsageError, nonEmptyOption } from "./command.js";

/** `--model-dir DIR`. */
export const MODEL_DIR_OPTION = { "model-dir": { type: "string" } } as const satisfies Command["options"];

/** `--template FILE`, `--engine`, `--raw-template`, plus `--model-dir`. */
export const TEMPLATE_OPTIONS = {
  ...MODEL_DIR_OPTION,
  template: { type: "string" },
  engine: { type: "string" },
  "raw-template": { type: "boolean" },
} as const satisfies Command["options"];

/** {@link TEMPLATE_OPTIONS} and `--normalize-ids`, for the commands that render a request given to them. */
export const REQUEST_OPTIONS = {
  ...TEMPLATE_OPTIONS,
  "normalize-ids": { type: "boolean" },
} as const satisfies Command["options"];

/** The help lines for {@link MODEL_DIR_OPTION}. */
export const MODEL_DIR_HELP = "  --model-dir DIR    checkpoint directory with tiktoken.model and chat_template.jinja\n                     (default: KIMI_K2_MODEL_DIR, else the Hugging Face cache)";

/** The help lines for {@link TEMPLATE_OPTIONS}. */
export const TEMPLATE_HELP = `${MODEL_DIR_HELP}
  --template FILE    render with this Jinja template instead of the checkpoint's
  --engine E         auto (default: native when the template is verified, else jinja), native, jinja
  --raw-template     the template's own semantics, not the model tokenizer's (no tool-schema key
                     sorting, add_generation_prompt defaults to false)`;

/** The help lines for {@link REQUEST_OPTIONS}. */
export const REQUEST_HELP = `${TEMPLATE_HELP}
  --normalize-ids    rewrite history tool-call ids to functions.{name}:{n} first (as a server should)`;

/**
 * The model directory option, if given.
 *
 * @throws {@link UsageError} for `--model-dir ""` (an unset variable in a script): it would
 * otherwise mean the current directory, while an empty KIMI_K2_MODEL_DIR means unset.
 */
export function modelDirOf(values: Record<string, unknown>): string | undefined {
  return nonEmptyOption(values, "model-dir", undefined);
}

/** Loads the tokenizer from `--model-dir` (or the default locations). */
export function cliTokenizer(values: Record<string, unknown>, io: CliIO): Promise<Tokenizer> {
  return loadTokenizer({ dir: modelDirOf(values), env: io.env });
}

/** The render options `--template`, `--engine` and `--raw-template` select. */
export interface CliTemplateOptions {
  template: ChatTemplate;
  engine: "auto" | "native" | "jinja";
  semantics: "kimi" | "raw";
  normalizeToolCallIds: boolean;
}

/** Loads the chat template (`--template FILE`, else the checkpoint's) and reads the render options. */
export async function cliTemplate(values: Record<string, unknown>, io: CliIO): Promise<CliTemplateOptions> {
  const engine = values.engine ?? "auto";
  if (engine !== "auto" && engine !== "native" && engine !== "jinja") throw new UsageError(`--engine must be auto, native or jinja, got "${String(engine)}"`);
  let template: ChatTemplate;
  if (typeof values.template === "string") {
    let source: string;
    try {
      source = await readFile(values.template, "utf8");
    } catch (e) {
      throw new KimiK2Error("model_files_not_found", `cannot read the template ${values.template}: ${(e as Error).message}`);
    }
    template = compileTemplate(source);
  } else {
    template = loadChatTemplate({ dir: modelDirOf(values), env: io.env });
  }
  return { template, engine, semantics: values["raw-template"] ? "raw" : "kimi", normalizeToolCallIds: values["normalize-ids"] === true };
}
