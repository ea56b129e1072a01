/**
 * The page's {@link PlaygroundCore}, bound to the library itself: the tokenizer built from the
 * served vocabulary, the template renderer, and the streaming tool-call parser. The page runs the
 * very code a server would.
 *
 * @packageDocumentation
 */
import { type ChatRequest, type RenderOptions, parseRequestJson, renderSegments, selectedEngine } from "../../template/index.js";
import { createTokenizer } from "../../tokenizer/index.js";
import { ToolCallParser, collect, type ToolCallEvent, type ToolDefinition } from "../../toolcalls/index.js";
import type { ParsedOutput, PlaygroundCore } from "./core.js";

/** One line about a finished call's checks. */
function checkSummary(e: Extract<ToolCallEvent, { type: "tool_call.done" }>): ParsedOutput["checks"][number] {
  const v = e.validation;
  const parts = [`#${e.index} ${e.name}:`, e.complete ? "complete" : "incomplete", `json ${v.json}`, `tool ${v.tool}`, `schema ${v.schema}`];
  for (const s of v.schemaErrors) parts.push(`· ${s.instanceLocation} ${s.keyword}: ${s.message}`);
  return { index: e.index, valid: v.valid, summary: parts.join(" ") };
}

/** Builds the core from the bytes of `tiktoken.model`. */
export function createPlaygroundCore(vocabulary: Uint8Array): PlaygroundCore {
  const tokenizer = createTokenizer(vocabulary);
  return {
    parseRequest: (json) => parseRequestJson(json),
    render(request, settings) {
      const options: RenderOptions = {
        template: settings.template,
        engine: settings.engine,
        addGenerationPrompt: settings.addGenerationPrompt,
        normalizeToolCallIds: settings.normalizeToolCallIds,
      };
      const segments = renderSegments(request as ChatRequest, options);
      const ran = selectedEngine(request as ChatRequest, options);
      return { segments, text: segments.map((s) => s.text).join(""), note: settings.engine === "auto" ? `auto → ${ran} engine` : `${ran} engine` };
    },
    encodeChat: (segments, mode) => tokenizer.encodeChat(segments, { mode }),
    countChat: (segments, mode) => tokenizer.countChat(segments, { mode }),
    tokenPieces(ids) {
      const decoder = tokenizer.createStreamDecoder();
      return ids.map((id) => decoder.push(id));
    },
    tokenBytes: (id) => tokenizer.tokenBytes(id),
    encodeOutput: (text) => tokenizer.encode(text, { allowedSpecial: "all" }),
    parseOutput(ids, upTo, feed, end, tools) {
      // Text mode gets each token's text as the streaming decoder gives it: what a server that
      // detokenizes with special tokens kept would send.
      const decoder = tokenizer.createStreamDecoder();
      const parser = new ToolCallParser({ tools: tools as ToolDefinition[] | undefined, tokenDecoder: tokenizer });
      const events: ToolCallEvent[] = [];
      for (let i = 0; i < upTo; i++) {
        events.push(...(feed === "tokens" ? parser.pushTokens([ids[i]!]) : parser.push(decoder.push(ids[i]!))));
      }
      if (end) {
        if (feed === "text") events.push(...parser.push(decoder.end()));
        events.push(...parser.end());
      }
      const result = collect(events);
      return {
        content: result.content,
        tool_calls: result.tool_calls,
        finish_reason: end ? result.finish_reason : null,
        diagnostics: result.diagnostics.map((d) => ({ code: d.code, severity: d.severity, message: d.message })),
        checks: events.filter((e) => e.type === "tool_call.done").map(checkSummary),
        events,
      };
    },
  };
}
