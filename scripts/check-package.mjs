#!/usr/bin/env node
// Checks the built package (run after `npm run build`, as .ci/run does): every subpath export loads
// through its ESM and CommonJS entries, and the browser/edge-safe cores (tokenizer, template,
// toolcalls) reach no Node built-in (imported, or a global such as Buffer or process) through their
// whole import graph.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";

const root = resolve(dirname(new URL(import.meta.url).pathname), "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const require = createRequire(join(root, "package.json"));
const expected = {
  ".": ["loadTokenizer", "renderChat", "ToolCallParser", "findModelFiles", "downloadModelFiles", "KimiK2Error"],
  "./tokenizer": ["createTokenizer", "Tokenizer"],
  "./template": ["renderChat", "renderSegments", "compileTemplate", "parseRequestJson"],
  "./toolcalls": ["ToolCallParser", "parseToolCalls", "collect", "ChunkDeltaAdapter"],
  "./server": ["createProxy", "createKimiPipeline"],
};
const browserSafe = ["./tokenizer", "./template", "./toolcalls"];
let failed = false;
const fail = (msg) => {
  console.error(`check-package: ${msg}`);
  failed = true;
};

/** Every relative module an ESM file reaches, itself included. */
function graph(file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  const src = readFileSync(file, "utf8");
  for (const m of src.matchAll(/(?:from|import)\s*['"](\.{1,2}\/[^'"]+)['"]/g)) graph(resolve(dirname(file), m[1]), seen);
  return seen;
}

for (const [subpath, names] of Object.entries(expected)) {
  const entry = pkg.exports[subpath];
  if (!entry) {
    fail(`package.json exports no "${subpath}"`);
    continue;
  }
  const specifier = subpath === "." ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
  const esm = await import(specifier);
  const cjs = require(specifier);
  for (const name of names) {
    if (!(name in esm)) fail(`${specifier} (ESM) does not export ${name}`);
    if (!(name in cjs)) fail(`${specifier} (CommonJS) does not export ${name}`);
  }
  if (browserSafe.includes(subpath)) {
    for (const file of graph(join(root, entry.import.default))) {
      const src = readFileSync(file, "utf8");
      const builtin = /(?:from|import|require\()\s*['"](node:[^'"]+|fs|path|os|crypto|http|https|child_process)['"]/.exec(src);
      if (builtin) fail(`${specifier} reaches the Node built-in "${builtin[1]}" in ${file}: the core must run in browsers`);
      // Node's globals need no import, so look for their use too.
      const global = /\bBuffer\b|\bprocess\.(?:env|exit|argv|stdout|stderr|stdin|platform|version|cwd|nextTick|hrtime)\b|\b__dirname\b|\bsetImmediate\(/.exec(src);
      if (global) fail(`${specifier} uses the Node global "${global[0]}" in ${file}: the core must run in browsers`);
    }
  }
}
if (failed) process.exit(1);
console.log(`check-package: ${Object.keys(expected).length} subpath exports load (ESM and CommonJS); the cores reach no Node built-in or global.`);
