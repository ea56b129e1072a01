/** `kimi-k2 encode`: text in, a JSON array of token ids out. */
import type { Command } from "./command.js";
import { readInputText } from "./input.js";
import { MODEL_DIR_HELP, MODEL_DIR_OPTION, cliTokenizer } from "./model-options.js";

/** The `encode` command. */
export const encodeCommand: Command = {
  name: "encode",
  summary: "Encode text into a JSON array of token ids",
  help: `Usage: kimi-k2 encode [FILE] [options] < text

Encodes the input text (all of it, newlines included) and prints a JSON array of ids. Special-token
strings in the text are plain text unless --allow-special is given.

Options:
${MODEL_DIR_HELP}
  --allow-special    map special-token strings (<|im_end|>, <|reserved_token_163700|>...) to their ids
  -h, --help         this help`,
  options: { ...MODEL_DIR_OPTION, "allow-special": { type: "boolean" } },
  allowPositionals: true,
  async run({ values, positionals }, io) {
    // The model files first: a missing one is reported at once, not after stdin ends.
    const tokenizer = await cliTokenizer(values, io);
    const text = await readInputText(io, positionals);
    const ids = tokenizer.encode(text, values["allow-special"] ? { allowedSpecial: "all" } : {});
    io.out(`${JSON.stringify(ids)}\n`);
    return 0;
  },
};
