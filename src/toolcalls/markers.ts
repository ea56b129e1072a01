/**
 * The marker strings a text-mode parser recognises, built from the special-token table, and the
 * matcher that tells a marker from a prefix of one at the end of a delta.
 *
 * @packageDocumentation
 */
import { SPECIAL, reservedTokenName } from "../special-tokens.js";
import type { MarkerName } from "./events.js";

/** One spelling of a marker. */
export interface MarkerSpelling {
  readonly text: string;
  readonly name: MarkerName;
  /** Why this spelling is unusual, if it is. */
  readonly variant: "canonical" | "singular" | "reserved";
}

const CANONICAL: ReadonlyArray<readonly [MarkerName, { id: number; content: string }]> = [
  ["tool_calls_section_begin", SPECIAL.toolCallsSectionBegin],
  ["tool_calls_section_end", SPECIAL.toolCallsSectionEnd],
  ["tool_call_begin", SPECIAL.toolCallBegin],
  ["tool_call_argument_begin", SPECIAL.toolCallArgumentBegin],
  ["tool_call_end", SPECIAL.toolCallEnd],
];

function build(): MarkerSpelling[] {
  const out: MarkerSpelling[] = [];
  for (const [name, token] of CANONICAL) out.push({ text: token.content, name, variant: "canonical" });
  out.push({ text: SPECIAL.imEnd.content, name: "turn_end", variant: "canonical" });
  // The singular spelling seen in real output: <|tool_call_section_begin|>.
  for (const [name, token] of CANONICAL.slice(0, 2)) {
    out.push({ text: token.content.replace("tool_calls_", "tool_call_"), name, variant: "singular" });
  }
  // Servers that decode with a table lacking the five markers print them as reserved tokens.
  for (const [name, token] of CANONICAL) out.push({ text: reservedTokenName(token.id), name, variant: "reserved" });
  return out;
}

/** Every spelling, canonical first. No spelling is a prefix of another. */
export const MARKER_SPELLINGS: readonly MarkerSpelling[] = build();

/** The longest spelling's length: the most a parser ever holds back. */
export const MAX_MARKER_LENGTH = Math.max(...MARKER_SPELLINGS.map((m) => m.text.length));

/** {@link matchMarker}: `s` from `i` is a proper prefix of a marker and the text ends there. */
export const PARTIAL = -1;
/** {@link matchMarker}: no marker starts at `i`. */
export const NONE = -2;

/**
 * What starts at `s[i]` (a `<`): the index in {@link MARKER_SPELLINGS} of a complete marker,
 * {@link PARTIAL} when the rest of `s` could still become one, or {@link NONE}.
 */
export function matchMarker(s: string, i: number): number {
  const rest = s.length - i;
  if (rest < 2) return PARTIAL;
  if (s.charCodeAt(i + 1) !== 124 /* | */) return NONE;
  let tail: string | undefined;
  let partial = false;
  for (let k = 0; k < MARKER_SPELLINGS.length; k++) {
    const t = MARKER_SPELLINGS[k]!.text;
    if (rest >= t.length) {
      if (s.startsWith(t, i)) return k;
    } else if (!partial) {
      tail ??= s.slice(i);
      if (t.startsWith(tail)) partial = true;
    }
  }
  return partial ? PARTIAL : NONE;
}
