/**
 * The tool-call state machine. It receives literal text and recognised markers from a lexer (text
 * mode scans for marker strings, token mode maps marker ids) and appends events to `out`. Work per
 * call is proportional to its input; state is the current call's header and arguments, a pending
 * marker with the whitespace after it, and held trailing whitespace.
 *
 * @packageDocumentation
 */
import type { DiagnosticCode, DiagnosticSeverity, MarkerName, ToolCallEvent, ToolCallValidation } from "./events.js";
import { analyzeHeader, checkArguments, isSpaceCode, type ToolChoice, type ToolSet } from "./validate.js";

/** The machine's configuration, already validated by the parser. */
export interface MachineConfig {
  readonly tools: ToolSet | undefined;
  readonly toolChoice: ToolChoice;
  readonly parallel: boolean;
  readonly dropAfterSection: boolean;
  readonly resolveNames: boolean;
  readonly repair: boolean;
}

// States. Content: outside sections. Section: inside a section, between calls. Header: after
// <|tool_call_begin|> (or implicit), before <|tool_call_argument_begin|>. Args: in the arguments.
const CONTENT = 0;
const SECTION = 1;
const HEADER = 2;
const ARGS = 3;

function allSpace(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isSpaceCode(s.charCodeAt(i))) return false;
  return true;
}

/** See the module comment. One instance per stream. */
export class Machine {
  /** Where events go; the parser swaps in a fresh array per push. */
  out: ToolCallEvent[] = [];
  private state = CONTENT;
  /** An explicit `<|tool_calls_section_begin|>` is open. */
  private inSection = false;
  /** A section (or a call without one) has ended: content now is "after the section". */
  private afterSection = false;
  /** The last marker, not yet emitted because it still absorbs the whitespace after it. */
  private pendingName: MarkerName | null = null;
  private pendingRaw = "";
  /** A turn end (`<|im_end|>`) that counts only if nothing but whitespace follows it. */
  private turnEndRaw: string | null = null;
  /** The turn end's spelling (without the whitespace it absorbed). */
  private turnEndSpelling = "";
  /** Dropped text after a section (with `textAfterSection: "drop"`). */
  private dropped = "";
  private header = "";
  /** The header started without `<|tool_call_begin|>` (text inside a section). */
  private headerImplicit = false;
  /** Whitespace at the end of the arguments so far, held until the call closes or more text comes. */
  private heldSpace = "";
  /** The current call's argument deltas, joined at close (cheaper than a deep string rope for many tiny deltas). */
  private args: string[] = [];
  private index = -1;
  private id = "";
  private name = "";
  private tool: ToolCallValidation["tool"] = "unchecked";
  /** The current call is removed (tool_choice none, or parallel calls off); its raw text gathers here. */
  private suppressed: DiagnosticCode | null = null;
  private suppressedRaw = "";
  private nextIndex = 0;
  private callsOpened = 0;
  private readonly ids = new Set<string>();

  constructor(private readonly config: MachineConfig) {}

  /** Appends a diagnostic. */
  diag(code: DiagnosticCode, severity: DiagnosticSeverity, message: string, raw: string, dropped = false, index?: number): void {
    this.out.push(index === undefined ? { type: "diagnostic", code, severity, message, raw, dropped } : { type: "diagnostic", code, severity, message, raw, dropped, index });
  }

  /** Literal text (never a marker), non-empty. */
  text(s: string): void {
    if (this.turnEndRaw !== null) {
      if (allSpace(s)) {
        this.turnEndRaw += s;
        return;
      }
      this.releaseTurnEnd();
    }
    if (this.pendingName !== null) {
      let i = 0;
      while (i < s.length && isSpaceCode(s.charCodeAt(i))) i++;
      if (i === s.length) {
        this.pendingRaw += s;
        return;
      }
      if (i > 0) {
        this.pendingRaw += s.slice(0, i);
        s = s.slice(i);
      }
      this.flushMarker();
    }
    switch (this.state) {
      case CONTENT:
        if (this.afterSection && this.config.dropAfterSection) this.dropped += s;
        else this.out.push({ type: "text", text: s });
        break;
      case SECTION:
        // Text inside a section but outside a call: perhaps a header whose <|tool_call_begin|> is
        // missing. It becomes a call only if <|tool_call_argument_begin|> follows.
        this.state = HEADER;
        this.headerImplicit = true;
        this.header = s;
        break;
      case HEADER:
        this.header += s;
        break;
      default:
        this.argsText(s);
    }
  }

  private argsText(s: string): void {
    let end = s.length;
    while (end > 0 && isSpaceCode(s.charCodeAt(end - 1))) end--;
    if (end === 0) {
      this.heldSpace += s;
      return;
    }
    let d = end === s.length ? s : s.slice(0, end);
    if (this.heldSpace !== "") {
      d = this.heldSpace + d;
      this.heldSpace = "";
    }
    if (end < s.length) this.heldSpace = s.slice(end);
    this.emitArgs(d);
  }

