/**
 * Rendering chat requests into Kimi K2 prompts: engine choice, semantics, validation, tool-call id
 * normalisation and `continue_final_message`.
 *
 * @packageDocumentation
 */
import { KimiK2Error } from "../errors.js";
import { ChatTemplate, compileTemplate } from "./chat-template.js";
import { jinjaSegments, nativeSegments, nativeText, type EngineInput, type Semantics } from "./engines.js";
import { renderError } from "./jinja.js";
import { isJsonFloat, isJsonObject, objectEntries, objectKeys, orderedObject, type JsonObject } from "./json-value.js";
import { validateChatRequest, type ChatMessage, type ChatRequest } from "./messages.js";
import { PROFILE_0905, type NativeProfile } from "./native.js";
import { normalizeToolCallIds } from "./normalize-ids.js";
import type { Segment } from "./segments.js";

/** Options of {@link renderChat} and {@link renderSegments}. */
export interface RenderOptions {
  /**
   * The template: its source text or a {@link ChatTemplate} from `compileTemplate` /
   * `loadChatTemplate`. Default: the native engine's built-in 0905 rules (no template file needed).
   */
  template?: string | ChatTemplate;
  /**
   * `auto` (default): native when the template is verified for it (or none is given) and the request
   * is valid, else Jinja. `native` / `jinja` force an engine.
   */
  engine?: "auto" | "native" | "jinja";
  /**
   * `kimi` (default): what the model's tokenizer class passes (tool schemas deep-sorted by key,
   * `add_generation_prompt` true unless given) — what vLLM and SGLang send. `raw`: the template as is.
   */
  semantics?: Semantics;
  /** Overrides the request's `add_generation_prompt` and the semantics' default. */
  addGenerationPrompt?: boolean;
  /** Rewrite history tool-call ids to `functions.{name}:{n}` first (see `normalizeToolCallIds`). */
  normalizeToolCallIds?: boolean;
  /**
   * Validate the request's shape (default true). With `false` the Jinja engine renders any JSON as
   * Python Jinja2 would; the native engine still requires a valid request.
   */
  validate?: boolean;
  /** The clock of the template's `strftime_now` (default: now). */
  now?: () => Date;
}

/** Result of {@link safeRenderChat}. */
export type SafeRenderResult = { ok: true; text: string } | { ok: false; error: KimiK2Error };
/** Result of {@link safeRenderSegments}. */
export type SafeSegmentsResult = { ok: true; segments: Segment[] } | { ok: false; error: KimiK2Error };

