/**
 * Rendered prompts as segments: what the template itself wrote (markup) apart from what came from
 * the request (content). The tokenizer's injection-safe chat encoding turns special-token strings
 * into control ids only inside markup segments.
 *
 * @packageDocumentation
 */

/**
 * `markup`: text the template wrote (role headers, `<|im_middle|>`, `<|im_end|>`, tool-call markers,
 * fixed phrases). `content`: text taken from the request (message content, names, tool-call ids and
 * arguments, tool declarations as JSON, tool results).
 */
export type SegmentKind = "markup" | "content";

/** A piece of a rendered prompt. The concatenation of a rendering's segments is its text. */
export interface Segment {
  /** The text of this piece. */
  text: string;
  /** Where it came from. */
  kind: SegmentKind;
}
