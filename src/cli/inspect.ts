/** `kimi-k2 inspect`: a chat request in, its prompt token by token (id, text, where it came from) out. */
import { isSpecialId, isTurnId, SPECIAL } from "../special-tokens.js";
import { parseRequestJson, renderSegments } from "../template/index.js";
import type { Segment } from "../template/segments.js";
import type { Tokenizer } from "../tokenizer/index.js";
import type { Command } from "./command.js";
import { readJson } from "./input.js";
import { REQUEST_HELP, REQUEST_OPTIONS, cliTemplate, cliTokenizer } from "./model-options.js";
import { type Palette, palette, visible } from "./prompt-view.js";

/** One token of the prompt. */
export interface InspectedToken {
  /** Position in the prompt. */
  index: number;
  id: number;
  /** The token's text, or null when its bytes are not valid UTF-8 on their own (part of a character). */
  text: string | null;
  /** The token's bytes in hex, when `text` is null. */
  bytes?: string;
  /** Where its first byte came from: template markup or request content; `+` when it runs into the next segment. */
  source: "markup" | "content" | "markup+" | "content+";
}

const utf8 = new TextEncoder();
// ignoreBOM: a token whose bytes are U+FEFF is that character, not an empty string.
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Lines up the ids with the segments they came from. */
export function inspectTokens(ids: readonly number[], segments: readonly Segment[], tokenizer: Pick<Tokenizer, "tokenBytes">): InspectedToken[] {
  const ends: number[] = [];
  let offset = 0;
  for (const s of segments) ends.push((offset += utf8.encode(s.text).length));
  const out: InspectedToken[] = [];
  let at = 0;
  let seg = 0;
  ids.forEach((id, index) => {
    const bytes = tokenizer.tokenBytes(id);
    while (seg < ends.length - 1 && at >= ends[seg]!) seg++;
    const kind = segments[seg]?.kind ?? "markup";
    const spills = at + bytes.length > (ends[seg] ?? 0);
    let text: string | null;
    try {
      text = strict.decode(bytes);
    } catch {
      text = null;
    }
    const token: InspectedToken = { index, id, text, source: spills ? `${kind}+` : kind };
    if (text === null) token.bytes = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
    out.push(token);
    at += bytes.length;
  });
  return out;
}

function line(t: InspectedToken, p: Palette): string {
  // JSON.stringify escapes C0 controls; visible() also the C1 and bidirectional ones.
  const shown = t.text === null ? `<bytes ${t.bytes}>` : isSpecialId(t.id) ? p.special(t.text) : visible(JSON.stringify(t.text));
  return `${String(t.index).padStart(6)}  ${String(t.id).padStart(6)}  ${t.source.padEnd(8)}  ${t.source.startsWith("content") && isSpecialId(t.id) ? p.injected(shown) : shown}`;
}

/** The table view: a rule before each turn, one token a line. */
export function inspectView(tokens: readonly InspectedToken[], p: Palette): string {
  const lines = [p.dim(" index      id  source    token")];
  for (const t of tokens) {
    if (isTurnId(t.id) && t.id !== SPECIAL.imEnd.id && t.id !== SPECIAL.imMiddle.id) lines.push(p.dim(`── turn at token ${t.index} ${"─".repeat(50)}`));
    lines.push(line(t, p));
  }
  lines.push(p.dim(`${tokens.length} tokens`));
  return `${lines.join("\n")}\n`;
}

/** The `inspect` command. */
export const inspectCommand: Command = {
  name: "inspect",
  summary: "Show a request's prompt token by token: ids, text, markup or content",
  help: `Usage: kimi-k2 inspect [FILE] [options] < request.json

Renders the request, encodes it (injection-safe by default) and prints one token a line: its
position, id, whether it came from template markup or from the request's content, and its text
(special tokens highlighted on a terminal; a token that is part of a character shows its bytes).

Options:
${REQUEST_HELP}
  --reference        Hugging Face's apply_chat_template(tokenize=True) ids instead
  --json             a JSON array of {index, id, text, bytes?, source} instead of the table
  -h, --help         this help`,
  options: { ...REQUEST_OPTIONS, reference: { type: "boolean" }, json: { type: "boolean" } },
  allowPositionals: true,
  async run({ values, positionals }, io) {
    // Options and model files first: a mistake there is reported at once, not after stdin ends.
    const options = await cliTemplate(values, io);
    const tokenizer = await cliTokenizer(values, io);
    const request = await readJson(io, positionals, parseRequestJson, "an OpenAI-style chat request");
    const segments = renderSegments(request, options);
    const ids = tokenizer.encodeChat(segments, { mode: values.reference ? "reference" : "safe" });
    const tokens = inspectTokens(ids, segments, tokenizer);
    io.out(values.json ? `${JSON.stringify(tokens, null, 1)}\n` : inspectView(tokens, palette(io.stdoutIsTTY)));
    return 0;
  },
};