const CONTINUE_TAG = "CONTINUE_FINAL_MESSAGE_TAG ";
const TEMPLATE_CACHE = new Map<string, ChatTemplate>();
const TEMPLATE_CACHE_MAX = 16;
const PY_WS = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/;
const PY_WS_BOTH = /^[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

function resolveTemplate(t: RenderOptions["template"]): ChatTemplate | undefined {
  if (t === undefined) return undefined;
  if (t instanceof ChatTemplate) return t;
  if (typeof t !== "string") {
    throw new KimiK2Error("invalid_options", "options.template must be template source text or a ChatTemplate from compileTemplate()/loadChatTemplate().");
  }
  let c = TEMPLATE_CACHE.get(t);
  if (c === undefined) {
    c = compileTemplate(t);
    if (TEMPLATE_CACHE.size >= TEMPLATE_CACHE_MAX) TEMPLATE_CACHE.delete(TEMPLATE_CACHE.keys().next().value as string);
    TEMPLATE_CACHE.set(t, c);
  }
  return c;
}

interface Plan {
  engine: "native" | "jinja";
  template: ChatTemplate | undefined;
  profile: NativeProfile;
  input: EngineInput;
  /** Set when continue_final_message is on: the text to find and cut at. */
  cont: { finalText: string } | undefined;
}

function checkOptions(o: RenderOptions): void {
  if (o.engine !== undefined && o.engine !== "auto" && o.engine !== "native" && o.engine !== "jinja") {
    throw new KimiK2Error("invalid_options", `options.engine is ${JSON.stringify(o.engine)}; use "auto", "native" or "jinja".`);
  }
  if (o.semantics !== undefined && o.semantics !== "kimi" && o.semantics !== "raw") {
    throw new KimiK2Error("invalid_options", `options.semantics is ${JSON.stringify(o.semantics)}; use "kimi" or "raw".`);
  }
  if (o.addGenerationPrompt !== undefined && typeof o.addGenerationPrompt !== "boolean") {
    throw new KimiK2Error("invalid_options", "options.addGenerationPrompt must be a boolean.");
  }
}

function isValid(request: unknown, allowMissingIds: boolean): boolean {
  try {
    validateChatRequest(request, { allowMissingToolCallIds: allowMissingIds });
    return true;
  } catch {
    return false;
  }
}

/** Hugging Face's continue_final_message: tag the final message's text so the output can be cut there. */
function tagFinalMessage(request: ChatRequest, field: string, template: ChatTemplate | undefined): { request: ChatRequest; finalText: string } {
  const messages = request.messages;
  const invalid = (msg: string): never => {
    throw new KimiK2Error("invalid_request", msg, { details: { field: "continue_final_message" } });
  };
  if (!Array.isArray(messages) || messages.length === 0) return invalid("continue_final_message is set but there are no messages to continue.");
  const last = messages[messages.length - 1] as ChatMessage;
  const final = last[field];
  if (final === null || final === undefined) return invalid(`continue_final_message is set but the final message has no "${field}" to continue!`);
  if (template ? !template.source.includes(field) : field !== "content") {
    return invalid(`continue_final_message is set to "${field}" but this is not an accepted field in the chat_template`);
  }
  let finalText: string;
  let newValue: unknown;
  if (Array.isArray(final)) {
    const blocks = final.slice();
    // Python's `for block in reversed(final): if "text" in block: ...`: `in` is a key test on a
    // dict, but a substring test on a string and an item test on a list (whose `block["text"]`
    // then raises), and a TypeError on anything else.
    let k = blocks.length - 1;
    for (; k >= 0; k--) {
      const b = blocks[k] as unknown;
      if (b instanceof Map ? b.has("text") : isJsonObject(b) && Object.prototype.hasOwnProperty.call(b, "text")) break;
      if (typeof b === "string" ? b.includes("text") : Array.isArray(b) ? b.includes("text") : !isJsonObject(b)) {
        return invalid(`continue_final_message: the final message's content[${k}] is not a content part; Python raises TypeError on it.`);
      }
    }
    if (k < 0) return invalid("continue_final_message is set but we could not find any text to continue in the final message!");
    const block = blocks[k] as Map<string, unknown> | Record<string, unknown>;
    const text = block instanceof Map ? block.get("text") : block.text;
    if (typeof text !== "string") return invalid("continue_final_message: the final text block's text must be a string.");
    finalText = text;
    blocks[k] = block instanceof Map ? new Map(block).set("text", text + CONTINUE_TAG) : orderedObject([...objectEntries(block as JsonObject), ["text", text + CONTINUE_TAG]]);
    newValue = blocks;
  } else {
    if (typeof final !== "string") return invalid(`continue_final_message: the final message's "${field}" must be a string or a list of parts.`);
    finalText = final;
    newValue = final + CONTINUE_TAG;
  }
  const msgs = messages.slice();
  msgs[msgs.length - 1] = { ...last, [field]: newValue } as ChatMessage;
  return { request: { ...request, messages: msgs }, finalText };
}

function plan(requestIn: ChatRequest, options: RenderOptions = {}): Plan {
  checkOptions(options);
  const template = resolveTemplate(options.template);
  const semantics = options.semantics ?? "kimi";
  const validate = options.validate !== false;
  let request = requestIn;
  if (options.normalizeToolCallIds) request = normalizeToolCallIds(request).request;
  const forced = options.engine ?? "auto";
  const nativeLikely = forced === "native" || (forced === "auto" && (!template || template.nativeProfile !== null));
  // The native engine's serialiser rejects non-JSON schemas and arguments itself (see `checked`).
  if (validate) validateChatRequest(request, { deep: !nativeLikely });
  if (typeof request !== "object" || request === null) throw new KimiK2Error("invalid_request", "the request must be an object with a \"messages\" array.");
  const contOpt = (request as { continue_final_message?: unknown }).continue_final_message;
  const continuing = pyTruthy(contOpt);
  const agpRequest = (request as { add_generation_prompt?: unknown }).add_generation_prompt;
  const agpGiven: unknown = options.addGenerationPrompt !== undefined ? options.addGenerationPrompt : agpRequest;
  // transformers and vLLM refuse both; Kimi semantics' default (true) gives way to continuing, which
  // renders the same since the output is cut inside the final message.
  if (continuing && agpGiven !== undefined && pyTruthy(agpGiven)) {
    throw new KimiK2Error(
      "invalid_request",
      "continue_final_message and add_generation_prompt are both set: the model cannot continue the final message and start a new assistant turn. Set add_generation_prompt to false, or leave it out.",
      { details: { field: "add_generation_prompt" } },
    );
  }
  const addGenerationPrompt: unknown = agpGiven !== undefined ? agpGiven : !continuing && semantics === "kimi";
  const documents = (request as { documents?: unknown }).documents;
  if (documents !== undefined && documents !== null) {
    // Python iterates the documents and wants a dict at every step: a list of dicts passes, and so
    // do an empty string or an empty dict (nothing to iterate); numbers and booleans do not iterate.
    const ok = Array.isArray(documents) ? documents.every(isJsonObject) : documents === "" || (isJsonObject(documents) && objectKeysOf(documents).length === 0);
    if (!ok) throw new KimiK2Error("invalid_request", "Documents should be a list of dicts with 'title' and 'text' keys!", { details: { field: "documents" } });
  }
  let cont: Plan["cont"];
  if (continuing) {
    const tagged = tagFinalMessage(request, typeof contOpt === "string" ? contOpt : "content", template);
    request = tagged.request;
    cont = { finalText: tagged.finalText };
  }
  let engine: "native" | "jinja";
  if (forced === "jinja") {
    if (!template) {
      throw new KimiK2Error("invalid_options", "the Jinja engine needs the template text: pass options.template (for example loadChatTemplate(modelDir)).");
    }
    engine = "jinja";
  } else if (forced === "native") {
    if (!validate) validateChatRequest(request);
    engine = "native";
  } else if (!template) {
    if (!validate) validateChatRequest(request);
    engine = "native";
  } else {
    engine = template.nativeProfile !== null && (validate || isValid(request, false)) ? "native" : "jinja";
  }
  const profile = template?.nativeProfile ?? PROFILE_0905;
  return { engine, template, profile, input: { request, addGenerationPrompt, semantics, now: options.now }, cont };
}

/** The keys of a JSON object (plain object or `Map`). */
function objectKeysOf(o: JsonObject): string[] {
  return o instanceof Map ? [...o.keys()] : objectKeys(o);
}

/** Python's truth value of request data (`0.0`, `[]` and `{}` are false, `NaN` is true). */
function pyTruthy(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "bigint") return v !== 0n;
  if (typeof v === "string") return v !== "";
  if (typeof v === "boolean") return v;
  if (isJsonFloat(v)) return v.value !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isJsonObject(v)) return objectKeysOf(v).length > 0;
  return true;
}

