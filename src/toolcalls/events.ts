/**
 * The typed events a {@link ToolCallParser} emits, and the diagnostics it reports.
 *
 * Accounting (the conservation rule): every input character is in exactly one of
 * - `text.text` (content),
 * - `marker.raw` (a marker with the whitespace it absorbed),
 * - `tool_call.start.header` (the call header as written, minus the whitespace its marker absorbed),
 * - `tool_call.arguments.delta` (arguments),
 * - `diagnostic.raw` of a diagnostic whose `dropped` is true (text removed from the output).
 * Concatenating those fields over the events, in order, gives back the input exactly (in token mode:
 * the decoded text, each special id written as its string form). {@link accountedText} does that.
 *
 * @packageDocumentation
 */

/** The structural markers the parser recognises. */
export type MarkerName =
  | "tool_calls_section_begin"
  | "tool_calls_section_end"
  | "tool_call_begin"
  | "tool_call_argument_begin"
  | "tool_call_end"
  /** `<|im_end|>` (or `[EOS]` in token mode) at the end of the stream. */
  | "turn_end";

/** Content: model text outside tool calls. Emitted as soon as it cannot be part of a marker. */
export interface TextEvent {
  readonly type: "text";
  /** The text, verbatim. Never empty. */
  readonly text: string;
}

/** A marker, with the whitespace around it that it absorbed. For accounting; adapters ignore it. */
export interface MarkerEvent {
  readonly type: "marker";
  readonly marker: MarkerName;
  /**
   * The raw input: any whitespace held at the end of the arguments it closes, the marker as written
   * (which may be the singular or `<|reserved_token_N|>` spelling), and the whitespace after it.
   */
  readonly raw: string;
}

/** A tool call started: its header is complete (emitted at `<|tool_call_argument_begin|>`). */
export interface ToolCallStartEvent {
  readonly type: "tool_call.start";
  /** OpenAI `index`: dense and 0-based per response, independent of the model's `:N`. */
  readonly index: number;
  /** The header as the model wrote it, trimmed (e.g. `functions.get_weather:0`). */
  readonly id: string;
  /** The function name: the id minus one leading `functions.` and one trailing `:{digits}` (or the resolved tool name). */
  readonly name: string;
  /** The header as written (leading whitespace excluded: its marker absorbed it). */
  readonly header: string;
}

/** A slice of a call's arguments, verbatim from the model's text. Never empty. */
export interface ToolCallArgumentsDeltaEvent {
  readonly type: "tool_call.arguments.delta";
  readonly index: number;
  readonly delta: string;
}

/** What the checks found about one call's arguments and name. */
export interface ToolCallValidation {
  /**
   * True when the call is complete, its arguments are a JSON object (or, with `repair`, were
   * repaired to one), its name is not empty, the tool is known (or no tools were given) and the
   * schema holds (a schema that could not be applied, `schema_unusable`, does not).
   */
  readonly valid: boolean;
  /**
   * `object`: a JSON object. `not_object`: valid JSON but not an object. `invalid`: not JSON.
   * `double_encoded`: a JSON string holding a JSON object or array. `unchecked`: the call is incomplete.
   */
  readonly json: "object" | "not_object" | "invalid" | "double_encoded" | "unchecked";
  /** `known`, `unknown`, `resolved` (name repaired from the header), or `unchecked` when no tools were given. */
  readonly tool: "known" | "unknown" | "resolved" | "unchecked";
  /** `valid`, `invalid`, or `unchecked` (no schema, unknown tool, arguments not JSON, or incomplete). */
  readonly schema: "valid" | "invalid" | "unchecked";
  /** Schema violations (empty unless `schema` is `invalid`). */
  readonly schemaErrors: readonly SchemaError[];
}

/** One JSON-schema violation. */
export interface SchemaError {
  /** JSON pointer into the arguments (`#/city`). */
  readonly instanceLocation: string;
  /** The failing keyword (`required`, `type`...). */
  readonly keyword: string;
  /** The validator's message. */
  readonly message: string;
}

/** A tool call ended (at its end marker, another marker, or the end of the stream). */
export interface ToolCallDoneEvent {
  readonly type: "tool_call.done";
  readonly index: number;
  readonly id: string;
  readonly name: string;
  /** The full arguments: exactly the concatenation of the call's argument deltas. */
  readonly arguments: string;
  /** False when the stream ended inside the call (it is never healed; `finish_reason` is `length`). */
  readonly complete: boolean;
  readonly validation: ToolCallValidation;
  /** Present only with the `repair` option, when a repair applied (always also reported as `arguments_repaired`). */
  readonly repairedArguments?: string;
}

/** How serious a diagnostic is. */
export type DiagnosticSeverity = "info" | "warning" | "error";

/**
 * Every diagnostic code. Severity in brackets; "dropped" means the diagnostic's `raw` was removed
 * from the output and is accounted for there.
 */
