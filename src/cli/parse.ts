/** `kimi-k2 parse`: raw model output in, content and OpenAI tool calls out (whole, or streamed deltas). */
import { readFile } from "node:fs/promises";
import { KimiK2Error } from "../errors.js";
import { ChunkDeltaAdapter, ToolCallParser, type ToolCallEvent, type ToolCallParserOptions, collect } from "../toolcalls/index.js";
import type { CliIO, Command } from "./command.js";
import { IdStreamScanner } from "./id-stream.js";
import { decodeJsonBytes, inputChunks, readIdArray, readInputText } from "./input.js";
import { MODEL_DIR_HELP, MODEL_DIR_OPTION, cliTokenizer } from "./model-options.js";
import { visible } from "./prompt-view.js";

/** Reads `--tools FILE`: a JSON array of tools, or a request whose tools, tool_choice and parallel_tool_calls apply. */
async function parserOptions(file: unknown): Promise<ToolCallParserOptions> {
  if (typeof file !== "string") return {};
  let value: unknown;
  try {
    // Read as stdin's JSON is: a byte-order mark skipped, bytes that are not UTF-8 refused.
    value = JSON.parse(decodeJsonBytes(await readFile(file), `the tools file ${file}`));
  } catch (e) {
    if (KimiK2Error.isInstance(e)) throw e;
    throw new KimiK2Error("invalid_input", `cannot read the tools file ${file}: ${(e as Error).message}`);
  }
  if (Array.isArray(value)) return { tools: value };
  if (typeof value === "object" && value !== null && Array.isArray((value as { tools?: unknown }).tools)) {
    const r = value as Pick<ToolCallParserOptions, "tools" | "tool_choice" | "parallel_tool_calls">;
    return { tools: r.tools, ...(r.tool_choice !== undefined ? { tool_choice: r.tool_choice } : {}), ...(r.parallel_tool_calls !== undefined ? { parallel_tool_calls: r.parallel_tool_calls } : {}) };
  }
  throw new KimiK2Error("invalid_input", `the tools file ${file} must hold a JSON array of tools, or a request object with a "tools" array.`);
}

/**
 * One stderr line per diagnostic. A message quotes model output (a call id, a name), which is
 * untrusted: its newlines would split the line and its ESC or CR would act on the terminal, so they
 * are written as escapes.
 */
/**
 * The parser. Its option errors name `options.tools[i]`, the library's words; on the command line
 * the tools came from `--tools FILE`, so the message names the file instead.
 */
function newParser(options: ToolCallParserOptions, toolsFile: unknown): ToolCallParser {
  try {
    return new ToolCallParser(options);
  } catch (e) {
    if (!KimiK2Error.isInstance(e) || e.code !== "invalid_options" || typeof toolsFile !== "string") throw e;
    throw new KimiK2Error("invalid_input", `the tools file ${toolsFile}: ${e.message.replace(/^options\./, "")}`, { cause: e });
  }
}

function reportDiagnostics(events: readonly ToolCallEvent[], io: CliIO): void {
  for (const e of events) if (e.type === "diagnostic") io.err(`kimi-k2 parse: ${e.severity} ${e.code}: ${visible(e.message).replaceAll("\n", "\\n")}\n`);
}

/** Streams stdin through the parser, writing one OpenAI choice delta a line as soon as it exists. */
async function parseStreaming(parser: ToolCallParser, ids: boolean, positionals: string[], io: CliIO): Promise<void> {
  const adapter = new ChunkDeltaAdapter();
  // A leading byte-order mark is model output like any other character: keep it. Before an id array
  // it is not: skip it, as the whole-input JSON reader does.
  const decoder = new TextDecoder("utf-8", { ignoreBOM: !ids });
  const scanner = new IdStreamScanner();
  const emit = (events: ToolCallEvent[]) => {
    for (const delta of adapter.push(events)) io.out(`${JSON.stringify({ index: 0, delta, finish_reason: null })}\n`);
    reportDiagnostics(events, io);
  };
  for await (const bytes of inputChunks(io, positionals)) {
    const text = decoder.decode(bytes, { stream: true });
    emit(ids ? parser.pushTokens(scanner.push(text)) : parser.push(text));
  }
  const rest = decoder.decode();
  if (ids) {
    emit(parser.pushTokens(scanner.push(rest)));
    scanner.end();
  } else if (rest !== "") emit(parser.push(rest));
  emit(parser.end());
  io.out(`${JSON.stringify({ index: 0, delta: {}, finish_reason: adapter.finishReason() })}\n`);
}

/** The `parse` command. */
export const parseCommand: Command = {
  name: "parse",
  summary: "Parse raw model output into content, tool calls and a finish reason",
  help: `Usage: kimi-k2 parse [FILE] [options] < output.txt

Parses Kimi K2 output (text with the tool-call markers, as a server returns it with special tokens
kept) into OpenAI's shapes and prints one JSON object {content, tool_calls, finish_reason,
diagnostics}. Never fails on model output: problems are reported as diagnostics.

Options:
  --tools FILE       the request's tools (a JSON array, or a request with tools, tool_choice and
                     parallel_tool_calls): names and arguments are checked against them
  --ids              the input is a JSON array of token ids (markers are then only the marker ids)
  --stream           read the input as it arrives and print one OpenAI choice delta per line
                     ({"index":0,"delta":{...},"finish_reason":null}) as soon as it is known, then a
                     last line with the finish_reason; diagnostics go to stderr
${MODEL_DIR_HELP} (for --ids)
  -h, --help         this help`,
  options: { ...MODEL_DIR_OPTION, tools: { type: "string" }, ids: { type: "boolean" }, stream: { type: "boolean" } },
  allowPositionals: true,
  async run({ values, positionals }, io) {
    const ids = values.ids === true;
    const options = await parserOptions(values.tools);
    const parser = newParser(ids ? { ...options, tokenDecoder: await cliTokenizer(values, io) } : options, values.tools);
    if (values.stream) {
      await parseStreaming(parser, ids, positionals, io);
      return 0;
    }
    const events = ids ? parser.pushTokens(await readIdArray(io, positionals)) : parser.push(await readInputText(io, positionals));
    events.push(...parser.end());
    io.out(`${JSON.stringify(collect(events), null, 2)}\n`);
    return 0;
  },
};
