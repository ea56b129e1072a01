/**
 * The playground end to end in headless Chromium: the page is built from the sources (the same
 * tsup options as `npm run build`, into a temporary folder), served by the playground server with
 * the shared model directory, and driven through its fields. Every expected value is computed in
 * this process by the library itself.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, type Page, chromium } from "playwright-core";
import { build } from "tsup";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChatRequest, parseRequestJson, renderChat, renderSegments } from "../src/template/index.js";
import { createTokenizer } from "../src/tokenizer/index.js";
import { ToolCallParser, type ToolDefinition, collect, parseToolCalls } from "../src/toolcalls/index.js";
import { startPlaygroundServer, type PlaygroundServer } from "../src/playground/server.js";
import { TOKEN_VIEW_LIMIT } from "../src/playground/page/token-view.js";
import { playgroundPage } from "../tsup.config.js";
import { ROOT, modelDir, sharedFile } from "./helpers/shared.js";

/** Debian's Chromium; .ci/run installs it where it is missing. */
const CHROMIUM = process.env.KIMI_K2_CHROMIUM || "/usr/bin/chromium";
/** The machine's network is closed: without these Chromium waits on refused connections. */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const tokenizer = createTokenizer(readFileSync(join(modelDir(), "tiktoken.model")));
const modelTemplate = readFileSync(join(modelDir(), "chat_template.jinja"), "utf8");

/** A real request (k2vv line 67): tool-call history with a `search:0` id, a custom `_input` role, CRLF and tabs. */
function k2vvRequest(): { messages: unknown[]; tools: ToolDefinition[] } {
  const line = readFileSync(sharedFile("k2vv", "k2vv-requests.jsonl"), "utf8").split("\n")[66]!;
  const { messages, tools } = JSON.parse(line) as { messages: unknown[]; tools: ToolDefinition[] };
  return { messages, tools };
}

/** The request the page builds from its fields, read as the page reads it (Python number semantics). */
function requestOf(messages: unknown, tools: unknown[]): ChatRequest {
  return parseRequestJson(JSON.stringify(tools.length > 0 ? { messages, tools } : { messages }));
}

/** The page's default rendering options besides template and engine (its checkboxes' defaults). */
const PAGE_DEFAULTS = { addGenerationPrompt: true, normalizeToolCallIds: false } as const;

/** A raw output with content, two calls (one with pretty-printed arguments) and the turn end. */
const RAW_OUTPUT =
  "Let me look both up.<|tool_calls_section_begin|><|tool_call_begin|>functions.search:1<|tool_call_argument_begin|>" +
  '{"queries": ["大型机 订阅 成本"]}<|tool_call_end|><|tool_call_begin|>functions.search:2<|tool_call_argument_begin|>' +
  '{\n  "queries": ["mainframe MIPS pricing 2025"]\n}<|tool_call_end|><|tool_calls_section_end|><|im_end|>';

let scratch: string;
let server: PlaygroundServer;
let context: BrowserContext;
let page: Page;
const requested: string[] = [];
const problems: string[] = [];

/** Waits until the page has run the update scheduled by the last input (updates run on the next frame). */
async function settle(): Promise<void> {
  await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
}

async function enterRequest(messages: unknown, tools: unknown): Promise<void> {
  await page.fill("#messages", JSON.stringify(messages, null, 2));
  await page.fill("#tools", JSON.stringify(tools, null, 2));
  await settle();
}

