/**
 * The streaming tool-call parser: text deltas or token ids in, typed events out.
 *
 * @packageDocumentation
 */
import { KimiK2Error } from "../errors.js";
import { NUM_BASE_RANKS, SPECIAL, classifyId, isToolMarkerId, specialTokenString } from "../special-tokens.js";
import type { MarkerName, ToolCallEvent } from "./events.js";
import { Machine } from "./machine.js";
import { MARKER_SPELLINGS, NONE, PARTIAL, matchMarker } from "./markers.js";
import { ToolSet, type ToolChoice, type ToolDefinition } from "./validate.js";

/**
 * Turns token ids below 163584 into bytes. The tokenizer's `Tokenizer` has this method; the parser
 * takes this minimal interface so that it never loads a vocabulary itself.
 */
export interface TokenDecoder {
  /** The concatenated bytes of the tokens (which may end inside a UTF-8 character). */
  decodeBytes(ids: ArrayLike<number>): Uint8Array;
}

/** Options of {@link ToolCallParser}. */
export interface ToolCallParserOptions {
  /** The request's tools: names are checked (whole-name) and arguments validated against `parameters`. Reports only. */
  readonly tools?: readonly ToolDefinition[];
  /**
   * The request's `tool_choice`. `none`: calls are removed (markers stripped, text reported in
   * `tool_call_suppressed` diagnostics). `required` or a named function: a `tool_choice_violated`
   * diagnostic when the output does not comply (the calls are kept). Default `auto`.
   */
  readonly tool_choice?: ToolChoice;
  /** `false`: the first call is kept, later ones are removed with `parallel_tool_call_dropped`. Default true. */
  readonly parallel_tool_calls?: boolean;
  /** Text after (or between) sections: kept as content (default) or dropped with a `text_after_section` diagnostic. */
  readonly textAfterSection?: "content" | "drop";
  /** With `tools`, resolve a name that is not a tool to the longest tool name ending the header as a whole name (`functions<read` → `read`). Flagged `name_resolved`. Default false. */
  readonly resolveNames?: boolean;
  /** Opt-in repair of complete calls: double-encoded arguments unwrapped, empty arguments → `{}`, in `repairedArguments`. Default false. */
  readonly repair?: boolean;
  /** Needed by {@link ToolCallParser.pushTokens}: decodes non-special ids to bytes. */
  readonly tokenDecoder?: TokenDecoder;
}

const HIGH_SURROGATE_MIN = 0xd800;
const HIGH_SURROGATE_MAX = 0xdbff;
const TURN_END_IDS = new Set<number>([SPECIAL.imEnd.id, SPECIAL.eos.id]);
const MARKER_BY_ID = new Map<number, MarkerName>([
  [SPECIAL.toolCallsSectionBegin.id, "tool_calls_section_begin"],
  [SPECIAL.toolCallsSectionEnd.id, "tool_calls_section_end"],
  [SPECIAL.toolCallBegin.id, "tool_call_begin"],
  [SPECIAL.toolCallArgumentBegin.id, "tool_call_argument_begin"],
  [SPECIAL.toolCallEnd.id, "tool_call_end"],
]);

function checkOptions(o: ToolCallParserOptions): void {
  if (typeof o !== "object" || o === null) throw new KimiK2Error("invalid_options", "ToolCallParser options must be an object (or omitted).");
  const choice: unknown = o.tool_choice;
  if (choice !== undefined && choice !== "auto" && choice !== "none" && choice !== "required") {
    const name: unknown = (choice as { function?: { name?: unknown } } | null)?.function?.name;
    if (typeof choice !== "object" || typeof name !== "string") {
      throw new KimiK2Error("invalid_options", 'options.tool_choice must be "auto", "none", "required" or {type: "function", function: {name}}.');
    }
  }
  if (o.parallel_tool_calls !== undefined && typeof o.parallel_tool_calls !== "boolean") {
    throw new KimiK2Error("invalid_options", "options.parallel_tool_calls must be a boolean.");
  }
  for (const flag of ["resolveNames", "repair"] as const) {
    if (o[flag] !== undefined && typeof o[flag] !== "boolean") throw new KimiK2Error("invalid_options", `options.${flag} must be a boolean.`);
  }
  if (o.textAfterSection !== undefined && o.textAfterSection !== "content" && o.textAfterSection !== "drop") {
    throw new KimiK2Error("invalid_options", 'options.textAfterSection must be "content" or "drop".');
  }
  if (o.tokenDecoder !== undefined && typeof o.tokenDecoder?.decodeBytes !== "function") {
    throw new KimiK2Error("invalid_options", "options.tokenDecoder must have a decodeBytes(ids) method (the tokenizer has one).");
  }
}

