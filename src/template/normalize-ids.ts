/**
 * Tool-call id normalisation. Kimi K2 was trained on ids `functions.{name}:{n}` with one counter
 * across the conversation, and copies the id style it sees in history: foreign ids (`call_abc`,
 * `search:0`) make it emit malformed ones. Moonshot's API rewrites history ids before inference;
 * this does the same, remaps the tool results that answer them, and returns the mapping so a proxy
 * can restore the client's ids.
 *
 * @packageDocumentation
 */
import type { ChatMessage, ChatRequest, ToolCall } from "./messages.js";

/** One rewritten id. */
export interface ToolCallIdMapping {
  /** The id the model sees (`functions.{name}:{n}`). */
  modelId: string;
  /** The id the client sent (`null` when the call had none). */
  clientId: string | null;
  /** Index of the assistant message holding the call. */
  messageIndex: number;
  /** Index of the call within that message's `tool_calls`. */
  callIndex: number;
}

/** Something worth telling the caller about the history's ids. */
export interface NormalizeDiagnostic {
  code:
    /** A tool message's `tool_call_id` matches no earlier call; it is left unchanged. */
    | "unmatched_tool_result"
    /** Two calls in the history share a client id; results are matched to the oldest unanswered one. */
    | "duplicate_tool_call_id";
  /** Index of the message concerned. */
  messageIndex: number;
  /** The client id concerned. */
  toolCallId: string | null;
  /** A readable explanation. */
  message: string;
}

/** Result of {@link normalizeToolCallIds}. */
export interface NormalizeResult {
  /** A copy of the request with rewritten ids (the input is not modified). */
  request: ChatRequest;
  /** Every rewritten call id, in conversation order. */
  mapping: ToolCallIdMapping[];
  /** Problems found in the history. */
  diagnostics: NormalizeDiagnostic[];
  /** The counter value the model's next call should use (`functions.{name}:{nextIndex}`). */
  nextIndex: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Rewrites every tool-call id in the history to `functions.{name}:{n}` (one counter across the
 * conversation, in order) and points each tool result at the rewritten id of the call it answers.
 * Malformed entries are copied unchanged (validation reports them when rendering).
 */
export function normalizeToolCallIds(request: ChatRequest): NormalizeResult {
  const mapping: ToolCallIdMapping[] = [];
  const diagnostics: NormalizeDiagnostic[] = [];
  // Unanswered model ids per client id, oldest first.
  const pending = new Map<string, string[]>();
  const answered = new Map<string, string>();
  const seen = new Set<string>();
  let counter = 0;
  const messages = Array.isArray(request.messages) ? request.messages : [];
  const out: ChatMessage[] = messages.map((msg, i) => {
    if (!isObject(msg)) return msg;
    const calls = msg.tool_calls;
    if (Array.isArray(calls) && calls.length > 0) {
      const newCalls = calls.map((call, j): ToolCall => {
        if (!isObject(call) || !isObject(call.function)) return call;
        const name = typeof call.function.name === "string" ? call.function.name : "";
        const modelId = `functions.${name}:${counter++}`;
        const clientId = typeof call.id === "string" ? call.id : null;
        mapping.push({ modelId, clientId, messageIndex: i, callIndex: j });
        if (clientId !== null) {
          if (seen.has(clientId)) {
            diagnostics.push({
              code: "duplicate_tool_call_id",
              messageIndex: i,
              toolCallId: clientId,
              message: `messages[${i}].tool_calls[${j}] reuses the id ${JSON.stringify(clientId)}; tool results with this id are matched to the oldest unanswered call.`,
            });
          }
          seen.add(clientId);
          const queue = pending.get(clientId) ?? [];
          queue.push(modelId);
          pending.set(clientId, queue);
        }
        return { ...call, id: modelId };
      });
      return { ...msg, tool_calls: newCalls };
    }
    if (msg.role === "tool") {
      const id = typeof msg.tool_call_id === "string" ? msg.tool_call_id : null;
      const queue = id === null ? undefined : pending.get(id);
      const next = queue?.shift();
      if (next !== undefined) {
        answered.set(id as string, next);
        return { ...msg, tool_call_id: next };
      }
      // A second result for an already answered call keeps pointing at that call.
      const again = id === null ? undefined : answered.get(id);
      if (again !== undefined) return { ...msg, tool_call_id: again };
      diagnostics.push({
        code: "unmatched_tool_result",
        messageIndex: i,
        toolCallId: id,
        message: `messages[${i}] answers tool call ${JSON.stringify(id)}, which no earlier assistant message made; its id is left unchanged.`,
      });
    }
    return msg;
  });
  return { request: { ...request, messages: out }, mapping, diagnostics, nextIndex: counter };
}

/** The client's id for a model id from {@link normalizeToolCallIds}' mapping (`undefined` if unknown). */
export function clientToolCallId(mapping: readonly ToolCallIdMapping[], modelId: string): string | null | undefined {
  return mapping.find((m) => m.modelId === modelId)?.clientId;
}
