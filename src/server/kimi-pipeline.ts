/**
 * The proxy's {@link ChatPipeline} built from the toolkit's cores: the template renderer (with
 * history ids normalised, and the assistant turn opened as `tool_choice` requires), the tokenizer
 * (prompt and completion counts, or the prompt as ids), and the streaming tool-call parser (with
 * every answer id unique in the client's conversation).
 *
 * @packageDocumentation
 */
import { SPECIAL } from "../special-tokens.js";
import { type ChatRequest, type ChatTemplate, type Segment, normalizeToolCallIds, parseRequestJson, renderSegments } from "../template/index.js";
import type { Tokenizer } from "../tokenizer/index.js";
import { ChunkDeltaAdapter, ToolCallParser, type ToolCallParserOptions, collect } from "../toolcalls/index.js";
import type { ChatPipeline, ParsedOutput, PreparedChat, ResponseParser } from "./chat-pipeline.js";
import type { ChunkDelta } from "./openai-shapes.js";
import { type IdMapping, ToolCallIdTranslator } from "./tool-call-ids.js";
import type { ChatCompletionParams } from "./validate-request.js";

/** What the pipeline is made of. */
export interface KimiPipelineOptions {
  /** The tokenizer (counts, and the prompt as ids with `promptFormat: "ids"`). */
  tokenizer: Tokenizer;
  /** The chat template: compiled (`loadChatTemplate`, `compileTemplate`) or its source text. */
  template: ChatTemplate | string;
  /** The rendering engine (default `auto`: native when the template is verified, else Jinja). */
  engine?: "auto" | "native" | "jinja";
  /**
   * `kimi` (default): what the model's tokenizer class passes to the template, as vLLM and SGLang
   * render; `raw`: the template as is (tool schemas not key-sorted).
   */
  semantics?: "kimi" | "raw";
  /**
   * `text` (default): the prompt goes upstream as a string, which the upstream tokenizes as
   * Hugging Face does (special-token text anywhere becomes control tokens). `ids`: the prompt goes
   * as token ids from the injection-safe chat encoding (vLLM and SGLang accept a list of ids).
   */
  promptFormat?: "text" | "ids";
}

/**
 * The start of the assistant turn that makes the model comply with `tool_choice`, written into the
 * prompt after the generation prompt. A raw-completion upstream cannot constrain decoding, but the
 * model continues what it is given: after `<|tool_calls_section_begin|>` it writes calls, and after
 * a call header naming a function it writes that function's arguments. `required`: the section is
 * opened; a named function: its call is opened with the id the model would write next
 * (`functions.{name}:{nextIndex}`, the counter continuing the normalised history). `auto` and
 * `none` add nothing (`none` removes calls when parsing instead).
 */
export function toolChoicePrefix(toolChoice: ChatCompletionParams["toolChoice"], nextIndex: number): Segment[] {
  if (toolChoice === "required") return [{ text: SPECIAL.toolCallsSectionBegin.content, kind: "markup" }];
  if (typeof toolChoice !== "object") return [];
  return [
    { text: SPECIAL.toolCallsSectionBegin.content + SPECIAL.toolCallBegin.content, kind: "markup" },
    // The name comes from the request: plain text, never control tokens.
    { text: `functions.${toolChoice.function.name}:${nextIndex}`, kind: "content" },
    { text: SPECIAL.toolCallArgumentBegin.content, kind: "markup" },
  ];
}

function parserOptions(params: ChatCompletionParams, tools: ToolCallParserOptions["tools"]): ToolCallParserOptions {
  return {
    ...(tools ? { tools } : {}),
    tool_choice: params.toolChoice,
    parallel_tool_calls: params.parallelToolCalls,
  };
}

/** The ids a request's conversation already holds: its calls (both spaces) and its tool results. */
interface TakenIds {
  mapping: readonly IdMapping[];
  resultIds: string[];
}

/** The `tool_call_id` of every tool message. */
function toolResultIds(messages: readonly Record<string, unknown>[]): string[] {
  return messages.flatMap((m) => (m.role === "tool" && typeof m.tool_call_id === "string" ? [m.tool_call_id] : []));
}

