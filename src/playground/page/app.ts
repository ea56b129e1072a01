/**
 * The playground's controller: reads the request fields, renders with the chosen template and
 * engine, shows the prompt, its tokens and count, the A/B diff, and inline errors. Updates are
 * coalesced to one per animation frame. The output panel lives in `output-panel.ts`.
 *
 * @packageDocumentation
 */
import { KimiK2Error } from "../../errors.js";
import type { EncodingMode, EngineChoice, PlaygroundCore, RenderSettings, Rendering, TemplateChoice } from "./core.js";
import { diffTexts } from "./diff.js";
import { renderDiffView } from "./diff-view.js";
import { byId, setFieldError } from "./dom.js";
import { EXAMPLE_MESSAGES, EXAMPLE_TOOLS } from "./examples.js";
import { parseJsonField } from "./json-input.js";
import { createOutputPanel } from "./output-panel.js";
import { renderPromptView } from "./prompt-view.js";
import { TOKEN_VIEW_LIMIT, installTokenHover, renderTokenView } from "./token-view.js";

/** Timings the page exposes on `window.kimiPlayground` (read by the end-to-end test and the README). */
export interface PlaygroundMetrics {
  /** True once the vocabulary is loaded and the first rendering is on screen. */
  ready: boolean;
  /** Fetching and loading the vocabulary, in ms. */
  vocabularyMs: number;
  /** The first full update after the vocabulary loaded (render, encode, count, views, layout), in ms. */
  firstRenderMs: number;
  /** The latest full update, in ms. */
  lastRenderMs: number;
  /** Number of full updates so far. */
  updates: number;
}

const TEMPLATE_LABELS: Record<TemplateChoice, string> = { builtin: "built-in rules", model: "model dir template", pasted: "pasted template" };

