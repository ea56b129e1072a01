/**
 * The proxy's {@link ChatPipeline} built from the toolkit's cores: the template renderer (with
 * history ids normalised), the tokenizer (prompt and completion counts, or the prompt as ids), and
 * the streaming tool-call parser (with the client's ids restored on the way out).
 *
 * @packageDocumentation
 */
import { type ChatRequest, type ChatTemplate, normalizeToolCallIds, parseRequestJson, renderSegments } from "../template/index.js";
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

function parserOptions(params: ChatCompletionParams, tools: ToolCallParserOptions["tools"]): ToolCallParserOptions {
  return {
    ...(tools ? { tools } : {}),
    tool_choice: params.toolChoice,
    parallel_tool_calls: params.parallelToolCalls,
  };
}

/** Puts a delta's tool-call ids into the client's space. */
function translateDelta(delta: ChunkDelta, ids: ToolCallIdTranslator): ChunkDelta {
  if (!delta.tool_calls) return delta;
  return {
    ...delta,
    tool_calls: delta.tool_calls.map((c) => (c.id === undefined ? c : { ...c, id: ids.toClient(c.id, c.function?.name ?? "") })),
  };
}

function streamingParser(params: ChatCompletionParams, tools: ToolCallParserOptions["tools"], mapping: readonly IdMapping[]): ResponseParser {
  const parser = new ToolCallParser(parserOptions(params, tools));
  const adapter = new ChunkDeltaAdapter();
  const ids = new ToolCallIdTranslator(mapping);
  return {
    push: (text) => adapter.push(parser.push(text)).map((d) => translateDelta(d, ids)),
    end: () => adapter.push(parser.end()).map((d) => translateDelta(d, ids)),
    finishReason: () => adapter.finishReason(),
  };
}

function parseWhole(params: ChatCompletionParams, tools: ToolCallParserOptions["tools"], mapping: readonly IdMapping[], text: string): ParsedOutput {
  const parser = new ToolCallParser(parserOptions(params, tools));
  const events = parser.push(text);
  events.push(...parser.end());
  const result = collect(events);
  const ids = new ToolCallIdTranslator(mapping);
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
      const segments = renderSegments(normalized.request, { template, engine, semantics });
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
      return {
        prompt,
        promptTokens,
        createParser: () => streamingParser(params, tools, normalized.mapping),
        parseWhole: (text) => parseWhole(params, tools, normalized.mapping, text),
      };
    },
    // The output is what the model generated: special-token text in it is the special tokens.
    countCompletionTokens: (text) => tokenizer.count(text, { allowedSpecial: "all" }),
  };
}
