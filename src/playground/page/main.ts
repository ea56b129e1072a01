/**
 * The playground page's entry point: loads the vocabulary and the checkpoint's chat template from
 * the local server, builds the library's tokenizer, then hands over to the controller. Exposes
 * its timings on `window.kimiPlayground`.
 *
 * @packageDocumentation
 */
import "./styles.css";
import { type PlaygroundMetrics, startApp } from "./app.js";
import { CHAT_TEMPLATE_ROUTE, VOCABULARY_ROUTE } from "../routes.js";
import { byId } from "./dom.js";
import { createPlaygroundCore } from "./library.js";

declare global {
  interface Window {
    /** The page's timings and state, for tests and the curious. */
    kimiPlayground: PlaygroundMetrics & { error?: string };
  }
}

async function fetchOk(path: string): Promise<Response> {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`GET ${path} answered ${response.status} ${await response.text()}`);
  return response;
}

/** The checkpoint's template, or `undefined` when the server says it has none (404). */
async function fetchTemplate(path: string): Promise<string | undefined> {
  const response = await fetch(path);
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`GET ${path} answered ${response.status}`);
  return response.text();
}

async function main(): Promise<void> {
  const metrics: Window["kimiPlayground"] = { ready: false, vocabularyMs: Number.NaN, firstRenderMs: Number.NaN, lastRenderMs: Number.NaN, updates: 0 };
  window.kimiPlayground = metrics;
  const status = byId("status");
  try {
    const start = performance.now();
    const [vocabulary, template] = await Promise.all([
      fetchOk(VOCABULARY_ROUTE).then(async (r) => new Uint8Array(await r.arrayBuffer())),
      fetchTemplate(CHAT_TEMPLATE_ROUTE),
    ]);
    const core = createPlaygroundCore(vocabulary);
    metrics.vocabularyMs = performance.now() - start;
    startApp(core, template, metrics);
    status.textContent =
      `vocabulary loaded in ${metrics.vocabularyMs.toFixed(0)} ms · first render ${metrics.firstRenderMs.toFixed(1)} ms` +
      (template === undefined ? " · the model directory ships no chat template" : "");
  } catch (e) {
    metrics.error = (e as Error).message;
    status.textContent = `cannot start the playground: ${metrics.error}`;
    status.classList.add("error");
  }
}

void main();
