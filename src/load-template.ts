/**
 * Loading a checkpoint's chat template (Node only): `chat_template.jinja`, else the `chat_template`
 * field of `tokenizer_config.json`, compiled once with {@link compileTemplate}.
 *
 * @packageDocumentation
 */
import { KimiK2Error } from "./errors.js";
import { HOW_TO_GET_MODEL_FILES, findModelFiles, readChatTemplate, type ModelFilesOptions } from "./model-files.js";
import { compileTemplate, type ChatTemplate, type CompileTemplateOptions } from "./template/chat-template.js";

/** Options of {@link loadChatTemplate}: where to look (as `findModelFiles`) and how to compile. */
export interface LoadChatTemplateOptions extends ModelFilesOptions, CompileTemplateOptions {}

/**
 * Finds, reads and compiles a checkpoint's chat template. With no argument it searches
 * `KIMI_K2_MODEL_DIR` and the Hugging Face cache; a string is a checkpoint directory.
 *
 * @throws {@link KimiK2Error} `model_files_not_found` when no template file exists there;
 *   `template_error` / `template_unsupported` from compiling.
 */
export function loadChatTemplate(modelDirOrOptions?: string | LoadChatTemplateOptions): ChatTemplate {
  const options: LoadChatTemplateOptions = typeof modelDirOrOptions === "string" ? { dir: modelDirOrOptions } : (modelDirOrOptions ?? {});
  const files = findModelFiles(options);
  const source = readChatTemplate(files);
  if (source === undefined) {
    const where = files.dir ?? "the given paths";
    throw new KimiK2Error("model_files_not_found", `no chat template in ${where} (neither chat_template.jinja nor a chat_template in tokenizer_config.json). ${HOW_TO_GET_MODEL_FILES}`, {
      details: { dir: files.dir },
    });
  }
  return compileTemplate(source, options.probe === undefined ? {} : { probe: options.probe });
}
