/**
 * Validation of a `POST /v1/chat/completions` body: the fields the proxy reads, checked before
 * anything is rendered or sent upstream. A mistake is a 400 whose `param` names the field.
 * Message contents are checked by the template renderer, which names the message index and field.
 *
 * @packageDocumentation
 */
import { HttpError, invalidField } from "./http-error.js";

/** A declared tool, as the request gives it. */
export interface ToolDeclaration {
  type: "function";
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

/** `tool_choice`, as OpenAI defines it. */
export type ToolChoice = "auto" | "none" | "required" | { type: "function"; function: { name: string } };

/** The validated parameters of a chat completion request. */
export interface ChatCompletionParams {
  /** The model name the client asked for. */
  model: string;
  /** The conversation (each an object with a string `role`; the renderer checks the rest). */
  messages: Record<string, unknown>[];
  /** Whether to answer with server-sent events. */
  stream: boolean;
  /** `stream_options.include_usage`: a last chunk with `usage` and no choices. */
  includeUsage: boolean;
  /** `max_completion_tokens`, else `max_tokens`. */
  maxTokens: number | undefined;
  /** Sampling temperature (0..2). */
  temperature: number | undefined;
  /** Nucleus sampling (0..1]. */
  topP: number | undefined;
  /** The client's stop strings (the proxy adds `<|im_end|>` when it asks the upstream). */
  stop: string[];
  /** Sampling seed. */
  seed: number | undefined;
  /** Presence penalty (-2..2). */
  presencePenalty: number | undefined;
  /** Frequency penalty (-2..2). */
  frequencyPenalty: number | undefined;
  /** The declared tools, if any. */
  tools: ToolDeclaration[] | undefined;
  /** `tool_choice`; `auto` when absent. */
  toolChoice: ToolChoice;
  /** `parallel_tool_calls`; true when absent. */
  parallelToolCalls: boolean;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
/** The value for an error message. The reader gives numbers beyond 2^53 as bigints and floats such as `1.0` as wrappers: both are numbers to the client. */
function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  const n = typeof v === "bigint" ? v : numeric(v);
  if (n !== undefined) return `number ${String(n)}`;
  return typeof v === "object" ? "an object" : `${typeof v} ${JSON.stringify(v)}`;
}

/**
 * A number as the request reader gives it: a plain number, a float wrapper such as `1.0` read with
 * Python fidelity (an object whose `valueOf()` is a number), or a `bigint` beyond 2^53.
 */
function numeric(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "object" && v !== null && !Array.isArray(v)) {
    const n: unknown = (v as { valueOf(): unknown }).valueOf();
    if (typeof n === "number") return n;
  }
  return undefined;
}

function optionalNumber(body: Json, field: string, min: number, max: number, { integer = false, minExclusive = false } = {}): number | undefined {
  const raw = body[field];
  if (raw === undefined || raw === null) return undefined;
  const v = numeric(raw);
  if (v === undefined || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw invalidField(field, `'${field}' must be ${integer ? "an integer" : "a number"}, got ${describe(raw)}.`, "invalid_type");
  }
  if (v < min || v > max || (minExclusive && v === min)) {
    const lower = minExclusive ? `greater than ${min}` : `at least ${min}`;
    throw invalidField(field, `'${field}' must be ${lower} and at most ${max}, got ${v}.`);
  }
  return v;
}

function optionalBoolean(body: Json, field: string, fallback: boolean): boolean {
  const v = body[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "boolean") throw invalidField(field, `'${field}' must be a boolean, got ${describe(v)}.`, "invalid_type");
  return v;
}

function validateMessages(v: unknown): Json[] {
  if (v === undefined || v === null) throw invalidField("messages", "'messages' is required: a non-empty array of chat messages.", "missing_required_parameter");
  if (!Array.isArray(v)) throw invalidField("messages", `'messages' must be an array, got ${describe(v)}.`, "invalid_type");
  if (v.length === 0) throw invalidField("messages", "'messages' must contain at least one message.", "empty_array");
  v.forEach((m, i) => {
    if (!isObject(m)) throw invalidField(`messages[${i}]`, `'messages[${i}]' must be an object, got ${describe(m)}.`, "invalid_type");
    if (typeof m.role !== "string" || m.role === "") {
      throw invalidField(`messages[${i}].role`, `'messages[${i}].role' must be a non-empty string such as "user", got ${describe(m.role)}.`, "invalid_type");
    }
  });
  return v as Json[];
}

function validateStop(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  const list = typeof v === "string" ? [v] : v;
  if (!Array.isArray(list) || !list.every((s) => typeof s === "string" && s !== "")) {
    throw invalidField("stop", `'stop' must be a non-empty string or an array of non-empty strings, got ${describe(v)}.`, "invalid_type");
  }
  return list as string[];
}

