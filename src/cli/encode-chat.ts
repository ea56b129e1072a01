/** `kimi-k2 encode-chat`: a chat request in, the prompt's token ids out. */
import { parseRequestJson, renderSegments } from "../template/index.js";
import type { Command } from "./command.js";
import { readJson } from "./input.js";
import { REQUEST_HELP, REQUEST_OPTIONS, cliTemplate, cliTokenizer } from "./model-options.js";

/** The `encode-chat` command. */
export const encodeChatCommand: Command = {
  name: "encode-chat",
  summary: "Encode a request's prompt into token ids (injection-safe by default)",
  help: `Usage: kimi-k2 encode-chat [FILE] [options] < request.json

Renders the request and prints the prompt's ids as a JSON array. By default the encoding is
injection-safe: template markup becomes control tokens, while message content, names, tool JSON and
arguments are encoded as plain text, so special-token text a user or a tool writes stays text.

Options:
${REQUEST_HELP}
  --reference        Hugging Face's apply_chat_template(tokenize=True) ids instead (special-token
                     strings become control tokens wherever they appear)
  -h, --help         this help`,
  options: { ...REQUEST_OPTIONS, reference: { type: "boolean" } },
  allowPositionals: true,
  async run({ values, positionals }, io) {
    // Options and model files first: a mistake there is reported at once, not after stdin ends.
    const options = await cliTemplate(values, io);
    const tokenizer = await cliTokenizer(values, io);
    const request = await readJson(io, positionals, parseRequestJson, "an OpenAI-style chat request");
    const segments = renderSegments(request, options);
    io.out(`${JSON.stringify(tokenizer.encodeChat(segments, { mode: values.reference ? "reference" : "safe" }))}\n`);
    return 0;
  },
};