  private emitArgs(d: string): void {
    if (this.suppressed !== null) {
      this.suppressedRaw += d;
      return;
    }
    this.args.push(d);
    this.out.push({ type: "tool_call.arguments.delta", index: this.index, delta: d });
  }

  private flushMarker(): void {
    const name = this.pendingName;
    if (name === null) return;
    this.pendingName = null;
    if (this.suppressed !== null) this.suppressedRaw += this.pendingRaw;
    else this.out.push({ type: "marker", marker: name, raw: this.pendingRaw });
    this.pendingRaw = "";
  }

  /** A turn end followed by more output was not the end: it is text (with a diagnostic). */
  private releaseTurnEnd(): void {
    const raw = this.turnEndRaw!;
    this.turnEndRaw = null;
    this.diag("unexpected_special_token", "warning", `${this.turnEndSpelling} followed by more output is not the turn end: kept as text.`, this.turnEndSpelling);
    this.text(raw);
  }

  /** A recognised marker; `raw` is its spelling in the input. */
  marker(name: MarkerName, raw: string): void {
    if (this.turnEndRaw !== null) this.releaseTurnEnd();
    this.flushMarker();
    if (name === "turn_end") {
      this.turnEndRaw = raw;
      this.turnEndSpelling = raw;
      return;
    }
    let lead = "";
    if (this.state === ARGS && this.heldSpace !== "") {
      lead = this.heldSpace;
      this.heldSpace = "";
    }
    switch (this.state) {
      case CONTENT:
        this.closeDropped();
        if (name === "tool_calls_section_begin") {
          this.state = SECTION;
          this.inSection = true;
        } else if (name === "tool_call_begin") {
          this.diag("missing_section_begin", "info", "A tool call outside a section (no <|tool_calls_section_begin|>): accepted.", raw);
          this.inSection = false;
          this.openCall();
        } else {
          this.unexpected(raw);
        }
        break;
      case SECTION:
        if (name === "tool_call_begin") this.openCall();
        else if (name === "tool_calls_section_end") this.leaveSection();
        else this.unexpected(raw);
        break;
      case HEADER:
        if (name === "tool_call_argument_begin") {
          if (this.headerImplicit) this.beginImplicit(raw);
          this.startCall();
          this.state = ARGS;
        } else {
          // Any other marker ends the header, even a section begin: the header is buffered, so a
          // marker inside it could not keep its place in the event order.
          this.closeHeader(true);
          this.afterClose(name, raw);
        }
        break;
      default:
        if (name === "tool_call_argument_begin" || name === "tool_calls_section_begin") {
          this.unexpected(raw);
        } else {
          if (name !== "tool_call_end") {
            this.diag("missing_tool_call_end", "info", `The call ended at ${raw} without <|tool_call_end|>.`, "", false, this.suppressed === null ? this.index : undefined);
          }
          this.closeCall(true);
          this.afterClose(name, raw);
        }
    }
    this.pendingName = name;
    this.pendingRaw = lead + raw;
  }

  /** State after a call closed at marker `name` (call end, next call begin, section end, or a section begin in a header). */
  private afterClose(name: MarkerName, raw: string): void {
    if (name === "tool_calls_section_begin") {
      if (this.inSection) this.unexpected(raw);
      this.state = SECTION;
      this.inSection = true;
    } else if (name === "tool_call_begin") this.openCall();
    else if (name === "tool_calls_section_end" || !this.inSection) this.leaveSection();
    else this.state = SECTION;
  }

  private leaveSection(): void {
    this.state = CONTENT;
    this.inSection = false;
    this.afterSection = true;
  }

  private unexpected(raw: string): void {
    this.diag("unexpected_marker", "warning", `${raw} is unexpected here: ignored.`, raw);
  }

  private closeDropped(): void {
    if (this.dropped === "") return;
    this.diag("text_after_section", "info", "Text after the tool-call section was dropped (textAfterSection: \"drop\").", this.dropped, true);
    this.dropped = "";
  }

  /** Whether the call opening now is removed, by tool_choice none or parallel_tool_calls false. */
  private decideSuppression(): void {
    const opened = this.callsOpened++;
    if (this.config.toolChoice === "none") this.suppressed = "tool_call_suppressed";
    else if (!this.config.parallel && opened > 0) this.suppressed = "parallel_tool_call_dropped";
    else this.suppressed = null;
    this.suppressedRaw = "";
  }

  private openCall(): void {
    this.state = HEADER;
    this.header = "";
    this.headerImplicit = false;
    this.decideSuppression();
  }

  private beginImplicit(raw: string): void {
    this.diag("missing_tool_call_begin", "warning", `A call header inside a section without <|tool_call_begin|>, ended by ${raw}: accepted.`, "");
    this.headerImplicit = false;
    this.decideSuppression();
  }

