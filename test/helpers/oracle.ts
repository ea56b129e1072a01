/**
 * The Python reference renderer (`../shared/oracles/render_ref.py`) in batch `--jsonl` mode: one
 * process renders many requests. Its output may hold lone surrogates (Python writes them with
 * `surrogatepass`), so the bytes are decoded as WTF-8 rather than UTF-8.
 */
import { spawn } from "node:child_process";
import { sharedFile } from "./shared.js";

/** One oracle result. */
export type OracleResult = { ok: true; text: string } | { ok: false; error: string };

/** Decodes UTF-8 that may encode lone surrogates (ED A0..BF xx), as Python's surrogatepass writes them. */
export function decodeWtf8(bytes: Uint8Array): string {
  let out = "";
  let chunk: number[] = [];
  const flush = (): void => {
    if (chunk.length) {
      out += String.fromCharCode(...chunk);
      chunk = [];
    }
  };
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i] as number;
    let cp: number;
    if (b < 0x80) {
      cp = b;
      i += 1;
    } else if (b >= 0xc0 && b < 0xe0) {
      cp = ((b & 0x1f) << 6) | ((bytes[i + 1] as number) & 0x3f);
      i += 2;
    } else if (b >= 0xe0 && b < 0xf0) {
      cp = ((b & 0x0f) << 12) | (((bytes[i + 1] as number) & 0x3f) << 6) | ((bytes[i + 2] as number) & 0x3f);
      i += 3;
    } else {
      cp = ((b & 0x07) << 18) | (((bytes[i + 1] as number) & 0x3f) << 12) | (((bytes[i + 2] as number) & 0x3f) << 6) | ((bytes[i + 3] as number) & 0x3f);
      i += 4;
    }
    if (cp > 0xffff) {
      cp -= 0x10000;
      chunk.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else chunk.push(cp);
    if (chunk.length > 4096) flush();
  }
  flush();
  return out;
}

/** Runs python3 with arguments, feeding `input` on stdin; resolves to stdout decoded as WTF-8. */
export function runPython(args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", args, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`python3 exited with ${code}: ${Buffer.concat(err).toString()}`));
      else resolve(decodeWtf8(Buffer.concat(out)));
    });
    child.stdin.end(input);
  });
}

// render_ref.render() builds a new environment and compiles the template for every request (about
// 8 ms for the 0905 template, ten times the rendering itself). This prelude hands it one environment
// whose from_string keeps each compiled template: Jinja2 templates are immutable and rendering keeps
// no state in the sandboxed environment, so the output is the same, and thousands of requests take
// seconds instead of minutes.
const COMPILE_ONCE = `
import sys
sys.path.insert(0, sys.argv[1])
import render_ref
_env = render_ref.build_environment()
_compile = _env.from_string
_compiled = {}
def _from_string(source, *args, **kwargs):
    if args or kwargs:
        return _compile(source, *args, **kwargs)
    if source not in _compiled:
        _compiled[source] = _compile(source)
    return _compiled[source]
_env.from_string = _from_string
render_ref.build_environment = lambda: _env
`;

// render_ref.py's own command line (argument parsing, --jsonl output), compiling each template once.
const MAIN_SCRIPT = `${COMPILE_ONCE}
render_ref.main(sys.argv[2:])
`;

// Renders (template, request) pairs with render_ref.py's own render() in one process.
const CASES_SCRIPT = `${COMPILE_ONCE}
import json
for raw in sys.stdin.buffer:
    if not raw.strip():
        continue
    case = json.loads(raw.decode("utf-8"))
    try:
        out = {"ok": True, "text": render_ref.render(case["template"], case["request"], kimi_tokenizer=case.get("kimi", False))}
    except Exception as exc:
        out = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    sys.stdout.buffer.write(json.dumps(out, ensure_ascii=False).encode("utf-8", "surrogatepass") + b"\\n")
`;

/** One (template, request) pair for {@link renderReferenceCases}; `requestLine` is the request as JSON text. */
export interface OracleCase {
  template: string;
  requestLine: string;
  kimi?: boolean;
}

/** Renders many (template, request) pairs with `render_ref.render` (the oracle's own function) in one Python process. */
export async function renderReferenceCases(cases: readonly OracleCase[]): Promise<OracleResult[]> {
  const oracleDir = sharedFile("oracles");
  const input = cases.map((c) => `{"template": ${JSON.stringify(c.template)}, "kimi": ${c.kimi ? "true" : "false"}, "request": ${c.requestLine}}`).join("\n") + "\n";
  const text = await runPython(["-c", CASES_SCRIPT, oracleDir], input);
  const results = text.split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l) as OracleResult);
  if (results.length !== cases.length) throw new Error(`the oracle returned ${results.length} results for ${cases.length} cases`);
  return results;
}

/**
 * Renders request lines (JSON text, one request each, no raw newlines) with the reference.
 * `kimi`: pass `--kimi-tokenizer` (tool schemas deep-sorted, add_generation_prompt defaulting to true).
 */
export async function renderReference(templatePath: string, lines: readonly string[], kimi: boolean): Promise<OracleResult[]> {
  const args = ["-c", MAIN_SCRIPT, sharedFile("oracles"), templatePath, "--jsonl", ...(kimi ? ["--kimi-tokenizer"] : [])];
  const text = await runPython(args, lines.join("\n") + "\n");
  const results = text.split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l) as OracleResult);
  if (results.length !== lines.length) throw new Error(`render_ref.py returned ${results.length} results for ${lines.length} requests`);
  return results;
}
