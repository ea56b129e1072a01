/**
 * The token view: each token of the encoded prompt as a coloured box, with its id on hover (the
 * `title` and the info line). Special tokens are marked; a token that ends inside a multi-byte
 * character shows an empty box (its text appears with the token that completes the character).
 *
 * @packageDocumentation
 */
import { isSpecialId } from "../../special-tokens.js";
import { appendText, el } from "./dom.js";

/** A token to show: its id and the text it adds to the decoded output. */
export interface ShownToken {
  /** The token id. */
  id: number;
  /** The decoded text this token completes ("" for the first part of a split character). */
  text: string;
}

/** Number of background colours the stylesheet cycles through. */
const COLOURS = 6;

/** Replaces the container's children with one box per token. `current`, if given, marks tokens at or after it as not yet reached. */
export function renderTokenView(container: HTMLElement, tokens: readonly ShownToken[], current?: number): void {
  const fragment = document.createDocumentFragment();
  tokens.forEach((token, i) => {
    const classes = ["tok", isSpecialId(token.id) ? "tok-special" : `c${i % COLOURS}`];
    if (token.text === "") classes.push("tok-partial");
    if (current !== undefined && i >= current) classes.push("tok-ahead");
    const span = el("span", { class: classes.join(" "), title: `id ${token.id}`, "data-id": token.id, "data-index": i });
    appendText(span, token.text);
    fragment.appendChild(span);
  });
  container.replaceChildren(fragment);
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
