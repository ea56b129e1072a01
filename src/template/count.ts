/**
 * The token count of a request, through any tokenizer that counts a segmented chat prompt (the
 * toolkit's tokenizer implements it; this module does not import it, so the template module stays
 * usable without the vocabulary).
 *
 * @packageDocumentation
 */
import { renderSegments, type RenderOptions } from "./render.js";
import type { ChatRequest } from "./messages.js";
import type { Segment } from "./segments.js";

/** The one tokenizer method {@link countRequestTokens} needs. */
export interface ChatTokenCounter {
  /** Number of tokens of a rendered prompt given as markup/content segments. */
  countChat(segments: readonly Segment[]): number;
}

/**
 * Counts the tokens the model receives for a request: the rendered prompt with the tool declarations
 * and the default system turn included, exactly as {@link renderSegments} produces it.
 *
 * @throws {@link KimiK2Error} as `renderSegments`.
 */
export function countRequestTokens(request: ChatRequest, tokenizer: ChatTokenCounter, options?: RenderOptions): number {
  return tokenizer.countChat(renderSegments(request, options));
}
