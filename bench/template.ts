/**
 * Chat-template benchmark: one seeded 50-message conversation with tools, rendered by the native
 * engine, our Jinja engine, plain `@huggingface/jinja` and the Python reference (timed inside the
 * Python process), in the same run. Prints ms per render and the ratios.
 *
 *   npm run bench:template            # builds, then KIMI_K2_MODEL_DIR or ../shared/kimi-k2 for the template
 *
 * Our code is measured as built (dist/, what users run); without a build it falls back to the
 * sources through tsx, whose name-keeping helpers cost about a quarter more.
 */
import { Template } from "@huggingface/jinja";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { SPECIAL_TOKENS_MAP } from "../src/special-tokens.js";
import { benchConversation } from "./template-input.js";

type TemplateModule = typeof import("../src/template/index.js");
const built = resolve("dist", "template", "index.js");
const lib = (await import(existsSync(built) ? pathToFileURL(built).href : "../src/template/index.js")) as TemplateModule;
const { compileTemplate, pyJsonDumps, renderChat, renderSegments } = lib;

const modelDir = resolve(process.env.KIMI_K2_MODEL_DIR ?? join(process.cwd(), "..", "shared", "kimi-k2"));
const templatePath = join(modelDir, "chat_template.jinja");
if (!existsSync(templatePath)) {
  console.error(`chat_template.jinja not found in ${modelDir}; set KIMI_K2_MODEL_DIR.`);
  process.exit(1);
}
const source = readFileSync(templatePath, "utf8");
const request = benchConversation(42, 50);
const template = compileTemplate(source);

/** Median ms per call over `rounds` rounds of `iters` calls, after a warm-up. */
function time(fn: () => unknown, iters: number, rounds = 11): number {
  for (let i = 0; i < iters; i++) fn();
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iters; i++) fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6 / iters);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] as number;
}

/**
 * Makes a rendered string usable: V8 builds `a += b` results as a tree of pieces and copies them
 * into one flat string only when the string is first read (a write to a socket, an encode, a regex).
 * A renderer that concatenates (the native engine, plain @huggingface/jinja) would otherwise leave
 * that copy to its caller, while one that joins an array (our Jinja engine) pays it inside; so every
 * renderer is timed with the copy. Reading one character forces it (V8 flattens a tree before any
 * read) without a scan of the whole string, which would be the caller's work for any renderer.
 */
let sink = 0;
function read(text: string): string {
  sink += text.charCodeAt(text.length >> 1);
  return text;
}
function readSegments(segments: readonly { text: string }[]): void {
  for (const s of segments) read(s.text);
}

// Plain @huggingface/jinja, parsed once, with the variables Hugging Face passes (raw semantics).
const hf = new Template(source);
const hfVars = { ...SPECIAL_TOKENS_MAP, messages: request.messages, tools: request.tools, add_generation_prompt: true };
const hfRender = (): string => read(hf.render(JSON.parse(JSON.stringify(hfVars)) as Record<string, unknown>));
const hfRenderShared = (): string => read(hf.render(hfVars as unknown as Record<string, unknown>));

// Warm every path up before measuring any, so no engine is measured while another is still compiling.
for (let i = 0; i < 300; i++) {
  renderChat(request);
  renderSegments(request);
  renderChat(request, { template, engine: "jinja", semantics: "raw" });
  renderChat(request, { template, engine: "jinja" });
  hfRenderShared();
}

const results: [string, number][] = [];
const nativeText = time(() => read(renderChat(request)), 2000);
results.push(["native engine, renderChat", nativeText]);
results.push(["native engine, renderChat (string not read)", time(() => renderChat(request), 2000)]);
results.push(["native engine, renderSegments", time(() => readSegments(renderSegments(request)), 2000)]);
// Floors: work every renderer of this request must do, whatever its engine. The output's pieces
// (markup and content, as renderSegments cuts them) made into one flat string, the cheaper of
// joining them and concatenating them then reading: a single copy of the result. And
// JSON.stringify (V8's native serialiser) of the tool declarations, which the template prints.
const pieces = renderSegments(request).map((s) => s.text);
const concatPieces = (): string => {
  let out = "";
  for (const p of pieces) out += p;
  return out;
};
const floorCopy = Math.min(time(() => read(pieces.join("")), 2000), time(() => read(concatPieces()), 2000));
const plainTools = JSON.parse(JSON.stringify(request.tools)) as unknown;
const floorJson = time(() => read(JSON.stringify(plainTools)), 2000);
const ours = time(() => read(renderChat(request, { template, engine: "jinja", semantics: "raw" })), 100);
results.push(["our Jinja engine (raw semantics)", ours]);
results.push(["our Jinja engine (Kimi semantics)", time(() => read(renderChat(request, { template, engine: "jinja" })), 100)]);
const plain = time(hfRenderShared, 100);
results.push(["plain @huggingface/jinja", plain]);
results.push(["plain @huggingface/jinja (input copied per call)", time(hfRender, 100)]);

