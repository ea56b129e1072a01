/**
 * Chat requests as OpenAI's chat-completions API shapes them, and their validation.
 *
 * Validation rejects what the template cannot render meaningfully (a message without a role, a
 * content part of an unknown type, a tool message that names no call...), with an error that names
 * the message index and field and says what to do. It is on by default; with `validate: false` the
 * Jinja engine renders any JSON exactly as Python Jinja2 would, garbage in, garbage out.
 *
 * @packageDocumentation
 */
import { KimiK2Error } from "../errors.js";
import { isJsonFloat, isJsonObject, type JsonObject, type JsonValue } from "./json-value.js";

/** A text content part. */
export interface TextContentPart {
  type: "text";
  text: string;
  [key: string]: unknown;
}

/** An image content part as OpenAI sends it (`image_url`), or the `image` form some clients use. */
export interface ImageContentPart {
  type: "image_url" | "image";
  image_url?: { url: string; detail?: string; [key: string]: unknown } | string;
  image?: unknown;
  [key: string]: unknown;
}

/** A content part. The template renders text parts' `text` and a placeholder for images. */
export type ContentPart = TextContentPart | ImageContentPart;

/** A message's content: text, parts, or nothing. */
export type MessageContent = string | ContentPart[] | null;

/** A tool call in an assistant message (OpenAI shape). `arguments` may be JSON text or a JSON value. */
export interface ToolCall {
  /** The call id; the template copies it verbatim (see {@link normalizeToolCallIds}). */
  id: string;
  type?: "function";
  function: {
    name: string;
    /** JSON text (rendered verbatim) or any JSON value (rendered as Python's `json.dumps`). */
    arguments: string | JsonValue;
  };
  [key: string]: unknown;
}

/** One chat message. Roles other than user/assistant render with the system header. */
export interface ChatMessage {
  role: string;
  content?: MessageContent;
  /** Replaces the role in the turn header when non-empty. */
  name?: string | null;
  tool_calls?: ToolCall[] | null;
  /** Required on `tool` messages: the id of the call this result answers. */
  tool_call_id?: string;
  [key: string]: unknown;
}

/** A tool declaration (OpenAI shape); rendered as JSON. */
export interface RequestTool {
  type: "function" | string;
  function?: { name: string; description?: string; parameters?: JsonValue; [key: string]: unknown };
  [key: string]: unknown;
}

/**
 * A chat request. Keys other than the ones named here are passed to a Jinja template as variables
 * (as Hugging Face's `apply_chat_template` passes extra keyword arguments).
 */
export interface ChatRequest {
  messages: ChatMessage[];
  tools?: RequestTool[] | null;
  /** Append the assistant turn header. Default: true with Kimi semantics, false with raw semantics. */
  add_generation_prompt?: boolean;
  /** Leave the last message open for the model to continue (`true` for its `content`, or a field name). */
  continue_final_message?: boolean | string;
  /** Retrieval documents, passed to the template as `documents`. */
  documents?: JsonObject[] | null;
  [key: string]: unknown;
}

function invalid(message: string, details: Record<string, unknown>): never {
  throw new KimiK2Error("invalid_request", message, { details });
}

function describe(v: unknown): string {
  if (v === undefined) return "missing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (isJsonFloat(v) || typeof v === "number" || typeof v === "bigint") return "a number";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** Options of {@link validateChatRequest}. */
export interface ValidateOptions {
  /** Accept tool calls without an `id` (ids will be assigned by normalisation). */
  allowMissingToolCallIds?: boolean;
  /**
   * Check that tool schemas and call arguments hold only JSON data (default true). The native
   * engine skips it: serialising them fails on anything else, and then the full check runs to
   * name the field.
   */
  deep?: boolean;
}

/** True when a value is JSON data the renderers accept (fast path: no allocation). */
function isJsonData(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case "string":
    case "number":
    case "boolean":
    case "bigint":
      return true;
    case "object":
      break;
    default:
      return false;
  }
  if (v === null || isJsonFloat(v)) return true;
  if (depth > 1000) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!isJsonData(v[i], depth + 1)) return false;
    return true;
  }
  if (v instanceof Map) {
    for (const x of v.values()) if (!isJsonData(x, depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const k in v as Record<string, unknown>) if (!isJsonData((v as Record<string, unknown>)[k], depth + 1)) return false;
  return true;
}

/** The path and kind of the first non-JSON value (slow path, for the error message). */
function firstNonJson(v: unknown, where: string, depth = 0): [string, string] | undefined {
  if (isJsonData(v, depth)) return undefined;
  if (depth > 1000) return [where, "a structure nested too deeply"];
  if (typeof v !== "object" || v === null) return [where, describe(v)];
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const r = firstNonJson(v[i], `${where}[${i}]`, depth + 1);
      if (r) return r;
    }
    return undefined;
  }
  const entries = v instanceof Map ? [...v] : isJsonObject(v) ? Object.entries(v) : undefined;
  if (!entries) return [where, `a ${Object.getPrototypeOf(v)?.constructor?.name ?? "non-plain"} object`];
  for (const [k, x] of entries) {
    const r = firstNonJson(x, `${where}.${k}`, depth + 1);
    if (r) return r;
  }
  return undefined;
}