function validateTools(v: unknown): ToolDeclaration[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw invalidField("tools", `'tools' must be an array of {type: "function", function: {...}}, got ${describe(v)}.`, "invalid_type");
  const seen = new Set<string>();
  v.forEach((t, i) => {
    const at = `tools[${i}]`;
    if (!isObject(t)) throw invalidField(at, `'${at}' must be an object, got ${describe(t)}.`, "invalid_type");
    if (t.type !== "function") throw invalidField(`${at}.type`, `'${at}.type' must be "function", got ${describe(t.type)}.`);
    const fn = t.function;
    if (!isObject(fn)) throw invalidField(`${at}.function`, `'${at}.function' must be an object with a name, got ${describe(fn)}.`, "invalid_type");
    if (typeof fn.name !== "string" || fn.name === "") {
      throw invalidField(`${at}.function.name`, `'${at}.function.name' must be a non-empty string, got ${describe(fn.name)}.`, "invalid_type");
    }
    if (seen.has(fn.name)) throw invalidField(`${at}.function.name`, `'${at}.function.name' repeats the tool name "${fn.name}"; tool names must be unique.`);
    seen.add(fn.name);
    if (fn.parameters !== undefined && fn.parameters !== null && !isObject(fn.parameters)) {
      throw invalidField(`${at}.function.parameters`, `'${at}.function.parameters' must be a JSON Schema object, got ${describe(fn.parameters)}.`, "invalid_type");
    }
    if (fn.description !== undefined && fn.description !== null && typeof fn.description !== "string") {
      throw invalidField(`${at}.function.description`, `'${at}.function.description' must be a string, got ${describe(fn.description)}.`, "invalid_type");
    }
  });
  return v as ToolDeclaration[];
}

function validateToolChoice(v: unknown, tools: ToolDeclaration[] | undefined): ToolChoice {
  if (v === undefined || v === null) return "auto";
  if (v === "auto" || v === "none") return v;
  if (v === "required") {
    if (!tools || tools.length === 0) throw invalidField("tool_choice", "'tool_choice' is \"required\" but the request declares no tools: add 'tools' or drop 'tool_choice'.");
    return v;
  }
  if (isObject(v) && v.type === "function" && isObject(v.function) && typeof v.function.name === "string") {
    const name = v.function.name;
    if (!tools?.some((t) => t.function.name === name)) {
      throw invalidField("tool_choice", `'tool_choice' names the function "${name}", which is not among the request's 'tools'.`);
    }
    return { type: "function", function: { name } };
  }
  throw invalidField("tool_choice", `'tool_choice' must be "auto", "none", "required" or {"type": "function", "function": {"name": ...}}, got ${describe(v)}.`);
}

/** Fields OpenAI defines that this proxy cannot honour: a 400 rather than a silently different answer. */
function rejectUnsupported(body: Json): void {
  if (body.n !== undefined && body.n !== null && numeric(body.n) !== 1) {
    throw invalidField("n", `'n' must be 1: this proxy returns one choice per request (got ${describe(body.n)}).`, "unsupported_value");
  }
  // The deprecated function-calling fields: ignored, the model would never see the functions.
  for (const field of ["functions", "function_call"]) {
    if (body[field] !== undefined && body[field] !== null) {
      throw invalidField(field, `'${field}' (deprecated) is not supported by this proxy: declare the functions in 'tools' and use 'tool_choice'.`, "unsupported_value");
    }
  }
  if (body.logprobs === true) throw invalidField("logprobs", "'logprobs' is not supported by this proxy: drop it or set it to false.", "unsupported_value");
  const format = body.response_format;
  if (format !== undefined && format !== null && !(isObject(format) && format.type === "text")) {
    throw invalidField("response_format", "'response_format' other than {\"type\": \"text\"} is not supported by this proxy.", "unsupported_value");
  }
}

/**
 * Checks a parsed request body and returns the parameters the proxy uses.
 *
 * @throws {@link HttpError} 400 naming the field at fault.
 */
export function validateChatRequest(body: unknown): ChatCompletionParams {
  if (!isObject(body)) throw new HttpError(400, "invalid_request_error", `The request body must be a JSON object, got ${describe(body)}.`, { code: "invalid_type" });
  if (typeof body.model !== "string" || body.model === "") {
    throw invalidField("model", `'model' is required: a non-empty string, got ${describe(body.model)}.`, body.model === undefined ? "missing_required_parameter" : "invalid_type");
  }
  const messages = validateMessages(body.messages);
  const stream = optionalBoolean(body, "stream", false);
  let includeUsage = false;
  const options = body.stream_options;
  if (options !== undefined && options !== null) {
    if (!stream) throw invalidField("stream_options", "'stream_options' is only allowed when 'stream' is true.");
    if (!isObject(options)) throw invalidField("stream_options", `'stream_options' must be an object, got ${describe(options)}.`, "invalid_type");
    includeUsage = optionalBoolean(options, "include_usage", false);
  }
  rejectUnsupported(body);
  const maxTokens = optionalNumber(body, "max_completion_tokens", 1, Number.MAX_SAFE_INTEGER, { integer: true }) ?? optionalNumber(body, "max_tokens", 1, Number.MAX_SAFE_INTEGER, { integer: true });
  const tools = validateTools(body.tools);
  return {
    model: body.model,
    messages,
    stream,
    includeUsage,
    maxTokens,
    temperature: optionalNumber(body, "temperature", 0, 2),
    topP: optionalNumber(body, "top_p", 0, 1, { minExclusive: true }),
    stop: validateStop(body.stop),
    seed: optionalNumber(body, "seed", Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, { integer: true }),
    presencePenalty: optionalNumber(body, "presence_penalty", -2, 2),
    frequencyPenalty: optionalNumber(body, "frequency_penalty", -2, 2),
    tools,
    toolChoice: validateToolChoice(body.tool_choice, tools),
    parallelToolCalls: optionalBoolean(body, "parallel_tool_calls", true),
  };
}
