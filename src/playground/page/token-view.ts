/**
 * The token view: each token of the encoded prompt as a coloured box, with its id on hover (the
 * `title` and the info line). Special tokens are marked; a token that ends inside a multi-byte
 * character shows an empty box (its text appears with the token that completes the character).
 *
 * Built as one HTML string: for tens of thousands of tokens that is several times faster than
 * creating the elements one by one, and the view is rebuilt on every keystroke.
 *
 * @packageDocumentation
 */
import { isSpecialId } from "../../special-tokens.js";
import { el } from "./dom.js";

/** A token to show: its id and the text it adds to the decoded output. */
export interface ShownToken {
  /** The token id. */
  id: number;
  /** The decoded text this token completes ("" for the first part of a split character). */
  text: string;
}

/**
 * Token boxes drawn at a time. Layout cost grows with the number of boxes (about 20 µs each on the
 * development machine), and the view is rebuilt on every keystroke or slider step.
 */
export const TOKEN_VIEW_LIMIT = 5000;

/** Number of background colours the stylesheet cycles through. */
const COLOURS = 6;

/**
 * `\r` as a character reference because the HTML parser turns a literal CR into LF; NUL (which the
 * parser drops) as the visible symbol U+2400.
 */
const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;", "\0": "\u2400" };

/** Escapes text for HTML, wrapping each newline in `span.nl` (the stylesheet draws a mark before it). */
function html(text: string): string {
  return text.replace(/[&<>"\r\0]/g, (c) => ESCAPES[c]!).replace(/\n/g, '<span class="nl">\n</span>');
}

/** What part of a token list to draw. */
export interface TokenWindow {
  /** Index of the first token drawn (default 0). */
  start?: number;
  /** Tokens at or after this index are marked as not yet reached (the replay position). */
  current?: number;
}

/**
 * Replaces the container's children with one box per token of `tokens`, whose first element is
 * the token at index `window.start` of the whole list (indices shown on hover are the whole list's).
 */
export function renderTokenView(container: HTMLElement, tokens: readonly ShownToken[], window: TokenWindow = {}): void {
  const start = window.start ?? 0;
  const current = window.current;
  const parts: string[] = new Array<string>(tokens.length);
  for (let k = 0; k < tokens.length; k++) {
    const { id, text } = tokens[k]!;
    const i = start + k;
    let cls = isSpecialId(id) ? "tok tok-special" : `tok c${i % COLOURS}`;
    if (text === "") cls += " tok-partial";
    if (current !== undefined && i >= current) cls += " tok-ahead";
    parts[k] = `<span class="${cls}" title="id ${id}" data-id="${id}" data-index="${i}">${html(text)}</span>`;
  }
  container.innerHTML = parts.join("");
}

/**
 * Shows the hovered token's index, id and bytes in `info` while the pointer is over a token box.
 * Installed once per container.
 */
export function installTokenHover(container: HTMLElement, info: HTMLElement, bytesOf: (id: number) => Uint8Array): void {
  container.addEventListener("mouseover", (event) => {
    const target = (event.target as HTMLElement).closest<HTMLElement>(".tok");
    if (!target || !container.contains(target)) return;
    const id = Number(target.dataset.id);
    const hex = Array.from(bytesOf(id), (b) => b.toString(16).padStart(2, "0")).join(" ");
    info.replaceChildren(
      el("b", {}, `token #${target.dataset.index}`),
      ` id ${id} · ${JSON.stringify(target.textContent)}`,
      el("span", { class: "bytes" }, ` bytes ${hex}`),
    );
  });
}
