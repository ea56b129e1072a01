/**
 * Chat encoding from the template renderer's segments. Browser-safe.
 *
 * Reference mode reproduces Hugging Face's `apply_chat_template(tokenize=True)`: the rendered text
 * is split on the 17 named special strings wherever they are (the added-token trie), and each piece
 * in between goes through Kimi's `encode`, which chunks it and then lets tiktoken turn the
 * remaining special strings (the reserved ones) into ids too. A user who types `<|im_end|>` in a
 * message gets a real control token: the injection hole.
 *
 * Safe mode gives the same ids except that only special strings lying wholly inside markup segments
 * (text the template wrote) are split points. It does not encode segments separately: the text
 * between two split points is encoded as one run even when it spans markup and content, so BPE
 * boundaries are those of the reference and both modes agree whenever every special string of the
 * prompt lies inside markup.
 *
 * @packageDocumentation
 */
import { KimiK2Error } from "../errors.js";
import type { Segment } from "../template/segments.js";
import type { EncoderCore } from "./encoder-core.js";
import type { IdSink } from "./id-sink.js";
import { findSpecialOccurrences, isNamedSpecialId, type SpecialOccurrence } from "./special-occurrences.js";

/** Which special strings of a rendered prompt become special ids. */
export type ChatEncodingMode = "safe" | "reference";

/** Options of `Tokenizer.encodeChat` and `countChat`. */
export interface ChatEncodeOptions {
  /** `safe` (default): only template markup makes special ids. `reference`: Hugging Face's ids. */
  mode?: ChatEncodingMode;
}

/** Validates the options; returns the mode. */
export function resolveChatMode(options: ChatEncodeOptions | undefined): ChatEncodingMode {
  const mode = options?.mode ?? "safe";
  if (mode !== "safe" && mode !== "reference") {
    throw new KimiK2Error("invalid_options", `chat encoding mode must be "safe" or "reference", got ${JSON.stringify(mode)}.`);
  }
  return mode;
}

/** The concatenated text and, for each segment, its UTF-16 start. */
function joinSegments(segments: readonly Segment[]): { text: string; starts: number[] } {
  if (!Array.isArray(segments)) {
    throw new KimiK2Error("invalid_options", "encodeChat takes an array of segments ({ text, kind: \"markup\" | \"content\" }), as the template renderer produces.");
  }
  const starts: number[] = [];
  const parts: string[] = [];
  let pos = 0;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    if (!s || typeof s.text !== "string" || (s.kind !== "markup" && s.kind !== "content")) {
      throw new KimiK2Error("invalid_options", `segment ${i} must be { text: string, kind: "markup" | "content" }.`, { details: { index: i } });
    }
    starts.push(pos);
    parts.push(s.text);
    pos += s.text.length;
  }
  return { text: parts.join(""), starts };
}

/** The occurrences every character of which comes from markup segments. */
function inMarkup(found: SpecialOccurrence[], segments: readonly Segment[], starts: number[]): SpecialOccurrence[] {
  const kept: SpecialOccurrence[] = [];
  let seg = 0;
  for (const o of found) {
    // Occurrences are sorted: the segment holding o.start only moves forward.
    while (seg + 1 < segments.length && starts[seg + 1]! <= o.start) seg++;
    let ok = true;
    for (let k = seg; k < segments.length && starts[k]! < o.end; k++) {
      if (segments[k]!.kind !== "markup" && segments[k]!.text.length > 0) {
        ok = false;
        break;
      }
    }
    if (ok) kept.push(o);
  }
  return kept;
}

/**
 * Encodes segments in the given mode; ids go to `out` (or are only counted when it is null).
 * Returns the number of ids.
 */
export function encodeSegments(core: EncoderCore, segments: readonly Segment[], mode: ChatEncodingMode, out: IdSink | null): number {
  const { text, starts } = joinSegments(segments);
  const found = findSpecialOccurrences(text);
  const active = mode === "reference" ? found : inMarkup(found, segments, starts);
  // The named strings split the text first (Hugging Face's added-token trie); the reserved ones are
  // found by tiktoken inside each chunk of each piece (Kimi's encode with allowed_special="all").
  const reserved = active.filter((o) => !isNamedSpecialId(o.id));
  let count = 0;
  let pos = 0;
  for (const o of active) {
    if (!isNamedSpecialId(o.id)) continue;
    count += core.encodeRun(text, pos, o.start, reserved, null, out);
    if (out) out.push(o.id);
    count++;
    pos = o.end;
  }
  count += core.encodeRun(text, pos, text.length, reserved, null, out);
  return count;
}
