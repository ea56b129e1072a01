import { benchConversation } from "../bench/template-input.js";
const lib = await import("../dist/template/index.js") as any;
const { renderChat, parseRequestJson, pyJsonDumps } = lib;
const built = benchConversation(42, 50);
const text = pyJsonDumps(built);
const parsed = parseRequestJson(text);
const viaJSON = JSON.parse(text);
function time(name: string, fn: () => unknown, iters = 20000) {
  for (let i = 0; i < iters; i++) fn();
  const s: number[] = [];
  for (let r = 0; r < 9; r++) { const t0 = process.hrtime.bigint(); for (let i = 0; i < iters; i++) fn(); s.push(Number(process.hrtime.bigint() - t0) / 1e3 / iters); }
  s.sort((a, b) => a - b); console.log(name.padEnd(40), s[4]!.toFixed(3), "us");
}
console.log(renderChat(parsed) === renderChat(built), text.length);
for (let k = 0; k < 2; k++) {
time("built render+read", () => renderChat(built).indexOf("\0"));
time("parsed render+read", () => renderChat(parsed).indexOf("\0"));
time("JSON.parse'd render+read", () => renderChat(viaJSON).indexOf("\0"));
time("parsed tools json", () => pyJsonDumps(parsed.tools, { separators: [",", ":"], sortKeys: true }));
time("built tools json", () => pyJsonDumps(built.tools, { separators: [",", ":"], sortKeys: true }));
time("parseRequestJson", () => parseRequestJson(text), 2000);
time("JSON.parse", () => JSON.parse(text), 2000);
}
