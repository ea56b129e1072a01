import { benchConversation } from "../bench/template-input.js";
const lib = await import("../dist/template/index.js") as any;
const { parseRequestJson, pyJsonDumps } = lib;
import { readFileSync } from "node:fs";
const texts = [pyJsonDumps(benchConversation(42, 50)), ...readFileSync("../shared/k2vv/k2vv-requests.jsonl", "utf8").split("\n").filter(Boolean).slice(0, 3)];
const RISKY = /\d[.eE]|\d{16}|"\d+"\s*:|-0(?![.\deE])/;
function time(name: string, fn: () => unknown, iters = 2000) {
  for (let i = 0; i < iters; i++) fn();
  const s: number[] = [];
  for (let r = 0; r < 9; r++) { const t0 = process.hrtime.bigint(); for (let i = 0; i < iters; i++) fn(); s.push(Number(process.hrtime.bigint() - t0) / 1e3 / iters); }
  s.sort((a, b) => a - b); console.log(name.padEnd(40), s[4]!.toFixed(3), "us");
}
for (const t of texts) {
  console.log("len", t.length, "risky", RISKY.exec(t)?.[0]);
  time("parseRequestJson", () => parseRequestJson(t));
  time("JSON.parse", () => JSON.parse(t));
  time("RISKY.test", () => RISKY.test(t));
}