export type DiagnosticCode =
  /** [info] `<|tool_call_section_begin|>` / `<|tool_call_section_end|>`: the singular spelling, accepted. */
  | "singular_section_marker"
  /** [warning] `<|reserved_token_163595|>`...`163599` in text: a server decoded the marker ids with a wrong table; accepted as the marker. */
  | "reserved_token_marker"
  /** [info] A call outside any section (no `<|tool_calls_section_begin|>`), accepted. */
  | "missing_section_begin"
  /** [info] The stream ended inside a section: no `<|tool_calls_section_end|>`. */
  | "missing_section_end"
  /** [info] A call closed by the next call, the section end or the turn end instead of `<|tool_call_end|>`. */
  | "missing_tool_call_end"
  /** [warning] A header and arguments inside a section without `<|tool_call_begin|>`: accepted as a call. */
  | "missing_tool_call_begin"
  /** [error] A call closed before `<|tool_call_argument_begin|>`: the whole header is the id, the arguments are empty. */
  | "missing_argument_begin"
  /** [warning] A marker where it means nothing (a second section begin, an end outside a call...): ignored. */
  | "unexpected_marker"
  /** [warning, dropped] Non-whitespace text inside a section but outside a call. */
  | "unexpected_text"
  /** [info, dropped] Text after a section, with `textAfterSection: "drop"`. */
  | "text_after_section"
  /** [error] The stream ended inside a call: it is marked incomplete (`finish_reason: "length"`). */
  | "incomplete_tool_call"
  /** [info] A header that is not `functions.{name}:{digits}`. */
  | "nonstandard_id"
  /** [error] An empty function name. */
  | "empty_name"
  /** [warning] Two calls in one response with the same id. */
  | "duplicate_id"
  /** [error] A name that is not among the request's tools (whole-name comparison). */
  | "unknown_tool"
  /** [warning] The name was resolved against the tools (`resolveNames` option): the longest tool name ending the header as a whole name. */
  | "name_resolved"
  /** [error] Arguments that are not JSON. */
  | "invalid_json"
  /** [error] Arguments that are JSON but not an object. */
  | "arguments_not_object"
  /** [error] Arguments that are a JSON string holding JSON (double-encoded). */
  | "double_encoded_arguments"
  /** [error] Arguments that violate the tool's JSON schema. */
  | "schema_violation"
  /** [warning] The tool's schema failed while validating (an unresolved `$ref`, a bad `pattern`, arguments nested too deeply for the validator): arguments unchecked, call not valid. */
  | "schema_unusable"
  /** [warning] The `repair` option produced `repairedArguments`. */
  | "arguments_repaired"
  /** [error] `tool_choice` was `required` or a named function, and the output does not comply. */
  | "tool_choice_violated"
  /** [info, dropped] A call removed because `tool_choice` is `none`. */
  | "tool_call_suppressed"
  /** [warning, dropped] A call after the first, removed because `parallel_tool_calls` is false. */
  | "parallel_tool_call_dropped"
  /** [warning] Token mode: a special id that is not a tool marker (kept as its string form), or a turn end followed by more output. */
  | "unexpected_special_token"
  /** [error] Token mode: an id outside the model's vocabulary; nothing is emitted for it. */
  | "invalid_token_id";

/** A problem or deviation found in the model output. Never thrown; always reported. */
export interface DiagnosticEvent {
  readonly type: "diagnostic";
  readonly code: DiagnosticCode;
  readonly severity: DiagnosticSeverity;
  /** What happened and what the parser did about it. */
  readonly message: string;
  /** The raw input the diagnostic is about (may be empty, e.g. for a missing marker). */
  readonly raw: string;
  /** True when `raw` was removed from the output: these characters appear in no other event. */
  readonly dropped: boolean;
  /** The call concerned, when the diagnostic is about an emitted call. */
  readonly index?: number;
}

/** Alias: a diagnostic as collected by {@link collect}. */
export type Diagnostic = DiagnosticEvent;

/** Every event a parser emits. */
export type ToolCallEvent =
  | TextEvent
  | MarkerEvent
  | ToolCallStartEvent
  | ToolCallArgumentsDeltaEvent
  | ToolCallDoneEvent
  | DiagnosticEvent;

/**
 * The input as accounted for by the events (see the module comment): text, marker raw, header,
 * argument deltas and dropped diagnostics' raw, in order. Equals the input for every input.
 */
export function accountedText(events: Iterable<ToolCallEvent>): string {
  let out = "";
  for (const e of events) {
    switch (e.type) {
      case "text":
        out += e.text;
        break;
      case "marker":
        out += e.raw;
        break;
      case "tool_call.start":
        out += e.header;
        break;
      case "tool_call.arguments.delta":
        out += e.delta;
        break;
      case "diagnostic":
        if (e.dropped) out += e.raw;
        break;
      case "tool_call.done":
        break;
    }
  }
  return out;
}

/**
 * Events with adjacent `text` events concatenated and adjacent argument deltas of the same call
 * concatenated. The merged events of any split of an input equal those of the whole input.
 */
export function mergeEvents(events: Iterable<ToolCallEvent>): ToolCallEvent[] {
  const out: ToolCallEvent[] = [];
  for (const e of events) {
    const last = out[out.length - 1];
    if (e.type === "text" && last?.type === "text") {
      out[out.length - 1] = { type: "text", text: last.text + e.text };
    } else if (e.type === "tool_call.arguments.delta" && last?.type === "tool_call.arguments.delta" && last.index === e.index) {
      out[out.length - 1] = { type: "tool_call.arguments.delta", index: e.index, delta: last.delta + e.delta };
    } else {
      out.push(e);
    }
  }
  return out;
}