function pyStrip(s: string): string {
  return s.replace(PY_WS_BOTH, "");
}

/** Hugging Face's cut: the output ends right before the tag (and loses trailing space if the tag was altered). */
function cutAtTag(segs: Segment[], finalText: string): Segment[] {
  const text = segs.map((s) => s.text).join("");
  const tag = CONTINUE_TAG.trim();
  if (!text.includes(pyStrip(finalText)) || !text.includes(tag)) {
    throw new KimiK2Error("invalid_request", "continue_final_message is set but the final message does not appear in the rendered chat", {
      details: { field: "continue_final_message" },
    });
  }
  const loc = text.lastIndexOf(tag);
  let end = loc;
  if (text.slice(loc, loc + CONTINUE_TAG.length) !== CONTINUE_TAG) end = text.slice(0, loc).replace(PY_WS, "").length;
  const out: Segment[] = [];
  let off = 0;
  for (const s of segs) {
    if (off >= end) break;
    const take = s.text.slice(0, end - off);
    if (take) out.push({ text: take, kind: s.kind });
    off += s.text.length;
  }
  return out;
}

/** Runs an engine; a failure of the native engine is re-checked deeply so the error names the field. */
function checked<T>(p: Plan, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (p.engine === "native") validateChatRequest(p.input.request);
    throw renderError(e);
  }
}

function run(p: Plan): Segment[] {
  const segs = checked(p, () => (p.engine === "native" ? nativeSegments(p.input, p.profile) : jinjaSegments((p.template as ChatTemplate).program, p.input)));
  return p.cont ? cutAtTag(segs, p.cont.finalText) : segs;
}

/**
 * Renders a chat request into the prompt text the model receives.
 *
 * @throws {@link KimiK2Error} `invalid_request` (naming the message index and field), `invalid_options`,
 *   `template_error` (the template raised, or does not parse), `template_unsupported`.
 */
export function renderChat(request: ChatRequest, options?: RenderOptions): string {
  const p = plan(request, options);
  if (p.engine === "native" && !p.cont) return checked(p, () => nativeText(p.input, p.profile));
  return run(p).map((s) => s.text).join("");
}

/**
 * Renders a chat request as segments: `markup` is what the template wrote, `content` came from the
 * request. Their concatenation equals {@link renderChat}'s result.
 *
 * @throws {@link KimiK2Error} as {@link renderChat}.
 */
export function renderSegments(request: ChatRequest, options?: RenderOptions): Segment[] {
  return run(plan(request, options));
}

/** {@link renderChat} without throwing. */
export function safeRenderChat(request: ChatRequest, options?: RenderOptions): SafeRenderResult {
  try {
    return { ok: true, text: renderChat(request, options) };
  } catch (e) {
    return { ok: false, error: renderError(e) };
  }
}

/** {@link renderSegments} without throwing. */
export function safeRenderSegments(request: ChatRequest, options?: RenderOptions): SafeSegmentsResult {
  try {
    return { ok: true, segments: renderSegments(request, options) };
  } catch (e) {
    return { ok: false, error: renderError(e) };
  }
}

/** Which engine {@link renderChat} would use for this request and options (for logging and tests). */
export function selectedEngine(request: ChatRequest, options?: RenderOptions): "native" | "jinja" {
  return plan(request, options).engine;
}
