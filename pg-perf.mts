import { build } from "tsup";
import { playgroundPage } from "./tsup.config.ts";
import { startPlaygroundServer } from "./src/playground/server.ts";
import { chromium } from "playwright-core";
import { mkdtempSync, readFileSync } from "node:fs";
await build({ ...playgroundPage, outDir: "/tmp/pgperf-out", config: false, silent: true });
const server = await startPlaygroundServer({ modelDir: "/work/shared/kimi-k2", assetsDir: "/tmp/pgperf-out", port: 0 });
const ctx = await chromium.launchPersistentContext(mkdtempSync("/tmp/pgperf-"), { executablePath: "/usr/bin/chromium", headless: true, args: ["--headless","--no-sandbox","--disable-gpu","--disable-quic","--no-first-run","--disable-background-networking","--disable-component-update","--disable-sync"] });
const page = await ctx.newPage();
await page.goto(server.url);
await page.waitForFunction(() => (window as any).kimiPlayground?.ready);
console.log(await page.evaluate(() => (window as any).kimiPlayground));
const corpus = readFileSync("/work/shared/corpus/mixed-5mb.txt", "utf8");
for (const size of [20_000, 100_000, 400_000]) {
  await page.fill("#messages", JSON.stringify([{ role: "user", content: corpus.slice(0, size) }]));
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const m = await page.evaluate(() => ({ ...(window as any).kimiPlayground, count: document.getElementById("token-count")!.textContent, timing: JSON.stringify((window as any).dbg) }));
  console.log(size, m.count, m.lastRenderMs.toFixed(0), m.timing);
}
await ctx.close(); await server.close();
