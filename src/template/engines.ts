/**
 * The two engines behind one input shape: what Hugging Face's `apply_chat_template` passes to a
 * template (messages, tools, documents, `add_generation_prompt`, the special-token variables, the
 * request's other keys), with Kimi or raw semantics applied to the tools.
 *
 * @packageDocumentation
 */
import { SPECIAL_TOKENS_MAP } from "../special-tokens.js";
import { requestValue, type JinjaProgram } from "./jinja.js";
import type { JsonValue } from "./json-value.js";
import type { ChatRequest } from "./messages.js";
import { renderNativeSegments, renderNativeText, type NativeProfile } from "./native.js";
import { compareCodePoints } from "./py-format.js";
import { PyDict, type PyValue } from "./py-values.js";
import type { Segment } from "./segments.js";

/** How the tokenizer class shapes the template's input. */
export type Semantics = "kimi" | "raw";

/** Request keys that are arguments of `apply_chat_template` rather than template variables. */
const RESERVED = new Set(["messages", "tools", "documents", "add_generation_prompt", "continue_final_message"]);

/** Kimi semantics: every dict in the tools sorted by key (code point order), recursively. */
function deepSort(v: PyValue): PyValue {
  if (Array.isArray(v)) return v.map(deepSort);
  if (v instanceof PyDict) {
    const keys = [...v.map.keys()].sort(compareCodePoints);
    return new PyDict(new Map(keys.map((k) => [k, deepSort(v.map.get(k) as PyValue)])), v.keysContent);
  }
  return v;
}

/** What an engine renders. */
export interface EngineInput {
  request: ChatRequest;
  /** The value of `add_generation_prompt` (a boolean unless validation was skipped). */
  addGenerationPrompt: unknown;
  semantics: Semantics;
  /** Clock of `strftime_now`. */
  now?: () => Date;
}

/** The variables a Jinja template sees, as Hugging Face passes them. */
export function jinjaVariables(input: EngineInput): Map<string, PyValue> {
  const { request } = input;
  const vars = new Map<string, PyValue>();
  for (const [k, v] of Object.entries(SPECIAL_TOKENS_MAP)) vars.set(k, Array.isArray(v) ? [...v] : (v as string));
  for (const [k, v] of Object.entries(request)) {
    if (!RESERVED.has(k) && v !== undefined) vars.set(k, requestValue(v as JsonValue, `request.${k}`));
  }
  vars.set("messages", requestValue(request.messages as unknown as JsonValue, "messages"));
  const tools = request.tools === undefined ? null : requestValue(request.tools as unknown as JsonValue, "tools");
  vars.set("tools", input.semantics === "kimi" ? deepSort(tools) : tools);
  vars.set("documents", request.documents === undefined ? null : requestValue(request.documents as unknown as JsonValue, "documents"));
  const agp = input.addGenerationPrompt;
  vars.set("add_generation_prompt", typeof agp === "boolean" ? agp : requestValue(agp as JsonValue, "add_generation_prompt"));
  return vars;
}

/** Renders with the Jinja engine. */
export function jinjaSegments(program: JinjaProgram, input: EngineInput): Segment[] {
  return program.render(jinjaVariables(input), input.now);
}

function nativeInput(input: EngineInput, profile: NativeProfile) {
  return { request: input.request, addGenerationPrompt: input.addGenerationPrompt === true, sortToolKeys: input.semantics === "kimi", profile };
}

/** Renders a validated request with the native engine. */
export function nativeSegments(input: EngineInput, profile: NativeProfile): Segment[] {
  return renderNativeSegments(nativeInput(input, profile));
}

/** Renders a validated request with the native engine, text only. */
export function nativeText(input: EngineInput, profile: NativeProfile): string {
  return renderNativeText(nativeInput(input, profile));
}