function checkJson(v: unknown, where: string, details: () => Record<string, unknown>): void {
  if (isJsonData(v, 0)) return;
  const [path, what] = firstNonJson(v, where) ?? [where, describe(v)];
  invalid(`${path} holds ${what}, which is not JSON data. Send strings, numbers, booleans, null, arrays and objects only.`, details());
}

function badPart(i: number, j: number, problem: string, field: string): never {
  return invalid(`messages[${i}].content[${j}]${problem}`, { messageIndex: i, field, partIndex: j });
}

function validateContent(content: unknown, i: number): void {
  if (content === null || content === undefined || typeof content === "string") return;
  if (!Array.isArray(content)) {
    invalid(
      `messages[${i}].content is ${describe(content)}; it must be a string, null, or an array of content parts ({"type": "text", "text": ...} or {"type": "image_url", ...}).`,
      { messageIndex: i, field: "content" },
    );
  }
  for (let j = 0; j < content.length; j++) {
    const part = content[j] as unknown;
    if (!isPlainObject(part)) badPart(i, j, ` is ${describe(part)}; a content part must be an object with a "type".`, "content");
    const type = part.type;
    if (type === "text") {
      if (typeof part.text !== "string") badPart(i, j, `.text is ${describe(part.text)}; a text part needs "text" as a string.`, "content.text");
    } else if (type === "image_url") {
      // The template draws the image placeholder for a part with an "image_url" or "image" key (or
      // type "image"); an "image_url" part with neither would silently render as its (missing) text.
      if (!("image_url" in part) && !("image" in part)) {
        badPart(i, j, `.image_url is missing; an "image_url" part needs "image_url" ({"url": ...}), or the template drops the image.`, "content.image_url");
      }
    } else if (type !== "image") {
      badPart(i, j, ` has type ${JSON.stringify(type ?? null)}; the Kimi K2 template renders only "text", "image_url" and "image" parts. Convert the part to text or drop it.`, "content.type");
    }
    if (!isJsonData(part, 0)) checkJson(part, `messages[${i}].content[${j}]`, () => ({ messageIndex: i, field: "content", partIndex: j }));
  }
}

function badCall(i: number, j: number, problem: string, field: string): never {
  return invalid(`messages[${i}].tool_calls[${j}]${problem}`, { messageIndex: i, field, callIndex: j });
}

function validateToolCalls(calls: unknown, i: number, opts: ValidateOptions): void {
  if (calls === null || calls === undefined) return;
  if (!Array.isArray(calls)) invalid(`messages[${i}].tool_calls is ${describe(calls)}; it must be an array of tool calls or null.`, { messageIndex: i, field: "tool_calls" });
  for (let j = 0; j < calls.length; j++) {
    const call = calls[j] as unknown;
    if (!isPlainObject(call)) badCall(i, j, ` is ${describe(call)}; a tool call must be {"id", "type": "function", "function": {"name", "arguments"}}.`, "tool_calls");
    if (typeof call.id !== "string" && !(opts.allowMissingToolCallIds && (call.id === undefined || call.id === null))) {
      badCall(i, j, `.id is ${describe(call.id)}; every tool call needs a string id (or render with normalizeToolCallIds: true to assign them).`, "tool_calls.id");
    }
    const fn = call.function;
    if (!isPlainObject(fn)) badCall(i, j, `.function is ${describe(fn)}; it must be an object with "name" and "arguments".`, "tool_calls.function");
    if (typeof fn.name !== "string") badCall(i, j, `.function.name is ${describe(fn.name)}; it must be the called tool's name as a string.`, "tool_calls.function.name");
    if (fn.arguments === undefined) {
      badCall(i, j, `.function.arguments is missing; send the arguments as JSON text or a JSON value ("{}" for none).`, "tool_calls.function.arguments");
    }
    if (opts.deep !== false && !isJsonData(call, 0)) checkJson(call, `messages[${i}].tool_calls[${j}]`, () => ({ messageIndex: i, field: "tool_calls", callIndex: j }));
  }
}

