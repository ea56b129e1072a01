/**
 * The model-output panel: a pasted raw output is tokenized as the model would have emitted it
 * (marker strings become marker ids), and a slider replays it token by token through a fresh
 * tool-call parser, showing content, tool calls, diagnostics and events at that point.
 *
 * @packageDocumentation
 */
import type { FeedMode, ParsedOutput, PlaygroundCore } from "./core.js";
import { byId, el, setFieldError } from "./dom.js";
import { EXAMPLE_OUTPUT } from "./examples.js";
import { TOKEN_VIEW_LIMIT, renderTokenView } from "./token-view.js";

/** The panel's handle: the request's tools feed the parser's name and schema checks. */
export interface OutputPanel {
  /** Sets the request's tools (or `undefined` for none) and re-parses. */
  setTools(tools: unknown[] | undefined): void;
}

/** Wires the output panel. */
export function createOutputPanel(core: PlaygroundCore): OutputPanel {
  const raw = byId<HTMLTextAreaElement>("raw-output");
  const feed = byId<HTMLSelectElement>("feed");
  const endHere = byId<HTMLInputElement>("replay-end");
  const slider = byId<HTMLInputElement>("replay");
  const position = byId("replay-position");
  const tokenBox = byId("output-tokens");
  if (raw.value === "") raw.value = EXAMPLE_OUTPUT;

  let ids: number[] = [];
  let pieces: string[] = [];
  let tools: unknown[] | undefined;
  let toolsKey = "";

  /** Re-tokenizes the output; a slider at the end stays at the end. */
  function retokenize(): void {
    const atEnd = Number(slider.value) >= Number(slider.max);
    ids = core.encodeOutput(raw.value);
    pieces = core.tokenPieces(ids);
    slider.max = String(ids.length);
    if (atEnd || Number(slider.value) > ids.length) slider.value = String(ids.length);
    parse();
  }

  function parse(): void {
    const upTo = Number(slider.value);
    position.textContent = `${upTo} / ${ids.length} tokens`;
    // A long output shows the window of tokens around the replay position.
    const start = Math.max(0, Math.min(upTo - TOKEN_VIEW_LIMIT / 2, ids.length - TOKEN_VIEW_LIMIT));
    const end = Math.min(ids.length, start + TOKEN_VIEW_LIMIT);
    renderTokenView(
      tokenBox,
      ids.slice(start, end).map((id, k) => ({ id, text: pieces[start + k]! })),
      { start, current: upTo },
    );
    let parsed: ParsedOutput;
    try {
      parsed = core.parseOutput(ids, upTo, feed.value as FeedMode, endHere.checked, tools);
    } catch (e) {
      // The parser throws only on caller mistakes: here, a tools list it cannot use.
      setFieldError(undefined, byId("output-error"), `cannot parse with these tools: ${(e as Error).message}`);
      return;
    }
    setFieldError(undefined, byId("output-error"), undefined);
    byId("parsed-content").textContent = parsed.content ?? "";
    byId("parsed-tool-calls").textContent = parsed.tool_calls.length ? JSON.stringify(parsed.tool_calls, null, 2) : "";
    byId("parsed-finish").textContent = `finish_reason: ${parsed.finish_reason ?? "(stream open)"}`;
    byId("parsed-checks").replaceChildren(
      ...parsed.checks.map((c) => el("li", { class: c.valid ? "valid" : "invalid", "data-index": c.index }, c.summary)),
    );
    byId("parsed-diagnostics").replaceChildren(
      ...parsed.diagnostics.map((d) => el("li", { "data-code": d.code, class: `severity-${d.severity}` }, el("b", {}, d.code), ` (${d.severity}) ${d.message}`)),
    );
    byId("parsed-events").textContent = parsed.events.map((e) => JSON.stringify(e)).join("\n");
  }

  raw.addEventListener("input", retokenize);
  slider.addEventListener("input", parse);
  feed.addEventListener("change", parse);
  endHere.addEventListener("change", parse);
  retokenize();

  return {
    setTools(next) {
      // The request re-renders on every keystroke; re-parse only when the tools really changed.
      const key = JSON.stringify(next ?? null);
      if (key === toolsKey) return;
      toolsKey = key;
      tools = next;
      parse();
    },
  };
}