/**
 * Turns Kimi K2 output into typed events, incrementally. One instance per stream:
 * ```ts
 * const parser = new ToolCallParser({ tools });
 * for await (const delta of stream) emit(parser.push(delta));
 * emit(parser.end());
 * ```
 * Work per push is proportional to the delta. Never throws on model output; throws
 * {@link KimiK2Error} on caller mistakes (bad options, push after end, mixing text and ids).
 */
export class ToolCallParser {
  private readonly options: ToolCallParserOptions;
  private readonly tools: ToolSet | undefined;
  private machine!: Machine;
  /** Text held back: a possible marker prefix, or a high surrogate whose pair has not arrived. */
  private held = "";
  private mode: "text" | "tokens" | null = null;
  private ended = false;
  private utf8: TextDecoder | undefined;

  constructor(options: ToolCallParserOptions = {}) {
    checkOptions(options);
    this.options = options;
    this.tools = options.tools === undefined ? undefined : new ToolSet(options.tools);
    if (this.tools) for (const name of this.tools.names()) this.tools.validator(name);
    this.reset();
  }

  /** Forgets everything: the instance is ready for a new stream. */
  reset(): void {
    const o = this.options;
    this.machine = new Machine({
      tools: this.tools,
      toolChoice: o.tool_choice ?? "auto",
      parallel: o.parallel_tool_calls ?? true,
      dropAfterSection: o.textAfterSection === "drop",
      resolveNames: o.resolveNames ?? false,
      repair: o.repair ?? false,
    });
    this.held = "";
    this.mode = null;
    this.ended = false;
    this.utf8 = undefined;
  }

  private begin(mode: "text" | "tokens"): ToolCallEvent[] {
    if (this.ended) throw new KimiK2Error("invalid_state", "This ToolCallParser has ended: call reset() or use a new parser for the next stream.");
    if (this.mode !== mode) {
      if (this.mode !== null) {
        throw new KimiK2Error("invalid_state", "Do not mix push() (text) and pushTokens() (ids) in one stream: use one or the other, or reset().");
      }
      this.mode = mode;
    }
    const out: ToolCallEvent[] = [];
    this.machine.out = out;
    return out;
  }

  /** Feeds a text delta (any size, possibly empty, possibly splitting a marker or a surrogate pair). */
  push(delta: string): ToolCallEvent[] {
    if (typeof delta !== "string") throw new KimiK2Error("invalid_options", "push() takes a string; use pushTokens() for token ids.");
    const out = this.begin("text");
    let s = delta;
    if (this.held !== "") {
      s = this.held + delta;
      this.held = "";
    }
    if (s !== "") this.scan(s);
    return out;
  }

  /** Common case first: find each `<`, and decide marker, text, or hold the rest. */
  private scan(s: string): void {
    const m = this.machine;
    let pos = 0;
    let i = s.indexOf("<");
    while (i !== -1) {
      const k = matchMarker(s, i);
      if (k === NONE) {
        i = s.indexOf("<", i + 1);
        continue;
      }
      if (i > pos) m.text(s.slice(pos, i));
      if (k === PARTIAL) {
        this.held = s.slice(i);
        return;
      }
      this.markerText(k);
      pos = i + MARKER_SPELLINGS[k]!.text.length;
      i = s.indexOf("<", pos);
    }
    let end = s.length;
    const last = s.charCodeAt(end - 1);
    // Never cut a surrogate pair across events: its low half may be in the next delta.
    if (end > pos && last >= HIGH_SURROGATE_MIN && last <= HIGH_SURROGATE_MAX) {
      end--;
      this.held = s.slice(end);
    }
    if (end > pos) m.text(pos === 0 && end === s.length ? s : s.slice(pos, end));
  }

