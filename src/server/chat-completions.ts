/**
 * `POST /v1/chat/completions`: validate, render and count, ask the upstream to complete the
 * prompt, parse the output, and answer in OpenAI's shapes (whole, or streamed as
 * `chat.completion.chunk` events). The client going away cancels the upstream request.
 *
 * @packageDocumentation
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { KimiK2Error } from "../errors.js";
import { SPECIAL } from "../special-tokens.js";
import type { ChatPipeline, PreparedChat, ResponseParser } from "./chat-pipeline.js";
import { toHttpError } from "./error-mapping.js";
import { HttpError } from "./http-error.js";
import { type ChatCompletionChunk, type FinishReason, type ResponseIdentity, chunk, completion, completionId, usage, usageChunk } from "./openai-shapes.js";
import { readJsonBody } from "./read-body.js";
import { sendJson } from "./send-json.js";
import { SseWriter } from "./sse-writer.js";
import type { CompletionRequest, UpstreamClient, UpstreamUsage } from "./upstream-client.js";
import { type ChatCompletionParams, validateChatRequest } from "./validate-request.js";

/** What the handler needs from the server. */
export interface ChatCompletionsContext {
  pipeline: ChatPipeline;
  upstream: UpstreamClient;
  /** The model name sent upstream; the client's `model` when undefined. */
  upstreamModel: string | undefined;
  /** `max_tokens` sent when the client gives none (vLLM's completions default is 16). */
  defaultMaxTokens: number;
  /** The largest request body accepted. */
  maxBodyBytes: number;
  /** Milliseconds a streaming client may stop reading before it is dropped (the upstream's silence timeout). */
  clientStallMs: number;
}

function upstreamRequest(ctx: ChatCompletionsContext, params: ChatCompletionParams, prepared: PreparedChat): CompletionRequest {
  const request: CompletionRequest = {
    model: ctx.upstreamModel ?? params.model,
    prompt: prepared.prompt,
    max_tokens: params.maxTokens ?? ctx.defaultMaxTokens,
    // The turn ends at <|im_end|>; the client's own stop strings come first.
    stop: [...params.stop, SPECIAL.imEnd.content],
  };
  if (params.temperature !== undefined) request.temperature = params.temperature;
  if (params.topP !== undefined) request.top_p = params.topP;
  if (params.seed !== undefined) request.seed = params.seed;
  if (params.presencePenalty !== undefined) request.presence_penalty = params.presencePenalty;
  if (params.frequencyPenalty !== undefined) request.frequency_penalty = params.frequencyPenalty;
  return request;
}

/** The finish reason of the answer: the upstream's `length` (cut at max_tokens) wins over the parser's. */
function finishReasonOf(upstream: string | null, parsed: FinishReason): FinishReason {
  return upstream === "length" ? "length" : parsed;
}

function completionTokens(ctx: ChatCompletionsContext, reported: UpstreamUsage | undefined, text: string): number {
  return reported?.completion_tokens ?? ctx.pipeline.countCompletionTokens(text);
}

async function parseAndPrepare(ctx: ChatCompletionsContext, req: IncomingMessage): Promise<{ params: ChatCompletionParams; prepared: PreparedChat }> {
  const text = await readJsonBody(req, ctx.maxBodyBytes);
  let body: unknown;
  try {
    body = ctx.pipeline.parseBody(text);
  } catch (e) {
    // The reader names the offset of a syntax error; anything else it refuses is the top level.
    const syntax = !KimiK2Error.isInstance(e) || e.details?.offset !== undefined;
    if (syntax) throw new HttpError(400, "invalid_request_error", `The request body is not valid JSON: ${(e as Error).message}`, { code: "invalid_json" });
    throw new HttpError(400, "invalid_request_error", `The request body must be a JSON object with "model" and "messages": ${(e as Error).message}`, { code: "invalid_type" });
  }
  const params = validateChatRequest(body);
  return { params, prepared: ctx.pipeline.prepare(params, body as Record<string, unknown>) };
}

