/**
 * Human views of a rendered prompt for `render --show` and `inspect`: the prompt cut into turns,
 * special tokens highlighted (colour only on a terminal), and special-token text that came from
 * the request (a prompt-injection attempt) flagged.
 *
 * @packageDocumentation
 */
import type { Segment } from "../template/segments.js";

/** ANSI styles, or nothing when colour is off. */
export interface Palette {
  special(s: string): string;
  markup(s: string): string;
  injected(s: string): string;
  dim(s: string): string;
}

const ansi = (open: string) => (s: string) => (s === "" ? s : `\x1b[${open}m${s}\x1b[0m`);

/** Colour on a terminal, plain text otherwise (never escape codes into a file or a pipe). */
export function palette(color: boolean): Palette {
  if (!color) {
    const id = (s: string) => s;
    return { special: id, markup: id, injected: id, dim: id };
  }
  return { special: ansi("1;36"), markup: ansi("36"), injected: ansi("1;41;97"), dim: ansi("2") };
}

/**
 * Characters that would act on a terminal instead of showing: C0 controls but tab and newline (ESC
 * starts colour, concealment and cursor moves; CR returns to the line start and overwrites), DEL, C1
 * controls, and the bidirectional formatting marks that reorder what follows.
 */
const ACTS_ON_TERMINAL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text for a human view: each character in {@link ACTS_ON_TERMINAL} written as its escape (`\x1b`,
 * `\u202e`). A request is untrusted input, and the views exist to show it exactly: raw, `\x1b[8m`
 * would hide the text after it and `\r` would let later text overwrite earlier text.
 */
export function visible(text: string): string {
  return text.replace(ACTS_ON_TERMINAL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** A special-token string: a named token or a reserved slot (`<|...|>`, `[BOS]`-style names). */
const SPECIAL_PATTERN = /<\|[a-z0-9_]+\|>|\[(?:BOS|EOS|EOT|UNK|PAD)\]/g;
const TURN_START = /<\|im_(?:user|assistant|system)\|>/g;

/** One turn of a prompt. */
export interface Turn {
  /** The role or name written in the header (`system`, `user`, `tool_declare`...), or `""` for text before the first header. */
  label: string;
  /** The turn's segments (a segment is cut where a turn starts inside it). */
  segments: Segment[];
}

/** Cuts a rendering into turns at each role header the template wrote. */
export function splitTurns(segments: readonly Segment[]): Turn[] {
  const turns: Segment[][] = [[]];
  for (const seg of segments) {
    if (seg.kind !== "markup") {
      turns[turns.length - 1]!.push(seg);
      continue;
    }
    let from = 0;
    for (const m of seg.text.matchAll(TURN_START)) {
      if (m.index > from) turns[turns.length - 1]!.push({ text: seg.text.slice(from, m.index), kind: "markup" });
      turns.push([]);
      from = m.index;
    }
    if (from < seg.text.length) turns[turns.length - 1]!.push({ text: seg.text.slice(from), kind: "markup" });
  }
  return turns.filter((t) => t.length > 0).map((segs) => ({ label: labelOf(segs), segments: segs }));
}

function labelOf(segments: Segment[]): string {
  const text = segments.map((s) => s.text).join("");
  const m = /^<\|im_(user|assistant|system)\|>([\s\S]*?)<\|im_middle\|>/.exec(text);
  return m ? m[2]! : "";
}

/**
 * Paints one segment: special tokens in markup highlighted, special-token text in content flagged,
 * characters that act on a terminal shown as escapes ({@link visible}).
 */
export function paintSegment(seg: Segment, p: Palette): string {
  let out = "";
  let from = 0;
  const paintPlain = seg.kind === "markup" ? (s: string) => p.markup(visible(s)) : visible;
  const paintSpecial = seg.kind === "markup" ? p.special : p.injected;
  for (const m of seg.text.matchAll(SPECIAL_PATTERN)) {
    out += paintPlain(seg.text.slice(from, m.index)) + paintSpecial(m[0]);
    from = m.index + m[0].length;
  }
  return out + paintPlain(seg.text.slice(from));
}

/** Counts, for the footer and the turn headers. */
export interface PromptCounts {
  /** The injection-safe token count of some segments. */
  count(segments: readonly Segment[]): number;
  /** Hugging Face's count of the whole prompt (differs when content holds special-token text). */
  referenceTotal: number;
}

/** A rule line with a label: `── 2 · user · 12 tokens ──────`. */
function rule(label: string, p: Palette): string {
  const head = `── ${label} `;
  return p.dim(head + "─".repeat(Math.max(4, 72 - head.length)));
}

/**
 * The `render --show` view: each turn under a rule with its role and token count, special tokens
 * highlighted, then the totals.
 */
export function promptView(segments: readonly Segment[], counts: PromptCounts, p: Palette): string {
  const lines: string[] = [];
  splitTurns(segments).forEach((turn, i) => {
    const n = counts.count(turn.segments);
    lines.push(rule(`${i + 1} · ${visible(turn.label) || "(before the first turn)"} · ${n} token${n === 1 ? "" : "s"}`, p));
    lines.push(turn.segments.map((s) => paintSegment(s, p)).join(""));
  });
  const total = counts.count(segments);
  lines.push(rule("end", p));
  lines.push(`${total} tokens (injection-safe encoding: special-token text in messages stays text)`);
  if (counts.referenceTotal !== total) {
    lines.push(p.injected(`Hugging Face's encoding gives ${counts.referenceTotal} tokens: message content holds special-token text (highlighted) that it would turn into control tokens.`));
  }
  return `${lines.join("\n")}\n`;
}
