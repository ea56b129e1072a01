/** `kimi-k2 count`: a chat request in, the token count of its rendered prompt out. */
import { parseRequestJson, renderSegments } from "../template/index.js";
import type { Command } from "./command.js";
import { readInputText, readJson } from "./input.js";
import { REQUEST_HELP, REQUEST_OPTIONS, cliTemplate, cliTokenizer } from "./model-options.js";

/** The `count` command. */
export const countCommand: Command = {
  name: "count",
  summary: "Count the tokens of a request's rendered prompt",
  help: `Usage: kimi-k2 count [FILE] [options] < request.json

Renders the request (tool declarations and the default system turn included) and prints its token
count with the injection-safe chat encoding.

Options:
${REQUEST_HELP}
  --reference        count as Hugging Face's apply_chat_template(tokenize=True) encodes
  --text             count the input as plain text instead of a chat request
  -h, --help         this help`,
  options: { ...REQUEST_OPTIONS, reference: { type: "boolean" }, text: { type: "boolean" } },
  allowPositionals: true,
  async run({ values, positionals }, io) {
    // Options and model files first: a mistake there is reported at once, not after stdin ends.
    if (values.text) {
      const tokenizer = await cliTokenizer(values, io);
      io.out(`${tokenizer.count(await readInputText(io, positionals))}\n`);
      return 0;
    }
    const options = await cliTemplate(values, io);
    const tokenizer = await cliTokenizer(values, io);
    const request = await readJson(io, positionals, parseRequestJson, "an OpenAI-style chat request");
    const segments = renderSegments(request, options);
    io.out(`${tokenizer.countChat(segments, { mode: values.reference ? "reference" : "safe" })}\n`);
    return 0;
  },
};
