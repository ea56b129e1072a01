/** `kimi-k2 render`: a chat request in, the model's prompt text out (or a human view with `--show`). */
import { parseRequestJson, renderChat, renderSegments } from "../template/index.js";
import type { Command } from "./command.js";
import { readJson } from "./input.js";
import { REQUEST_HELP, REQUEST_OPTIONS, cliTemplate, cliTokenizer } from "./model-options.js";
import { palette, promptView } from "./prompt-view.js";

/** The `render` command. */
export const renderCommand: Command = {
  name: "render",
  summary: "Render a chat request (JSON) into the prompt text the model sees",
  help: `Usage: kimi-k2 render [FILE] [options] < request.json

Renders an OpenAI-style chat request ({messages, tools, add_generation_prompt}) with the chat
template, as the model's own tokenizer does, and prints the prompt exactly: no newline is added.

Options:
${REQUEST_HELP}
  --show             a human view instead: turns separated, special tokens highlighted (colour on a
                     terminal), token counts per turn and in total
  -h, --help         this help`,
  options: { ...REQUEST_OPTIONS, show: { type: "boolean" } },
  allowPositionals: true,
  async run({ values, positionals }, io) {
    const request = await readJson(io, positionals, parseRequestJson, "an OpenAI-style chat request");
    const options = await cliTemplate(values, io);
    if (!values.show) {
      io.out(renderChat(request, options));
      return 0;
    }
    const segments = renderSegments(request, options);
    const tokenizer = await cliTokenizer(values, io);
    const counts = { count: (s: Parameters<typeof tokenizer.countChat>[0]) => tokenizer.countChat(s), referenceTotal: tokenizer.countChat(segments, { mode: "reference" }) };
    io.out(promptView(segments, counts, palette(io.stdoutIsTTY)));
    return 0;
  },
};