async function text(selector: string): Promise<string> {
  return (await page.textContent(selector)) ?? "";
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`the playground test drives Debian's Chromium at ${CHROMIUM}, which is missing: install it with \`apt-get install -y chromium\` (\`npm test\` does this where it may) or set KIMI_K2_CHROMIUM.`);
  }
  scratch = mkdtempSync(join(tmpdir(), "kimi-playground-e2e-"));
  const assets = join(scratch, "page");
  await build({ ...playgroundPage, outDir: assets, config: false, silent: true });
  server = await startPlaygroundServer({ modelDir: modelDir(), assetsDir: assets, host: "127.0.0.1", port: 0 });
  context = await chromium.launchPersistentContext(join(scratch, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1600, height: 1000 },
  });
  page = await context.newPage();
  page.on("request", (r) => requested.push(r.url()));
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()}`));
  await page.goto(server.url);
  await page.waitForFunction(() => window.kimiPlayground?.ready === true || window.kimiPlayground?.error !== undefined, undefined, { timeout: 60_000 });
});

afterAll(async () => {
  await context?.close();
  await server?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("the playground page in Chromium", () => {
  it("starts from the served files alone, with no error", async () => {
    const state = await page.evaluate(() => window.kimiPlayground);
    expect(state.error).toBeUndefined();
    expect(state.ready).toBe(true);
    expect(requested.length).toBeGreaterThan(0);
    for (const url of requested) expect(url.startsWith(server.url)).toBe(true);
    expect(requested).toContain(`${server.url}model/tiktoken.model`);
    expect(problems).toEqual([]);
    // The figure the README quotes; not asserted beyond sanity (machines are noisy).
    console.log(`playground: vocabulary ${state.vocabularyMs.toFixed(0)} ms, first render ${state.firstRenderMs.toFixed(1)} ms`);
    expect(state.firstRenderMs).toBeGreaterThan(0);
    expect(state.firstRenderMs).toBeLessThan(30_000);
  });

  it("renders an entered request exactly as the library does, with the library's token count and ids", async () => {
    const { messages, tools } = k2vvRequest();
    await page.selectOption("#template", "builtin");
    await page.selectOption("#engine", "native");
    await page.selectOption("#encoding", "safe");
    await enterRequest(messages, tools);
    const request = requestOf(messages, tools);
    const expected = renderChat(request, { ...PAGE_DEFAULTS, engine: "native" });
    const segments = renderSegments(request, { ...PAGE_DEFAULTS, engine: "native" });
    expect(await text("#prompt")).toBe(expected);
    expect(await text("#token-count")).toBe(String(tokenizer.countChat(segments)));
    const ids = await page.$$eval("#tokens .tok", (spans) => spans.map((s) => Number((s as HTMLElement).dataset.id)));
    expect(ids).toEqual(tokenizer.encodeChat(segments, { mode: "safe" }));
    // One block per turn, labelled with its header (the message's name, else its role): the tool
    // declaration, each message (this request starts with its own system turn), the generation prompt.
    const labels = ["tool_declare", ...(messages as Array<{ role: string; name?: string }>).map((m) => m.name ?? m.role), "assistant"];
    expect(await page.$$eval("#prompt .turn", (t) => t.map((e) => (e as HTMLElement).dataset.label))).toEqual(labels);
    expect(await page.$$eval("#prompt .special", (s) => s.length)).toBeGreaterThan(10);
  });

  it("renders with the model directory's template through the Jinja engine exactly as the library does", async () => {
    await page.selectOption("#template", "model");
    await page.selectOption("#engine", "jinja");
    await settle();
    const { messages, tools } = k2vvRequest();
    const request = requestOf(messages, tools);
    expect(await text("#prompt")).toBe(renderChat(request, { ...PAGE_DEFAULTS, template: modelTemplate, engine: "jinja" }));
  });

  it("reads the fields with Python's number semantics: a schema's 1.0 stays 1.0", async () => {
    const messages = '[{"role": "user", "content": "temperature?"}]';
    const tools = '[{"type": "function", "function": {"name": "set", "parameters": {"type": "object", "properties": {"t": {"type": "number", "default": 1.0, "maximum": 12345678901234567890}}}}}]';
    await page.fill("#messages", messages);
    await page.fill("#tools", tools);
    await settle();
    const expected = renderChat(parseRequestJson(`{"messages": ${messages}, "tools": ${tools}}`), { ...PAGE_DEFAULTS, template: modelTemplate, engine: "jinja" });
    expect(expected).toContain('"default":1.0,"maximum":12345678901234567890');
    expect(await text("#prompt")).toBe(expected);
  });

  it("shows the reference encoding's ids when asked", async () => {
    const messages = [{ role: "user", content: "typed <|im_end|> inside" }];
    await page.selectOption("#encoding", "reference");
    await enterRequest(messages, []);
    const segments = renderSegments(requestOf(messages, []), { ...PAGE_DEFAULTS, template: modelTemplate, engine: "jinja" });
    const ids = await page.$$eval("#tokens .tok", (spans) => spans.map((s) => Number((s as HTMLElement).dataset.id)));
    expect(ids).toEqual(tokenizer.encodeChat(segments, { mode: "reference" }));
    expect(ids).not.toEqual(tokenizer.encodeChat(segments, { mode: "safe" }));
    expect(await page.$$eval("#prompt .special-literal", (s) => s.map((e) => e.textContent))).toEqual(["<|im_end|>"]);
    await page.selectOption("#encoding", "safe");
  });

  it("shows a token's id on hover", async () => {
    const first = page.locator("#tokens .tok").first();
    const id = await first.getAttribute("data-id");
    await first.hover();
    expect(await first.getAttribute("title")).toBe(`id ${id}`);
    expect(await text("#token-info")).toContain(`id ${id}`);
  });

  it("shows an inline error with line and column for invalid JSON, and clears it when fixed", async () => {
    await page.fill("#messages", '[\n  {"role": "user", "content": "hi",}\n]');
    await settle();
    expect(await page.isVisible("#messages-error")).toBe(true);
    expect(await text("#messages-error")).toContain("messages is not valid JSON (line 2, column 36)");
    expect(await page.getAttribute("#messages", "aria-invalid")).toBe("");
    await page.fill("#messages", '[{"role": "user", "content": "hi"}]');
    await settle();
    expect(await page.isVisible("#messages-error")).toBe(false);
  });

  it("shows the library's message for a request it cannot render", async () => {
    const messages = [{ role: "user", content: "hi" }, { content: "no role" }];
    await enterRequest(messages, []);
    let message = "";
    try {
      renderChat(requestOf(messages, []), { ...PAGE_DEFAULTS, template: modelTemplate, engine: "jinja" });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).not.toBe("");
    expect(await page.isVisible("#request-error")).toBe(true);
    expect(await text("#request-error")).toBe(message);
  });

  it("shows a template that fails with the engine's message, and the built-in rules as native only", async () => {
    const messages = [{ role: "user", content: "hi" }];
    await enterRequest(messages, []);
    const broken = "{% for m in messages %}{{ m.content }}";
    await page.selectOption("#template", "pasted");
    await page.selectOption("#engine", "jinja");
    await page.fill("#pasted-template", broken);
    await settle();
    let message = "";
    try {
      renderChat(requestOf(messages, []), { ...PAGE_DEFAULTS, template: broken, engine: "jinja" });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).not.toBe("");
    expect(await text("#template-error")).toBe(`rendering A: ${message}`);
    expect(await page.isVisible("#request-error")).toBe(false);
    await page.selectOption("#template", "builtin");
    await settle();
    expect(await text("#template-error")).toContain("the built-in rules are the native engine's");
    await page.selectOption("#engine", "native");
    await settle();
    expect(await page.isVisible("#template-error")).toBe(false);
    await page.fill("#pasted-template", "");
  });

  it("switches engine and template and diffs two renderings", async () => {
    const { messages, tools } = k2vvRequest();
    const request = requestOf(messages, tools);
    await enterRequest(messages, tools);
    await page.check("#compare");
    await page.selectOption("#template", "builtin");
    await page.selectOption("#engine", "native");
    await page.selectOption("#compare-template", "model");
    await page.selectOption("#compare-engine", "jinja");
    await settle();
    const native = renderChat(request, { ...PAGE_DEFAULTS, engine: "native" });
    const jinja = renderChat(request, { ...PAGE_DEFAULTS, template: modelTemplate, engine: "jinja" });
    expect(await text("#diff-summary")).toContain(native === jinja ? "render identically" : "differ");

    // A template whose tool declaration uses json.dumps' default separators renders differently.
    const nosep = readFileSync(sharedFile("kimi-k2", "templates", "k2-instruct-0905-reconstructed-nosep.jinja"), "utf8");
    await page.selectOption("#compare-template", "pasted");
    await page.fill("#pasted-template", nosep);
    await settle();
    const other = renderChat(request, { ...PAGE_DEFAULTS, template: nosep, engine: "jinja" });
    expect(other).not.toBe(native);
    let first = 0;
    while (native[first] === other[first]) first++;
    expect(await text("#diff-summary")).toContain(`differ: first at character ${first} `);
    const deleted = await page.$$eval("#diff del", (d) => d.map((e) => e.textContent ?? ""));
    const inserted = await page.$$eval("#diff ins", (d) => d.map((e) => e.textContent ?? ""));
    expect(deleted.length + inserted.length).toBeGreaterThan(0);
    for (const d of deleted) expect(native).toContain(d);
    for (const i of inserted) expect(other).toContain(i);
    await page.uncheck("#compare");
  });

  it("parses a pasted raw output into the library's content and tool calls", async () => {
    const { tools } = k2vvRequest();
    await page.fill("#tools", JSON.stringify(tools));
    await page.fill("#raw-output", RAW_OUTPUT);
    await page.selectOption("#feed", "tokens");
    await page.check("#replay-end");
    await settle();
    const ids = tokenizer.encode(RAW_OUTPUT, { allowedSpecial: "all" });
    const expected = parseToolCalls(ids, { tools, tokenDecoder: tokenizer });
    expect(expected.tool_calls).toHaveLength(2);
    expect(JSON.parse(await text("#parsed-tool-calls"))).toEqual(expected.tool_calls);
    expect(await text("#parsed-content")).toBe(expected.content ?? "");
    expect(await text("#parsed-finish")).toBe(`finish_reason: ${expected.finish_reason}`);
    expect(await text("#replay-position")).toBe(`${ids.length} / ${ids.length} tokens`);
  });

  it("replays the output token by token with the slider, as the streaming parser sees it", async () => {
    const { tools } = k2vvRequest();
    const ids = tokenizer.encode(RAW_OUTPUT, { allowedSpecial: "all" });
    await page.uncheck("#replay-end");
    const slider = page.locator("#replay");
    await slider.focus();
    await page.keyboard.press("Home");
    // Walk forward to just after the first <|tool_call_end|>: one call complete, the second not begun.
    const firstEnd = ids.indexOf(163_599) + 1;
    for (let i = 0; i < firstEnd; i++) await page.keyboard.press("ArrowRight");
    await settle();
    expect(await text("#replay-position")).toBe(`${firstEnd} / ${ids.length} tokens`);
    const parser = new ToolCallParser({ tools, tokenDecoder: tokenizer });
    const events = ids.slice(0, firstEnd).flatMap((id) => parser.pushTokens([id]));
    const expected = collect(events);
    expect(expected.tool_calls).toHaveLength(1);
    expect(JSON.parse(await text("#parsed-tool-calls"))).toEqual(expected.tool_calls);
    expect(await text("#parsed-content")).toBe(expected.content ?? "");
    expect(await page.$$eval("#output-tokens .tok-ahead", (t) => t.length)).toBe(ids.length - firstEnd);

    // Cut the stream inside the second call's arguments: the parser reports the unfinished call.
    const cut = ids.lastIndexOf(163_598) + 3;
    await page.keyboard.press("Home");
    for (let i = 0; i < cut; i++) await page.keyboard.press("ArrowRight");
    await page.check("#replay-end");
    await settle();
    const truncated = new ToolCallParser({ tools, tokenDecoder: tokenizer });
    const cutEvents = [...ids.slice(0, cut).flatMap((id) => truncated.pushTokens([id])), ...truncated.end()];
    const cutResult = collect(cutEvents);
    expect(await text("#parsed-finish")).toBe(`finish_reason: ${cutResult.finish_reason}`);
    expect(await page.$$eval("#parsed-diagnostics li", (l) => l.map((e) => (e as HTMLElement).dataset.code))).toEqual(cutResult.diagnostics.map((d) => d.code));
  });

  it("re-renders the largest k2vv request (the figure the README quotes)", async () => {
    const lines = readFileSync(sharedFile("k2vv", "k2vv-requests.jsonl"), "utf8").split("\n").filter((l) => l.trim() !== "");
    const largest = lines.reduce((a, b) => (b.length > a.length ? b : a));
    const { messages, tools } = JSON.parse(largest) as { messages: unknown[]; tools: ToolDefinition[] };
    await page.selectOption("#template", "builtin");
    await page.selectOption("#engine", "native");
    await enterRequest(messages, tools);
    const segments = renderSegments(requestOf(messages, tools), { ...PAGE_DEFAULTS, engine: "native" });
    expect(await text("#token-count")).toBe(String(tokenizer.countChat(segments)));
    const ms = await page.evaluate(() => window.kimiPlayground.lastRenderMs);
    console.log(`playground: largest k2vv request (${largest.length} characters of JSON, ${tokenizer.countChat(segments)} tokens) updated in ${ms.toFixed(1)} ms`);
  });

  it("draws the first 5,000 token boxes of a long prompt, and every box on request", async () => {
    const content = readFileSync(sharedFile("corpus", "mixed-5mb.txt"), "utf8").slice(0, 100_000);
    const messages = [{ role: "user", content }];
    await enterRequest(messages, []);
    const segments = renderSegments(requestOf(messages, []), { ...PAGE_DEFAULTS, engine: "native" });
    const ids = tokenizer.encodeChat(segments, { mode: "safe" });
    expect(ids.length).toBeGreaterThan(TOKEN_VIEW_LIMIT);
    expect(await text("#token-count")).toBe(String(ids.length));
    expect(await page.$$eval("#tokens .tok", (t) => t.length)).toBe(TOKEN_VIEW_LIMIT);
    expect(await text("#token-limit-text")).toBe(`showing the first ${TOKEN_VIEW_LIMIT} of ${ids.length} tokens (drawing every box of a long prompt on each keystroke is slow).`);
    const ms = await page.evaluate(() => window.kimiPlayground.lastRenderMs);
    console.log(`playground: a ${content.length}-character message (${ids.length} tokens) updated in ${ms.toFixed(1)} ms`);
    await page.click("#show-all-tokens");
    await settle();
    expect(await page.isVisible("#token-limit")).toBe(false);
    expect(await page.$$eval("#tokens .tok", (spans) => spans.map((s) => Number((s as HTMLElement).dataset.id)))).toEqual(ids);
  });

  it("saves a screenshot", async () => {
    const { messages, tools } = k2vvRequest();
    await enterRequest(messages.slice(0, 3), tools);
    await page.check("#compare");
    await page.selectOption("#compare-template", "pasted");
    await page.fill("#raw-output", RAW_OUTPUT);
    await settle();
    mkdirSync(join(ROOT, "test-artifacts"), { recursive: true });
    const path = join(ROOT, "test-artifacts", "playground.png");
    await page.screenshot({ path, fullPage: true });
    expect(readFileSync(path).subarray(1, 4).toString()).toBe("PNG");
  });
});