  private markerText(k: number): void {
    const spelling = MARKER_SPELLINGS[k]!;
    if (spelling.variant === "singular") {
      this.machine.diag("singular_section_marker", "info", `${spelling.text}: the singular spelling, accepted as the section marker.`, spelling.text);
    } else if (spelling.variant === "reserved") {
      this.machine.diag(
        "reserved_token_marker",
        "warning",
        `${spelling.text}: a tool-call marker printed as a reserved token (the server decoded with a wrong token table); accepted as <|${spelling.name}|>.`,
        spelling.text,
      );
    }
    this.machine.marker(spelling.name, spelling.text);
  }

  /**
   * Feeds token ids. Only 163595..163599 are markers: marker text written with ordinary tokens stays
   * text. `<|im_end|>` and `[EOS]` end the turn when nothing follows them; other special ids become
   * their string form with an `unexpected_special_token` diagnostic; invalid ids are reported and
   * skipped. Incomplete UTF-8 is held back until the next push.
   */
  pushTokens(ids: ArrayLike<number>): ToolCallEvent[] {
    const decoder = this.options.tokenDecoder;
    if (decoder === undefined) throw new KimiK2Error("invalid_options", "pushTokens() needs options.tokenDecoder (for example the tokenizer) to turn ids into text.");
    if (ids === null || typeof ids !== "object" || typeof ids.length !== "number") throw new KimiK2Error("invalid_options", "pushTokens() takes an array of token ids.");
    const out = this.begin("tokens");
    let run = -1;
    const n = ids.length;
    for (let k = 0; k < n; k++) {
      const id = ids[k]!;
      if (id >= 0 && id < NUM_BASE_RANKS && Number.isInteger(id)) {
        if (run < 0) run = k;
        continue;
      }
      if (run >= 0) {
        this.decodeRun(decoder, ids, run, k);
        run = -1;
      }
      this.special(id);
    }
    if (run >= 0) this.decodeRun(decoder, ids, run, n);
    return out;
  }

  private decodeRun(decoder: TokenDecoder, ids: ArrayLike<number>, from: number, to: number): void {
    const slice = from === 0 && to === ids.length ? ids : Array.prototype.slice.call(ids, from, to);
    // A streaming decoder holds an incomplete UTF-8 sequence until the next push, so no character is
    // ever split across events (many emoji span two tokens). It exists in browsers, edge runtimes and Node.
    this.utf8 ??= new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
    const text = this.utf8.decode(decoder.decodeBytes(slice), { stream: true });
    if (text !== "") this.machine.text(text);
  }

  /** Ends a pending UTF-8 sequence (as U+FFFD) before a special token or the end. */
  private flushUtf8(): void {
    if (this.utf8 === undefined) return;
    const text = this.utf8.decode();
    if (text !== "") this.machine.text(text);
  }

  private special(id: number): void {
    const m = this.machine;
    if (classifyId(id) === "invalid") {
      m.diag("invalid_token_id", "error", `${String(id)} is not a token id of this model: skipped.`, "");
      return;
    }
    this.flushUtf8();
    const str = specialTokenString(id)!;
    if (isToolMarkerId(id)) {
      m.marker(MARKER_BY_ID.get(id)!, str);
    } else if (TURN_END_IDS.has(id)) {
      m.marker("turn_end", str);
    } else {
      m.diag("unexpected_special_token", "warning", `The special token ${str} (${id}) is not a tool-call marker: kept as text.`, str);
      m.text(str);
    }
  }

  /** Ends the stream: releases held text, closes open calls (an unfinished call is marked incomplete). */
  end(): ToolCallEvent[] {
    const out = this.begin(this.mode ?? "text");
    this.ended = true;
    if (this.held !== "") {
      this.machine.text(this.held);
      this.held = "";
    }
    this.flushUtf8();
    this.machine.finish();
    return out;
  }
}