  /** The header is complete: emit the start of the call and what is odd about its header. */
  private startCall(): void {
    this.args = [];
    this.heldSpace = "";
    if (this.suppressed !== null) {
      this.suppressedRaw += this.header;
      this.header = "";
      return;
    }
    const a = analyzeHeader(this.header, this.config.tools, this.config.resolveNames);
    this.index = this.nextIndex++;
    this.id = a.id;
    this.name = a.name;
    this.tool = a.tool;
    this.out.push({ type: "tool_call.start", index: this.index, id: a.id, name: a.name, header: this.header });
    for (const f of a.findings) this.diag(f.code, f.severity, f.message, a.id, false, this.index);
    if (this.ids.has(a.id)) this.diag("duplicate_id", "warning", `The id "${a.id}" was already used by an earlier call in this response.`, a.id, false, this.index);
    this.ids.add(a.id);
    const choice = this.config.toolChoice;
    if (typeof choice === "object" && choice.function.name !== a.name) {
      this.diag("tool_choice_violated", "error", `tool_choice requires "${choice.function.name}", but the model called "${a.name}".`, a.id, false, this.index);
    }
    this.header = "";
  }

  /** The call closed while still in its header. Implicit headers were never calls: dropped text. */
  private closeHeader(complete: boolean): void {
    if (this.headerImplicit) {
      this.diag("unexpected_text", "warning", "Text inside a tool-call section but outside a call was dropped.", this.header, true);
      this.header = "";
      this.headerImplicit = false;
      return;
    }
    this.startCall();
    if (complete && this.suppressed === null) {
      this.diag("missing_argument_begin", "error", "The call ended before <|tool_call_argument_begin|>: the whole header is the id and the arguments are empty.", this.id, false, this.index);
    }
    this.closeCall(complete);
  }

  /** Emits the end of the current call (or, for a removed call, the diagnostic holding its text). */
  private closeCall(complete: boolean): void {
    const code = this.suppressed;
    if (code !== null) {
      this.suppressed = null;
      if (!complete) this.diag("incomplete_tool_call", "error", "The stream ended inside a (removed) tool call.", "");
      const why = code === "tool_call_suppressed" ? "tool_choice is \"none\"" : "parallel_tool_calls is false and a call was already made";
      this.diag(code, code === "tool_call_suppressed" ? "info" : "warning", `A tool call was removed because ${why}.`, this.suppressedRaw, true);
      this.suppressedRaw = "";
      return;
    }
    const i = this.index;
    const args = this.args.length === 1 ? this.args[0]! : this.args.join("");
    this.args = [];
    if (!complete) {
      this.diag("incomplete_tool_call", "error", "The stream ended inside this tool call: it is incomplete, not repaired.", args, false, i);
      const validation: ToolCallValidation = { valid: false, json: "unchecked", tool: this.tool, schema: "unchecked", schemaErrors: [] };
      this.out.push({ type: "tool_call.done", index: i, id: this.id, name: this.name, arguments: args, complete: false, validation });
      return;
    }
    const check = checkArguments(args, this.name, this.tool, this.config.tools, this.config.repair);
    for (const f of check.findings) this.diag(f.code, f.severity, f.message, args, false, i);
    this.out.push(
      check.repaired === undefined
        ? { type: "tool_call.done", index: i, id: this.id, name: this.name, arguments: args, complete: true, validation: check.validation }
        : { type: "tool_call.done", index: i, id: this.id, name: this.name, arguments: args, complete: true, validation: check.validation, repairedArguments: check.repaired },
    );
  }

  /** End of stream: close whatever is open. A turn end seen last counts as the model's own stop. */
  finish(): void {
    const turnEnd = this.turnEndRaw;
    this.turnEndRaw = null;
    this.flushMarker();
    let lead = "";
    switch (this.state) {
      case CONTENT:
        this.closeDropped();
        break;
      case SECTION:
        break;
      case HEADER:
        if (this.headerImplicit) this.closeHeader(true);
        else this.closeHeader(turnEnd !== null);
        break;
      default:
        if (turnEnd !== null) {
          lead = this.heldSpace;
          this.heldSpace = "";
          this.diag("missing_tool_call_end", "info", "The call ended at the turn end without <|tool_call_end|>.", "", false, this.suppressed === null ? this.index : undefined);
          this.closeCall(true);
        } else {
          // Truncated: the held whitespace is part of what the model wrote; the call stays as is.
          if (this.heldSpace !== "") {
            const held = this.heldSpace;
            this.heldSpace = "";
            this.emitArgs(held);
          }
          this.closeCall(false);
        }
    }
    if (this.state !== CONTENT && this.inSection) {
      this.diag("missing_section_end", "info", "The stream ended inside a tool-call section (no <|tool_calls_section_end|>).", "");
    }
    this.state = CONTENT;
    const choice = this.config.toolChoice;
    if (this.nextIndex === 0 && (choice === "required" || typeof choice === "object")) {
      this.diag("tool_choice_violated", "error", `tool_choice requires ${choice === "required" ? "a tool call" : `a call to "${choice.function.name}"`}, but the model made none.`, "");
    }
    if (turnEnd !== null) this.out.push({ type: "marker", marker: "turn_end", raw: lead + turnEnd });
  }
}
