/**
 * `kimi-k2 demo`: the toolkit's main job on a built-in example. Renders a conversation with a tool
 * (history ids normalised), counts its tokens, streams a recorded model reply token by token
 * through the tool-call parser, and prints the OpenAI chunk deltas and the final message.
 */
import { ToolCallIdTranslator } from "../server/tool-call-ids.js";
import { normalizeToolCallIds, renderSegments } from "../template/index.js";
import { ChunkDeltaAdapter, ToolCallParser, type ToolCallEvent, collect } from "../toolcalls/index.js";
import type { Command } from "./command.js";
import { DEMO_OUTPUT, DEMO_REQUEST, DEMO_TOKENS_PER_PIECE, DEMO_TOOLS } from "./demo-example.js";
import { TEMPLATE_HELP, TEMPLATE_OPTIONS, cliTemplate, cliTokenizer } from "./model-options.js";
import { paintSegment, palette } from "./prompt-view.js";

/** The `demo` command. */
export const demoCommand: Command = {
  name: "demo",
  summary: "Run the main job on a built-in example: render, count, stream a recorded reply through the parser",
  help: `Usage: kimi-k2 demo [options]

Runs the toolkit on a built-in conversation with a tool: renders it with the chat template (history
tool-call ids normalised), counts its tokens, streams a recorded model reply through the tool-call
parser token by token, and prints the OpenAI chunk deltas and the final assistant message.

Options:
${TEMPLATE_HELP}
  -h, --help         this help`,
  options: { ...TEMPLATE_OPTIONS },
  async run({ values }, io) {
    const p = palette(io.stdoutIsTTY);
    const heading = (s: string) => io.out(`\n${p.special(s)}\n`);
    const options = await cliTemplate(values, io);
    const tokenizer = await cliTokenizer(values, io);

    const { request, mapping } = normalizeToolCallIds(DEMO_REQUEST);
    const segments = renderSegments(request, options);
    const renamed = mapping.filter((m) => m.modelId !== m.clientId).map((m) => `${m.clientId} → ${m.modelId}`);
    io.out(`kimi-k2 demo: a chat request with a tool, rendered, counted, and a recorded reply parsed.\n`);
    heading(`1. The prompt (${DEMO_REQUEST.messages.length} messages, ${DEMO_TOOLS.length} tool${renamed.length ? `; history ids normalised: ${renamed.join(", ")}` : ""})`);
    io.out(`${segments.map((s) => paintSegment(s, p)).join("")}\n`);

    const safe = tokenizer.countChat(segments);
    const reference = tokenizer.countChat(segments, { mode: "reference" });
    heading("2. Its size");
    io.out(`${safe} tokens${reference === safe ? "" : ` (Hugging Face's encoding: ${reference})`}\n`);

    const ids = tokenizer.encode(DEMO_OUTPUT, { allowedSpecial: "all" });
    heading(`3. A recorded reply, streamed ${DEMO_TOKENS_PER_PIECE} tokens at a time (${ids.length} tokens) → OpenAI chunk deltas`);
    const decoder = tokenizer.createStreamDecoder();
    const parser = new ToolCallParser({ tools: DEMO_TOOLS });
    const adapter = new ChunkDeltaAdapter();
    const translator = new ToolCallIdTranslator(mapping);
    const events: ToolCallEvent[] = [];
    let n = 0;
    const print = (delta: object) => io.out(`${p.dim(`chunk ${String(++n).padStart(2)}`)}  ${JSON.stringify(delta)}\n`);
    const emit = (batch: ToolCallEvent[]) => {
      events.push(...batch);
      for (const delta of adapter.push(batch)) {
        const calls = delta.tool_calls?.map((c) => (c.id === undefined ? c : { ...c, id: translator.toClient(c.id, c.function?.name ?? "") }));
        print(calls ? { ...delta, tool_calls: calls } : delta);
      }
    };
    print({ role: "assistant", content: "" });
    for (let i = 0; i < ids.length; i += DEMO_TOKENS_PER_PIECE) {
      const text = decoder.push(ids.slice(i, i + DEMO_TOKENS_PER_PIECE));
      if (text !== "") emit(parser.push(text));
    }
    const rest = decoder.end();
    if (rest !== "") emit(parser.push(rest));
    emit(parser.end());
    io.out(`${p.dim("finish_reason")}  ${adapter.finishReason()}\n`);

    const result = collect(events);
    const ids2 = new ToolCallIdTranslator(mapping);
    const message = {
      role: "assistant",
      content: result.content,
      tool_calls: result.tool_calls.map((c) => ({ ...c, id: ids2.toClient(c.id, c.function.name) })),
    };
    heading("4. The final message (a non-streaming response's choices[0].message)");
    io.out(`${JSON.stringify(message, null, 2)}\n`);
    if (result.diagnostics.length > 0) io.out(`diagnostics: ${result.diagnostics.map((d) => d.code).join(", ")}\n`);
    io.out(`\nNext: kimi-k2 render --show < request.json · kimi-k2 parse < output.txt · kimi-k2 serve --upstream URL\n`);
    return 0;
  },
};