async function answerWhole(ctx: ChatCompletionsContext, res: ServerResponse, params: ChatCompletionParams, prepared: PreparedChat, signal: AbortSignal): Promise<void> {
  const out = await ctx.upstream.complete(upstreamRequest(ctx, params, prepared), signal);
  const parsed = prepared.parseWhole(out.text);
  const message = { role: "assistant" as const, content: parsed.content, refusal: null, ...(parsed.tool_calls.length > 0 ? { tool_calls: parsed.tool_calls } : {}) };
  const identity = { id: completionId(), created: Math.floor(Date.now() / 1000), model: params.model };
  const counts = usage(prepared.promptTokens, completionTokens(ctx, out.usage, out.text));
  sendJson(res, 200, completion(identity, message, finishReasonOf(out.finishReason, parsed.finish_reason), counts));
}

async function answerStream(ctx: ChatCompletionsContext, res: ServerResponse, params: ChatCompletionParams, prepared: PreparedChat, signal: AbortSignal): Promise<void> {
  // Waits for the upstream's first piece before sending 200, so a refusal, an unreachable upstream
  // or one that answers garbage from the start is still a plain error status for the client.
  const batches = (await ctx.upstream.stream(upstreamRequest(ctx, params, prepared), signal))[Symbol.asyncIterator]();
  let next = await batches.next();
  const identity: ResponseIdentity = { id: completionId(), created: Math.floor(Date.now() / 1000), model: params.model, includeUsage: params.includeUsage };
  const sse = new SseWriter(res, ctx.clientStallMs);
  const parser: ResponseParser = prepared.createParser();
  let raw = "";
  let upstreamFinish: string | null = null;
  let reported: UpstreamUsage | undefined;
  const out: ChatCompletionChunk[] = [chunk(identity, { role: "assistant", content: "" })];
  try {
    for (; !next.done; next = await batches.next()) {
      for (const piece of next.value) {
        if (piece.usage) reported = piece.usage;
        if (piece.finishReason !== null) upstreamFinish = piece.finishReason;
        if (piece.text === "") continue;
        // The raw text is only needed to count tokens when the upstream does not.
        if (params.includeUsage) raw += piece.text;
        for (const delta of parser.push(piece.text)) out.push(chunk(identity, delta));
      }
      // One write for everything this network read produced.
      await sse.send(...out);
      out.length = 0;
    }
  } catch (e) {
    // A failure here rather than in the upstream (the parser, say) leaves the upstream stream
    // suspended: close it, which drops the connection, instead of letting it run on unread.
    void batches.return?.(undefined);
    const error = toHttpError(e);
    // The client is gone (aborted): nothing to tell. Otherwise the status line is sent already,
    // so the failure travels as an error event; OpenAI's clients raise it.
    if (error) {
      sse.send(...out);
      sse.fail(error.body());
    }
    return;
  }
  for (const delta of parser.end()) out.push(chunk(identity, delta));
  out.push(chunk(identity, {}, finishReasonOf(upstreamFinish, parser.finishReason())));
  if (params.includeUsage) {
    const completionCount = reported?.completion_tokens ?? ctx.pipeline.countCompletionTokens(raw);
    out.push(usageChunk(identity, usage(prepared.promptTokens, completionCount)));
  }
  sse.done(...out);
}

/** Handles one chat completion request. Never throws: failures become OpenAI error answers. */
export async function handleChatCompletions(ctx: ChatCompletionsContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const abort = new AbortController();
  // The response closing before it finished means the client went away: stop the generation.
  res.on("close", () => {
    if (!res.writableFinished) abort.abort();
  });
  try {
    const { params, prepared } = await parseAndPrepare(ctx, req);
    if (params.stream) await answerStream(ctx, res, params, prepared, abort.signal);
    else await answerWhole(ctx, res, params, prepared, abort.signal);
  } catch (e) {
    const error = toHttpError(e);
    if (!error || res.destroyed) return;
    if (res.headersSent) new SseWriter(res).fail(error.body());
    else sendJson(res, error.status, { error: error.body() });
  }
}
