/**
 * Test helpers for the tool-call parser: feeding inputs in pieces, a small fake token vocabulary,
 * and a hand-written renderer of assistant turns in the 0905 template's shape.
 */
import { SPECIAL } from "../../src/special-tokens.js";
import { ToolCallParser, mergeEvents, type ToolCallEvent, type ToolCallParserOptions, type TokenDecoder } from "../../src/toolcalls/index.js";

/** The events of the whole input pushed at once, then end(). */
export function parseWhole(input: string, options?: ToolCallParserOptions): ToolCallEvent[] {
  const p = new ToolCallParser(options);
  return [...p.push(input), ...p.end()];
}

/** The events of the pieces pushed one by one, then end(). */
export function parsePieces(pieces: readonly string[], options?: ToolCallParserOptions): ToolCallEvent[] {
  const p = new ToolCallParser(options);
  const out: ToolCallEvent[] = [];
  for (const piece of pieces) out.push(...p.push(piece));
  out.push(...p.end());
  return out;
}

/** The events of an id sequence pushed in pieces cut at `positions` (taken modulo length + 1), then end(). */
export function parseIdPieces(ids: readonly number[], positions: readonly number[], options: ToolCallParserOptions): ToolCallEvent[] {
  const cuts = [...new Set(positions.map((p) => p % (ids.length + 1)))].sort((a, b) => a - b);
  const p = new ToolCallParser(options);
  const out: ToolCallEvent[] = [];
  let prev = 0;
  for (const c of [...cuts, ids.length]) {
    out.push(...p.pushTokens(ids.slice(prev, c)));
    prev = c;
  }
  out.push(...p.end());
  return out;
}

/** `input` cut at the given positions (sorted, deduplicated, in range). */
export function cut(input: string, positions: readonly number[]): string[] {
  const ps = [...new Set(positions.map((p) => Math.max(0, Math.min(input.length, p))))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const p of ps) {
    out.push(input.slice(prev, p));
    prev = p;
  }
  out.push(input.slice(prev));
  return out;
}

/** Merged events, for comparing chunkings. */
export function merged(events: readonly ToolCallEvent[]): ToolCallEvent[] {
  return mergeEvents(events);
}

const enc = new TextEncoder();

/**
 * A fake vocabulary: ids 0..255 are single bytes; ids from 1000 are the byte strings below, some of
 * which split multi-byte characters (北 is E5 8C 97, 😀 is F0 9F 98 80) or spell marker text with
 * ordinary tokens.
 */
const FAKE_PIECES: ReadonlyArray<string | number[]> = [
  "functions",
  ".get_weather",
  ":0",
  "{\"city\": \"",
  "Beijing",
  "\"}",
  [0xe5, 0x8c], // 北, first two bytes
  [0x97], // 北, last byte
  [0xf0, 0x9f], // 😀, first half
  [0x98, 0x80], // 😀, second half
  "<|",
  "tool_call_end",
  "|>",
  " the ",
  "\n",
  "<|tool_call_begin|>",
];

/** Id of the fake piece `k`. */
export function fakeId(k: number): number {
  return 1000 + k;
}

const FAKE_BYTES: Uint8Array[] = FAKE_PIECES.map((p) => (typeof p === "string" ? enc.encode(p) : Uint8Array.from(p)));

/** Bytes of one id in the fake vocabulary: a piece above, or the low byte of the id. */
export function fakeTokenBytes(id: number): Uint8Array {
  const piece = id >= 1000 ? FAKE_BYTES[id - 1000] : undefined;
  return piece ?? Uint8Array.of(id & 0xff);
}

/** The fake decoder the parser's `tokenDecoder` option takes. */
export const fakeDecoder: TokenDecoder = {
  decodeBytes(ids: ArrayLike<number>): Uint8Array {
    const parts: Uint8Array[] = [];
    let n = 0;
    for (let i = 0; i < ids.length; i++) {
      const b = fakeTokenBytes(ids[i]!);
      parts.push(b);
      n += b.length;
    }
    const out = new Uint8Array(n);
    let o = 0;
    for (const b of parts) {
      out.set(b, o);
      o += b.length;
    }
    return out;
  },
};

/** Encodes text with the fake vocabulary: greedy longest piece, else single bytes. */
export function fakeEncode(text: string): number[] {
  const bytes = enc.encode(text);
  const ids: number[] = [];
  let i = 0;
  while (i < bytes.length) {
    let best = -1;
    let bestLen = 0;
    FAKE_BYTES.forEach((p, k) => {
      if (p.length > bestLen && i + p.length <= bytes.length && p.every((b, j) => bytes[i + j] === b)) {
        best = k;
        bestLen = p.length;
      }
    });
    if (best >= 0) {
      ids.push(fakeId(best));
      i += bestLen;
    } else {
      ids.push(bytes[i]!);
      i++;
    }
  }
  return ids;
}

/** Reference decode of ids: token bytes (special ids as their string, invalid ids nothing), then UTF-8 with U+FFFD. */
export function referenceDecode(ids: readonly number[], specialString: (id: number) => string | undefined): string {
  const parts: number[] = [];
  for (const id of ids) {
    if (Number.isInteger(id) && id >= 0 && id < 163584) parts.push(...fakeTokenBytes(id));
    else {
      const s = specialString(id);
      if (s !== undefined) parts.push(...enc.encode(s));
    }
  }
  return new TextDecoder().decode(Uint8Array.from(parts));
}

/**
 * The text deltas a server streams for a text: the fake tokens decoded one at a time by a streaming
 * UTF-8 decoder (so a character split across tokens arrives whole, in the later delta).
 */
export function tokenDeltas(text: string): string[] {
  const d = new TextDecoder();
  const out: string[] = [];
  for (const id of fakeEncode(text)) out.push(d.decode(fakeTokenBytes(id), { stream: true }));
  out.push(d.decode());
  return out;
}

/** A call as the template renders it: the id verbatim, string arguments verbatim. */
export interface RenderedCall {
  id: string;
  arguments: string;
}

/**
 * An assistant turn body in the shape of the 0905 template (FORMAT.md §4), written by hand:
 * `content<|tool_calls_section_begin|><|tool_call_begin|>{id}<|tool_call_argument_begin|>{arguments}<|tool_call_end|>...<|tool_calls_section_end|>`.
 */
export function renderAssistant(content: string, calls: readonly RenderedCall[]): string {
  let s = content;
  if (calls.length > 0) {
    s += SPECIAL.toolCallsSectionBegin.content;
    for (const c of calls) {
      s += SPECIAL.toolCallBegin.content + c.id + SPECIAL.toolCallArgumentBegin.content + c.arguments + SPECIAL.toolCallEnd.content;
    }
    s += SPECIAL.toolCallsSectionEnd.content;
  }
  return s;
}
