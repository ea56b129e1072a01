/** `kimi-k2 decode`: a JSON array of token ids in, text out. */
import type { Command } from "./command.js";
import { readIdArray } from "./input.js";
import { MODEL_DIR_HELP, MODEL_DIR_OPTION, cliTokenizer } from "./model-options.js";

/** The `decode` command. */
export const decodeCommand: Command = {
  name: "decode",
  summary: "Decode a JSON array of token ids into text",
  help: `Usage: kimi-k2 decode [FILE] [options] < ids.json

Decodes a JSON array of token ids and prints the text exactly (no newline is added). Bytes that do
not form valid UTF-8 become U+FFFD; an id outside the vocabulary is an error.

Options:
${MODEL_DIR_HELP}
  -h, --help         this help`,
  options: { ...MODEL_DIR_OPTION },
  allowPositionals: true,
  async run({ values, positionals }, io) {
    // The model files first: a missing one is reported at once, not after stdin ends.
    const tokenizer = await cliTokenizer(values, io);
    const ids = await readIdArray(io, positionals);
    io.out(tokenizer.decode(ids));
    return 0;
  },
};
