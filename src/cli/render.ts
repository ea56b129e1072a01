/** `kimi-k2 render`: a chat request in, the model's prompt text out (or a human view with `--show`). */
import { parseRequestJson, renderChat, renderSegments } from "../template/index.js";
import type { Command } from "./command.js";
import { readJson } from "./input.js";
import { REQUEST_HELP, REQUEST_OPTIONS, cliTemplate, cliTokenizer } from "./model-options.js";
import { palette, promptView } from "./prompt-view.js";

/** A UTF-16 code unit of a surrogate that is not half of a pair (the `u` flag matches only those). */
const LONE_SURROGATE = /[\uD800-\uDFFF]/gu;
const utf8 = new TextEncoder();

/**
 * The prompt's bytes as Python writes the string with `encode("utf-8", "surrogatepass")` (the
 * reference renderer's output): a lone surrogate from a `\ud800` escape in the request becomes its
 * three-byte form instead of U+FFFD, so `render` stays byte-identical to the reference on every
 * input. A well-formed prompt is returned as it is.
 */
export function surrogatePassBytes(text: string): string | Uint8Array {
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const m of text.matchAll(LONE_SURROGATE)) {
    const unit = m[0].charCodeAt(0);
    parts.push(utf8.encode(text.slice(from, m.index)), Uint8Array.of(0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)));
    from = m.index + 1;
  }
  if (parts.length === 0) return text;
  parts.push(utf8.encode(text.slice(from)));
  return Buffer.concat(parts);
}

/** The `render` command. */
export const renderCommand: Command = {
  name: "render",
  summary: "Render a chat request (JSON) into the prompt text the model sees",
  help: `Usage: kimi-k2 render [FILE] [options] < request.json

Renders an OpenAI-style chat request ({messages, tools, add_generation_prompt}) with the chat
template, as the model's own tokenizer does, and prints the prompt exactly: no newline is added. A
lone surrogate escaped in the request (\ud800) is written as Python's surrogatepass writes it.

Options:
${REQUEST_HELP}
  --show             a human view instead: turns separated, special tokens highlighted (colour on a
                     terminal), token counts per turn and in total
  -h, --help         this help`,
  options: { ...REQUEST_OPTIONS, show: { type: "boolean" } },
  allowPositionals: true,
  async run({ values, positionals }, io) {
    // Options and model files first: a mistake there is reported at once, not after stdin ends.
    const options = await cliTemplate(values, io);
    const request = await readJson(io, positionals, parseRequestJson, "an OpenAI-style chat request");
    if (!values.show) {
      io.out(surrogatePassBytes(renderChat(request, options)));
      return 0;
    }
    const tokenizer = await cliTokenizer(values, io);
    const segments = renderSegments(request, options);
    const counts = { count: (s: Parameters<typeof tokenizer.countChat>[0]) => tokenizer.countChat(s), referenceTotal: tokenizer.countChat(segments, { mode: "reference" }) };
    io.out(promptView(segments, counts, palette(io.stdoutIsTTY)));
    return 0;
  },
};