/** Wires the page to a core. `modelTemplate` is the served model directory's template, if it ships one. */
export function startApp(core: PlaygroundCore, modelTemplate: string | undefined, metrics: PlaygroundMetrics): void {
  const messages = byId<HTMLTextAreaElement>("messages");
  const tools = byId<HTMLTextAreaElement>("tools");
  const addGenerationPrompt = byId<HTMLInputElement>("add-generation-prompt");
  const normalizeIds = byId<HTMLInputElement>("normalize-ids");
  const template = byId<HTMLSelectElement>("template");
  const engine = byId<HTMLSelectElement>("engine");
  const compare = byId<HTMLInputElement>("compare");
  const compareTemplate = byId<HTMLSelectElement>("compare-template");
  const compareEngine = byId<HTMLSelectElement>("compare-engine");
  const pastedTemplate = byId<HTMLTextAreaElement>("pasted-template");
  const pastedBox = byId<HTMLDetailsElement>("pasted-template-box");
  const encoding = byId<HTMLSelectElement>("encoding");
  const prompt = byId("prompt");
  const tokens = byId("tokens");
  const errors = {
    messages: byId("messages-error"),
    tools: byId("tools-error"),
    template: byId("template-error"),
    request: byId("request-error"),
  };

  if (messages.value.trim() === "") messages.value = EXAMPLE_MESSAGES;
  if (tools.value.trim() === "") tools.value = EXAMPLE_TOOLS;
  if (modelTemplate === undefined) {
    // Nothing to offer: say so in the menus rather than failing on selection.
    for (const select of [template, compareTemplate]) {
      const option = select.querySelector<HTMLOptionElement>('option[value="model"]')!;
      option.disabled = true;
      option.textContent += " (none in this model dir)";
    }
    if (compareTemplate.value === "model") compareTemplate.value = "builtin";
  }
  installTokenHover(tokens, byId("token-info"), (id) => core.tokenBytes(id));
  const tokenLimitNote = byId("token-limit");
  let showAllTokens = false;
  byId("show-all-tokens").addEventListener("click", () => {
    showAllTokens = true;
    schedule();
  });

  const output = createOutputPanel(core);

  /** The template source a choice stands for, or an error message. */
  function templateSource(choice: TemplateChoice): { source: string | undefined } | { error: string } {
    if (choice === "builtin") return { source: undefined };
    if (choice === "model") return modelTemplate === undefined ? { error: "the model directory ships no chat template" } : { source: modelTemplate };
    if (pastedTemplate.value.trim() === "") return { error: 'paste a template under "pasted template" first' };
    return { source: pastedTemplate.value };
  }

  function settings(choice: TemplateChoice, engineChoice: EngineChoice): RenderSettings | { error: string } {
    if (choice === "builtin" && engineChoice === "jinja") {
      return { error: "the built-in rules are the native engine's: pick the model directory's template or a pasted one for the Jinja engine" };
    }
    const source = templateSource(choice);
    if ("error" in source) return source;
    return { template: source.source, engine: engineChoice, addGenerationPrompt: addGenerationPrompt.checked, normalizeToolCallIds: normalizeIds.checked };
  }

  /** Renders, turning a thrown error into its message. */
  function tryRender(request: unknown, s: RenderSettings | { error: string }): Rendering | { error: string; code?: string } {
    if ("error" in s) return s;
    try {
      return core.render(request, s);
    } catch (e) {
      return { error: (e as Error).message, code: KimiK2Error.isInstance(e) ? e.code : undefined };
    }
  }

  /** The request fields as a request, or `undefined` after showing their errors. */
  function readRequest(): { request: unknown; tools: unknown[] | undefined } | undefined {
    setFieldError(undefined, errors.request, undefined);
    const m = parseJsonField(messages.value, "messages");
    const t = parseJsonField(tools.value, "tools", []);
    setFieldError(messages, errors.messages, m.ok ? undefined : m.message);
    setFieldError(tools, errors.tools, t.ok ? undefined : t.message);
    if (!m.ok || !t.ok) return undefined;
    const hasTools = !(Array.isArray(t.value) && t.value.length === 0);
    // Both fields are valid JSON, so splicing their text into one object is valid JSON too; the
    // library reads it with Python's number semantics (a schema's 1.0 stays 1.0).
    const json = `{"messages": ${messages.value}${hasTools ? `, "tools": ${tools.value}` : ""}}`;
    let request: unknown;
    try {
      request = core.parseRequest(json);
    } catch (e) {
      setFieldError(undefined, errors.request, (e as Error).message);
      return undefined;
    }
    return { request, tools: hasTools && Array.isArray(t.value) ? t.value : undefined };
  }

  /** One full update, timed (whether or not the request renders). */
  function update(): void {
    const start = performance.now();
    const timings = updateViews();
    // Reading a layout property makes the measurement include style and layout, not just script.
    void prompt.offsetHeight;
    const elapsed = performance.now() - start;
    byId("timing").textContent = timings ? `render ${timings.render.toFixed(1)} ms · encode ${timings.encode.toFixed(1)} ms · update ${elapsed.toFixed(1)} ms` : "";
    metrics.updates++;
    metrics.lastRenderMs = elapsed;
    if (!metrics.ready) {
      metrics.firstRenderMs = elapsed;
      metrics.ready = true;
    }
  }

  /** Reads the fields and redraws every view; returns the render and encode times when it rendered. */
  function updateViews(): { render: number; encode: number } | undefined {
    const start = performance.now();
    const read = readRequest();
    output.setTools(read?.tools);
    if (!read) {
      markStale(true);
      return undefined;
    }
    const a = tryRender(read.request, settings(template.value as TemplateChoice, engine.value as EngineChoice));
    if ("error" in a) {
      // Request mistakes go under the prompt; everything else concerns the template or engine choice.
      const isTemplate = a.code !== "invalid_request";
      setFieldError(undefined, errors.template, isTemplate ? `rendering A: ${a.error}` : undefined);
      setFieldError(undefined, errors.request, isTemplate ? undefined : a.error);
      markStale(true);
      updateDiff(read.request, undefined);
      return undefined;
    }
    setFieldError(undefined, errors.template, undefined);
    setFieldError(undefined, errors.request, undefined);
    markStale(false);
    const t0 = performance.now();
    const mode = encoding.value as EncodingMode;
    const ids = core.encodeChat(a.segments, mode);
    const count = core.countChat(a.segments, mode);
    const t1 = performance.now();
    const stats = renderPromptView(prompt, a.segments);
    const limit = showAllTokens ? ids.length : TOKEN_VIEW_LIMIT;
    const pieces = core.tokenPieces(ids.length > limit ? ids.slice(0, limit) : ids);
    renderTokenView(
      tokens,
      pieces.map((text, i) => ({ id: ids[i]!, text })),
    );
    tokenLimitNote.hidden = pieces.length === ids.length;
    byId("token-limit-text").textContent = `showing the first ${pieces.length} of ${ids.length} tokens (drawing every box of a long prompt on each keystroke is slow).`;
    byId("token-count").textContent = String(count);
    byId("char-count").textContent = String(a.text.length);
    updateDiff(read.request, a);
    byId("render-info").textContent =
      `${a.note} · ${stats.turns} turns · ${stats.specialTokens} special tokens` +
      (stats.literalSpecialStrings ? ` · ${stats.literalSpecialStrings} special-token strings in content` : "");
    return { render: t0 - start, encode: t1 - t0 };
  }

  function markStale(stale: boolean): void {
    prompt.classList.toggle("stale", stale);
    tokens.classList.toggle("stale", stale);
  }

  function updateDiff(request: unknown, a: Rendering | undefined): void {
    const panel = byId("diff-panel");
    panel.hidden = !compare.checked;
    if (!compare.checked) return;
    const summary = byId("diff-summary");
    const body = byId("diff");
    const labelA = `A (${TEMPLATE_LABELS[template.value as TemplateChoice]}, ${engine.value})`;
    const labelB = `B (${TEMPLATE_LABELS[compareTemplate.value as TemplateChoice]}, ${compareEngine.value})`;
    const b = tryRender(request, settings(compareTemplate.value as TemplateChoice, compareEngine.value as EngineChoice));
    if (a === undefined || "error" in b) {
      summary.className = "diff-summary differ";
      summary.textContent = "error" in b ? `B does not render: ${b.error}` : "A does not render: nothing to compare.";
      body.replaceChildren();
      return;
    }
    renderDiffView(summary, body, diffTexts(a.text, b.text), a.text, [labelA, labelB]);
  }

  let scheduled = false;
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      update();
    });
  };
  for (const field of [messages, tools, pastedTemplate]) field.addEventListener("input", schedule);
  for (const field of [addGenerationPrompt, normalizeIds, template, engine, compare, compareTemplate, compareEngine, encoding]) field.addEventListener("change", schedule);
  for (const select of [template, compareTemplate]) {
    select.addEventListener("change", () => {
      if (select.value === "pasted") pastedBox.open = true;
    });
  }
  update();
}
