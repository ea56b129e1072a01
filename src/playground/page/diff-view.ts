/**
 * Shows a {@link TextDiff} between two renderings: a summary line (identical, or where they first
 * differ and by how much) and the runs, with long shared stretches folded to their ends.
 *
 * @packageDocumentation
 */
import { appendText, el } from "./dom.js";
import type { TextDiff } from "./diff.js";

/** Characters of shared text kept visible on each side of a change. */
const CONTEXT = 80;

/** Line and column (1-based) of an offset. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return `line ${line}, column ${offset - before.lastIndexOf("\n")}`;
}

/** Renders the diff into `summary` and `body`. `a` is the first text (for locating the first difference). */
export function renderDiffView(summary: HTMLElement, body: HTMLElement, diff: TextDiff, a: string, labels: [string, string]): void {
  if (diff.identical) {
    summary.textContent = `${labels[0]} and ${labels[1]} render identically (${a.length} characters).`;
    summary.className = "diff-summary same";
    body.replaceChildren();
    return;
  }
  const removed = diff.ops.filter((o) => o.op === "delete").reduce((n, o) => n + o.text.length, 0);
  const added = diff.ops.filter((o) => o.op === "insert").reduce((n, o) => n + o.text.length, 0);
  summary.textContent =
    `${labels[0]} and ${labels[1]} differ: first at character ${diff.firstDifference} (${lineColumn(a, diff.firstDifference)}); ` +
    `${removed} characters only in ${labels[0]}, ${added} only in ${labels[1]}` +
    (diff.coarse ? " (too many changes for a fine diff: the differing middle is shown whole)." : ".");
  summary.className = "diff-summary differ";
  const fragment = document.createDocumentFragment();
  diff.ops.forEach((op, i) => {
    if (op.op !== "equal") {
      const span = el(op.op === "delete" ? "del" : "ins", { title: op.op === "delete" ? `only in ${labels[0]}` : `only in ${labels[1]}` });
      appendText(span, op.text);
      fragment.appendChild(span);
      return;
    }
    const first = i === 0;
    const last = i === diff.ops.length - 1;
    const keepHead = first ? 0 : CONTEXT;
    const keepTail = last ? 0 : CONTEXT;
    if (op.text.length <= keepHead + keepTail + 20) {
      appendText(fragment, op.text);
      return;
    }
    appendText(fragment, op.text.slice(0, keepHead));
    fragment.appendChild(el("span", { class: "fold" }, `… ${op.text.length - keepHead - keepTail} shared characters …`));
    appendText(fragment, op.text.slice(op.text.length - keepTail));
  });
  body.replaceChildren(fragment);
}