/** Puts a delta's tool-call ids into the client's space. */
function translateDelta(delta: ChunkDelta, ids: ToolCallIdTranslator): ChunkDelta {
  if (!delta.tool_calls) return delta;
  return {
    ...delta,
    tool_calls: delta.tool_calls.map((c) => (c.id === undefined ? c : { ...c, id: ids.toClient(c.id, c.function?.name ?? "") })),
  };
}

/**
 * A streaming parser of the model's turn. `prefix` is the part of the turn the prompt already holds
 * (see {@link toolChoicePrefix}): it is parsed first, and its deltas (a forced call's id and name)
 * go out with the first piece of output.
 */
function streamingParser(params: ChatCompletionParams, tools: ToolCallParserOptions["tools"], taken: TakenIds, prefix: string): ResponseParser {
  const parser = new ToolCallParser(parserOptions(params, tools));
  const adapter = new ChunkDeltaAdapter();
  const ids = new ToolCallIdTranslator(taken.mapping, taken.resultIds);
  let held = prefix === "" ? [] : adapter.push(parser.push(prefix));
  const release = (deltas: ChunkDelta[]) => {
    const out = held.length === 0 ? deltas : [...held, ...deltas];
    held = [];
    return out.map((d) => translateDelta(d, ids));
  };
  return {
    push: (text) => release(adapter.push(parser.push(text))),
    end: () => release(adapter.push(parser.end())),
    finishReason: () => adapter.finishReason(),
  };
}

function parseWhole(params: ChatCompletionParams, tools: ToolCallParserOptions["tools"], taken: TakenIds, prefix: string, text: string): ParsedOutput {
  const parser = new ToolCallParser(parserOptions(params, tools));
  const events = parser.push(prefix + text);
  events.push(...parser.end());
  const result = collect(events);
  const ids = new ToolCallIdTranslator(taken.mapping, taken.resultIds);
  return {
    content: result.content,
    tool_calls: result.tool_calls.map((c) => ({ ...c, id: ids.toClient(c.id, c.function.name) })),
    finish_reason: result.finish_reason,
  };
}

/** Builds the pipeline. */
export function createKimiPipeline(options: KimiPipelineOptions): ChatPipeline {
  const { tokenizer, template } = options;
  const engine = options.engine ?? "auto";
  const semantics = options.semantics ?? "kimi";
  const promptFormat = options.promptFormat ?? "text";
  return {
    parseBody: (text) => parseRequestJson(text),
    prepare(params, body): PreparedChat {
      // Only what the template reads: sampling fields and the like are the upstream's business.
      const request = { messages: body.messages, ...(body.tools !== undefined && body.tools !== null ? { tools: body.tools } : {}), add_generation_prompt: true } as ChatRequest;
      const normalized = normalizeToolCallIds(request);
      const forced = toolChoicePrefix(params.toolChoice, normalized.nextIndex);
      const segments = [...renderSegments(normalized.request, { template, engine, semantics }), ...forced];
      const prefix = forced.map((s) => s.text).join("");
      let prompt: string | number[];
      let promptTokens: number;
      if (promptFormat === "ids") {
        prompt = tokenizer.encodeChat(segments);
        promptTokens = prompt.length;
      } else {
        prompt = segments.map((s) => s.text).join("");
        // The upstream tokenizes the text as Hugging Face does: count the same way.
        promptTokens = tokenizer.countChat(segments, { mode: "reference" });
      }
      const tools = params.tools ?? undefined;
      const taken: TakenIds = { mapping: normalized.mapping, resultIds: toolResultIds(params.messages) };
      return {
        prompt,
        promptTokens,
        createParser: () => streamingParser(params, tools, taken, prefix),
        parseWhole: (text) => parseWhole(params, tools, taken, prefix, text),
      };
    },
    // The output is what the model generated: special-token text in it is the special tokens.
    countCompletionTokens: (text) => tokenizer.count(text, { allowedSpecial: "all" }),
  };
}
