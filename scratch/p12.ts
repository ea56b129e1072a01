import { benchConversation } from "../bench/template-input.js";
import { readFileSync } from "node:fs";
const lib = await import("../dist/template/index.js") as any;
const { parseRequestJson, pyJsonDumps } = lib;
const NUMBER_RE = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;
const RISKY = /\d{16}|"\d+"\s*:|-0(?![.\deE])/;
const FRAC = /\d[.eE]/g;
function exact(text: string): boolean {
  if (RISKY.test(text)) return false;
  FRAC.lastIndex = 0;
  for (let m = FRAC.exec(text); m; m = FRAC.exec(text)) {
    let s = m.index;
    while (s > 0) { const c = text.charCodeAt(s - 1); if (c >= 48 && c <= 57) s--; else break; }
    if (s > 0 && text.charCodeAt(s - 1) === 45) s--;
    NUMBER_RE.lastIndex = s;
    const n = NUMBER_RE.exec(text);
    if (n === null) { FRAC.lastIndex = m.index + 1; continue; }
    if ((n[1] !== undefined || n[2] !== undefined) && Number.isInteger(Number(n[0]))) return false;
    FRAC.lastIndex = s + n[0].length;
  }
  return true;
}
const b = benchConversation(42, 50); (b.tools as any)[2].function.parameters.properties.budget.multipleOf = 0.5;
const texts = [pyJsonDumps(b), ...readFileSync("../shared/k2vv/k2vv-requests.jsonl", "utf8").split("\n").filter(Boolean).slice(0, 2)];
function time(name: string, fn: () => unknown, iters = 2000) {
  for (let i = 0; i < iters; i++) fn();
  const s: number[] = [];
  for (let r = 0; r < 9; r++) { const t0 = process.hrtime.bigint(); for (let i = 0; i < iters; i++) fn(); s.push(Number(process.hrtime.bigint() - t0) / 1e3 / iters); }
  s.sort((a, b) => a - b); console.log(name.padEnd(40), s[4]!.toFixed(3), "us");
}
for (const t of texts) {
  console.log("len", t.length, "exact", exact(t));
  time("parseRequestJson", () => parseRequestJson(t));
  time("exact+JSON.parse", () => exact(t) && JSON.parse(t));
}