// The Python reference: compile once (as a server does) and time render() inside Python.
const pyScript = `
import sys, json, time
sys.path.insert(0, sys.argv[1])
import render_ref
src = open(sys.argv[2], encoding="utf-8").read()
req = json.loads(sys.stdin.read())
env = render_ref.build_environment()
tpl = env.from_string(src)
kw = dict(render_ref.KIMI_SPECIAL_TOKENS_MAP)
def once():
    return tpl.render(messages=req["messages"], tools=req["tools"], documents=None, add_generation_prompt=True, **kw)
def full():
    return render_ref.render(src, req, kimi_tokenizer=False)
out = {}
for name, fn, n in (("compiled", once, 300), ("render_ref", full, 50)):
    fn()
    samples = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter() - t0) * 1000 / n)
    out[name] = sorted(samples)[2]
out["text"] = once()
print(json.dumps(out))
`;
const oracleDir = resolve(join(modelDir, "..", "oracles"));
const py = spawnSync("python3", ["-c", pyScript, existsSync(oracleDir) ? oracleDir : join(process.cwd(), "..", "shared", "oracles"), templatePath], {
  input: pyJsonDumps({ ...request, add_generation_prompt: true }, { ensureAscii: true }),
  encoding: "utf8",
});
let pyCompiled = NaN;
if (py.status === 0) {
  const r = JSON.parse(py.stdout) as { compiled: number; render_ref: number; text: string };
  pyCompiled = r.compiled;
  results.push(["Python Jinja2 (compiled once)", r.compiled]);
  results.push(["Python render_ref.render (compiles per call)", r.render_ref]);
  const same = r.text === renderChat(request, { semantics: "raw", addGenerationPrompt: true });
  if (!same) console.error("warning: the Python output differs from ours on the bench input");
} else {
  console.error(`Python reference not run: ${py.stderr}`);
}

const width = Math.max(...results.map(([n]) => n.length));
console.log(
  `50-message conversation with 3 tools, ${renderChat(request).length} characters; our code from ${existsSync(built) ? "dist/ (built)" : "src/ via tsx"} ` +
    "(median ms per render, the result read once)\n",
);
for (const [name, ms] of results) console.log(`${name.padEnd(width)}  ${ms.toFixed(4)} ms`);
console.log("");
console.log(`native vs our Jinja engine:        ${(ours / nativeText).toFixed(0)}x faster`);
console.log(`native vs plain @huggingface/jinja: ${(plain / nativeText).toFixed(0)}x faster`);
console.log(`our Jinja engine vs plain:          ${(((ours - plain) / plain) * 100).toFixed(1)}% ${ours >= plain ? "slower" : "faster (negative overhead)"}`);
console.log("");
console.log(`floor: one copy of the ${pieces.join("").length}-character result into a flat string   ${(floorCopy * 1000).toFixed(2)} us`);
console.log(`floor: JSON.stringify of the tool declarations (${JSON.stringify(plainTools).length} characters) ${(floorJson * 1000).toFixed(2)} us`);
console.log(`100x faster than our Jinja engine would be                    ${((ours / 100) * 1000).toFixed(2)} us`);
console.log(`100x faster than plain @huggingface/jinja would be            ${((plain / 100) * 1000).toFixed(2)} us`);
console.log(`native engine                                                 ${(nativeText * 1000).toFixed(2)} us`);
if (Number.isFinite(pyCompiled)) {
  console.log(`native vs Python (compiled):       ${(pyCompiled / nativeText).toFixed(0)}x faster`);
  console.log(`our Jinja engine vs Python:        ${(pyCompiled / ours).toFixed(2)}x`);
}
