/**
 * The rendered prompt, shown so its structure is visible: special tokens highlighted, one block
 * per turn (a block starts at each role header the template wrote), template markup apart from
 * request content, and special-token strings that came from the request (which a safe encoder
 * keeps as text) marked as such. The container's `textContent` is exactly the prompt: labels and
 * newline marks are drawn by the stylesheet, not written into the text.
 *
 * @packageDocumentation
 */
import { SPECIAL, isToolMarkerId, specialTokenId } from "../../special-tokens.js";
import type { Segment } from "../../template/segments.js";
import { appendText, el } from "./dom.js";

/** Named special-token strings and `<|reserved_token_N|>` (checked against the table on a match). */
const SPECIAL_STRING = /<\|[a-z_]+\|>|<\|reserved_token_\d+\|>|\[(?:BOS|EOS|EOT|UNK|PAD)\]/g;

const ROLE_HEADER_IDS: ReadonlyMap<number, string> = new Map([
  [SPECIAL.imSystem.id, "system"],
  [SPECIAL.imUser.id, "user"],
  [SPECIAL.imAssistant.id, "assistant"],
]);

/** A piece of a segment: plain text, or a string the special-token table knows. */
interface Piece {
  text: string;
  specialId: number | undefined;
}

/** Splits text at special-token strings. */
function splitSpecial(text: string): Piece[] {
  const pieces: Piece[] = [];
  let last = 0;
  for (const m of text.matchAll(SPECIAL_STRING)) {
    const id = specialTokenId(m[0]);
    if (id === undefined) continue;
    if (m.index > last) pieces.push({ text: text.slice(last, m.index), specialId: undefined });
    pieces.push({ text: m[0], specialId: id });
    last = m.index + m[0].length;
  }
  if (last < text.length) pieces.push({ text: text.slice(last), specialId: undefined });
  return pieces;
}

/** Counts of what the view shows, for the summary line. */
export interface PromptViewStats {
  /** Number of turn blocks. */
  turns: number;
  /** Special tokens written by the template. */
  specialTokens: number;
  /** Special-token strings found inside request content. */
  literalSpecialStrings: number;
}

/** Replaces the container's children with the structured view of these segments. */
export function renderPromptView(container: HTMLElement, segments: readonly Segment[]): PromptViewStats {
  const stats: PromptViewStats = { turns: 0, specialTokens: 0, literalSpecialStrings: 0 };
  const fragment = document.createDocumentFragment();
  let turn: HTMLElement | undefined;
  let turnLabelPending = false;
  let label = "";
  const openTurn = (role: string): HTMLElement => {
    turn = el("div", { class: `turn turn-${role}` });
    fragment.appendChild(turn);
    stats.turns++;
    turnLabelPending = true;
    label = "";
    return turn;
  };
  for (const segment of segments) {
    for (const piece of splitSpecial(segment.text)) {
      const markup = segment.kind === "markup";
      if (piece.specialId !== undefined && markup) {
        const role = ROLE_HEADER_IDS.get(piece.specialId);
        if (role !== undefined) openTurn(role);
        if (piece.specialId === SPECIAL.imMiddle.id && turn && turnLabelPending) {
          // The header's text (the role, or the message's name) becomes the block's label.
          turn.dataset.label = label.trim() || turn.className.replace(/^turn turn-/, "");
          turnLabelPending = false;
        }
        const classes = ["special", isToolMarkerId(piece.specialId) ? "special-tool" : "special-turn"];
        (turn ?? openTurn("preamble")).appendChild(el("span", { class: classes.join(" "), title: `special token ${piece.specialId}` }, piece.text));
        stats.specialTokens++;
        continue;
      }
      const target = turn ?? openTurn("preamble");
      if (turnLabelPending) label += piece.text;
      if (piece.specialId !== undefined) {
        // Typed by a user or a tool: plain text for the safe encoder, a control token for the reference.
        target.appendChild(
          el("span", { class: "special-literal", title: `"${piece.text}" inside content: plain text when encoded safely, token ${piece.specialId} in reference mode` }, piece.text),
        );
        stats.literalSpecialStrings++;
        continue;
      }
      const span = el("span", { class: markup ? "markup" : "content" });
      appendText(span, piece.text);
      target.appendChild(span);
    }
  }
  container.replaceChildren(fragment);
  return stats;
}
