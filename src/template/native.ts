/**
 * The native engine: the Kimi K2 Instruct 0905 template's rules in TypeScript, with no Jinja at run
 * time. It renders validated requests only, and is used automatically only for templates verified to
 * behave identically (see `compileTemplate`).
 *
 * @packageDocumentation
 */
import { SPECIAL } from "../special-tokens.js";
import type { ChatMessage, ChatRequest } from "./messages.js";
import { pyJsonDumps } from "./py-format.js";
import type { Segment } from "./segments.js";

/** Variants of the 0905 rules the native engine can reproduce. */
export interface NativeProfile {
  /**
   * Separators of the tool declaration JSON: `compact` (`tojson(separators=(',', ':'))`, the 0905
   * template as fixed in October 2025) or `default` (`", "` and `": "`, an alternative reading).
   */
  readonly toolSeparators: "compact" | "default";
}

/** The profile of the 0905 template. */
export const PROFILE_0905: NativeProfile = Object.freeze({ toolSeparators: "compact" });
/** The profile of the 0905 template read with default tool separators. */
export const PROFILE_0905_DEFAULT_SEPARATORS: NativeProfile = Object.freeze({ toolSeparators: "default" });

const IM_SYSTEM = SPECIAL.imSystem.content;
const IM_USER = SPECIAL.imUser.content;
const IM_ASSISTANT = SPECIAL.imAssistant.content;
const IM_MIDDLE = SPECIAL.imMiddle.content;
const IM_END = SPECIAL.imEnd.content;
const TOOL_DECLARE = `${IM_SYSTEM}tool_declare${IM_MIDDLE}`;
const DEFAULT_SYSTEM = `${IM_SYSTEM}system${IM_MIDDLE}You are Kimi, an AI assistant created by Moonshot AI.${IM_END}\n`;
const SECTION_BEGIN = SPECIAL.toolCallsSectionBegin.content;
const SECTION_END = SPECIAL.toolCallsSectionEnd.content;
const CALL_BEGIN = SPECIAL.toolCallBegin.content;
const ARG_BEGIN = SPECIAL.toolCallArgumentBegin.content;
const CALL_END = SPECIAL.toolCallEnd.content;
// The image placeholder is plain text in 0905 (these strings are not special tokens), then a newline.
const IMAGE_PLACEHOLDER = "<|media_start|>image<|media_content|><|media_pad|><|media_end|>\n";
const GENERATION_PROMPT = `${IM_ASSISTANT}assistant${IM_MIDDLE}`;
const COMPACT: readonly [string, string] = [",", ":"];

/** Where the renderer writes: text the template wrote (markup) or request data (content). */
interface Sink {
  m(text: string): void;
  c(text: string): void;
}

class TextSink implements Sink {
  out = "";
  m(text: string): void {
    this.out += text;
  }
  c(text: string): void {
    this.out += text;
  }
}

class SegmentSink implements Sink {
  readonly segs: Segment[] = [];
  private push(text: string, kind: Segment["kind"]): void {
    if (!text) return;
    const last = this.segs[this.segs.length - 1];
    if (last !== undefined && last.kind === kind) last.text += text;
    else this.segs.push({ text, kind });
  }
  m(text: string): void {
    this.push(text, "markup");
  }
  c(text: string): void {
    this.push(text, "content");
  }
}

/** What the native engine needs besides the messages. */
export interface NativeInput {
  /** The request (validated). */
  request: ChatRequest;
  /** Append the generation prompt. */
  addGenerationPrompt: boolean;
  /** Sort tool schema keys by code point (the model tokenizer's deep sort). */
  sortToolKeys: boolean;
  /** The rules variant. */
  profile: NativeProfile;
}

function hasKey(o: object, k: string): boolean {
  return o instanceof Map ? o.has(k) : Object.prototype.hasOwnProperty.call(o, k);
}

function renderContent(sink: Sink, content: ChatMessage["content"]): void {
  if (typeof content === "string") {
    sink.c(content);
    return;
  }
  if (content === null || content === undefined) return;
  for (const part of content) {
    // The template's test: type 'image', or a key named 'image' or 'image_url'.
    if (part.type === "image" || hasKey(part, "image") || hasKey(part, "image_url")) sink.m(IMAGE_PLACEHOLDER);
    else sink.c(part.text as string);
  }
}

function render(sink: Sink, input: NativeInput): void {
  const { request, profile } = input;
  const tools = request.tools;
  if (tools !== null && tools !== undefined && tools.length > 0) {
    sink.m(TOOL_DECLARE);
    sink.c(pyJsonDumps(tools, { separators: profile.toolSeparators === "compact" ? COMPACT : null, sortKeys: input.sortToolKeys }));
    sink.m(IM_END);
  }
  const messages = request.messages;
  for (let i = 0; i < messages.length; i++) {
    const msg = messages[i] as ChatMessage;
    if (i === 0 && msg.role !== "system") sink.m(DEFAULT_SYSTEM);
    const role = msg.role;
    sink.m(role === "user" ? IM_USER : role === "assistant" ? IM_ASSISTANT : IM_SYSTEM);
    // `message.get('name') or message['role']`: an empty name falls back to the role.
    sink.c(typeof msg.name === "string" && msg.name !== "" ? msg.name : role);
    sink.m(IM_MIDDLE);
    const calls = msg.tool_calls;
    if (role === "assistant" && calls !== null && calls !== undefined && calls.length > 0) {
      renderContent(sink, msg.content);
      sink.m(SECTION_BEGIN);
      for (const call of calls) {
        sink.m(CALL_BEGIN);
        sink.c(call.id);
        sink.m(ARG_BEGIN);
        const args = call.function.arguments;
        sink.c(typeof args === "string" ? args : pyJsonDumps(args));
        sink.m(CALL_END);
      }
      sink.m(SECTION_END);
    } else if (role === "tool") {
      sink.m("## Return of ");
      sink.c(msg.tool_call_id as string);
      sink.m("\n");
      renderContent(sink, msg.content);
    } else if (msg.content !== null) {
      // A missing content is Undefined, which `is not none`: the macro then renders nothing.
      renderContent(sink, msg.content);
    }
    sink.m(IM_END);
  }
  if (input.addGenerationPrompt) sink.m(GENERATION_PROMPT);
}

/** Renders a validated request to text with the native 0905 rules. */
export function renderNativeText(input: NativeInput): string {
  const sink = new TextSink();
  render(sink, input);
  return sink.out;
}

/** Renders a validated request to markup/content segments with the native 0905 rules. */
export function renderNativeSegments(input: NativeInput): Segment[] {
  const sink = new SegmentSink();
  render(sink, input);
  return sink.segs;
}