/**
 * Checks that a request has the shape the template expects.
 *
 * @throws {@link KimiK2Error} `invalid_request` naming the message index and field, with what to do.
 */
export function validateChatRequest(request: unknown, opts: ValidateOptions = {}): asserts request is ChatRequest {
  if (!isPlainObject(request)) invalid(`the request is ${describe(request)}; it must be an object with a "messages" array.`, { field: "request" });
  const messages = request.messages;
  if (!Array.isArray(messages)) invalid(`request.messages is ${describe(messages)}; it must be an array of messages.`, { field: "messages" });
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as unknown;
    if (!isPlainObject(m)) invalid(`messages[${i}] is ${describe(m)}; each message must be an object with a "role".`, { messageIndex: i, field: "message" });
    const role = m.role;
    if (typeof role !== "string") {
      invalid(
        role === undefined
          ? `messages[${i}].role is missing; every message needs a role ("system", "user", "assistant", "tool" or a custom name).`
          : `messages[${i}].role is ${describe(role)}; it must be a string.`,
        { messageIndex: i, field: "role" },
      );
    }
    validateContent(m.content, i);
    const name = m.name;
    if (name !== undefined && name !== null && typeof name !== "string") {
      invalid(`messages[${i}].name is ${describe(name)}; it must be a string (it replaces the role in the turn header).`, { messageIndex: i, field: "name" });
    }
    validateToolCalls(m.tool_calls, i, opts);
    if (role === "tool" && typeof m.tool_call_id !== "string") {
      invalid(
        m.tool_call_id === undefined
          ? `messages[${i}].tool_call_id is missing; a tool message must carry the id of the call it answers.`
          : `messages[${i}].tool_call_id is ${describe(m.tool_call_id)}; it must be the answered call's id as a string.`,
        { messageIndex: i, field: "tool_call_id" },
      );
    }
    for (const k in m) {
      if (k !== "content" && k !== "tool_calls" && k !== "role" && k !== "name" && k !== "tool_call_id") {
        if (!isJsonData(m[k], 0)) checkJson(m[k], `messages[${i}].${k}`, () => ({ messageIndex: i, field: k }));
      }
    }
  }
  const tools = request.tools;
  if (tools !== undefined && tools !== null) {
    if (!Array.isArray(tools)) invalid(`request.tools is ${describe(tools)}; it must be an array of tool definitions or null.`, { field: "tools" });
    tools.forEach((t: unknown, j) => {
      if (!isJsonObject(t)) invalid(`tools[${j}] is ${describe(t)}; a tool definition must be an object.`, { field: "tools", toolIndex: j });
      if (opts.deep !== false && !isJsonData(t, 0)) checkJson(t, `tools[${j}]`, () => ({ field: "tools", toolIndex: j }));
    });
  }
  const agp = request.add_generation_prompt;
  if (agp !== undefined && typeof agp !== "boolean") invalid(`request.add_generation_prompt is ${describe(agp)}; it must be true or false.`, { field: "add_generation_prompt" });
  const cont = request.continue_final_message;
  if (cont !== undefined && typeof cont !== "boolean" && typeof cont !== "string") {
    invalid(`request.continue_final_message is ${describe(cont)}; it must be a boolean or a field name.`, { field: "continue_final_message" });
  }
  for (const k in request) {
    if (k !== "messages" && k !== "tools" && !isJsonData(request[k], 0)) checkJson(request[k], `request.${k}`, () => ({ field: k }));
  }
}
