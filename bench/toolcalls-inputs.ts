/**
 * Inputs for bench/toolcalls.ts: seeded model outputs of a given size, their delta splits, and the
 * comparison parser that re-scans the whole accumulated text on every delta (how the main Python
 * servers stream Kimi K2 tool calls). test/toolcalls/bench-inputs.test.ts checks both.
 */

/** A deterministic xorshift generator in [0, 1). */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const WORDS = ["the", "weather", "in", "Beijing", "北京", "天气", "is", "sunny", "😀", "a < b", "x > y", "naïve", "café", "data", "value", "tool", "result", "\"quoted\"", "line\nbreak", "tab\there"];

/** One expected call of a generated output. */
export interface BenchCall {
  id: string;
  name: string;
  arguments: string;
}

/** A generated output and what a parser must return for it. */
export interface BenchOutput {
  text: string;
  content: string;
  calls: BenchCall[];
}

function sentence(r: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(r() * WORDS.length)]!.replace(/\n|\t/g, " "));
  return out.join(" ");
}

/** JSON arguments of about `size` characters, pretty-printed or with K2's `", "` / `": "` spacing. */
function argumentsOf(r: () => number, size: number, pretty: boolean): string {
  const obj: Record<string, unknown> = {};
  let n = 2;
  let i = 0;
  while (n < size) {
    const key = `field_${i++}`;
    const value = r() < 0.2 ? [Math.floor(r() * 1e6), r() < 0.5, sentence(r, 3)] : r() < 0.2 ? Math.floor(r() * 1e9) / 100 : sentence(r, 1 + Math.floor(r() * 12));
    obj[key] = value;
    // Key, value, quotes, separator and spacing (pretty-printing adds a newline and indentation).
    n += key.length + JSON.stringify(value).length + (pretty ? 9 : 6) + (Array.isArray(value) && pretty ? 20 : 0);
  }
  return pretty ? JSON.stringify(obj, null, 2) : JSON.stringify(obj).replace(/","/g, '", "').replace(/":/g, '": ');
}

/**
 * A model output of about `bytes` characters: a sentence of content, then a section of calls (one
 * per ~16 KB, at least one) whose arguments fill the rest.
 */
export function generateOutput(bytes: number, seed: number): BenchOutput {
  const r = rng(seed);
  const content = sentence(r, 12) + "\n";
  const nCalls = Math.max(1, Math.round(bytes / 16_384));
  const per = Math.max(16, Math.floor((bytes - content.length) / nCalls) - 80);
  const calls: BenchCall[] = [];
  let text = content + "<|tool_calls_section_begin|>";
  for (let k = 0; k < nCalls; k++) {
    const name = ["get_weather", "search", "mcp__github__create-issue", "my.ns.write_file"][k % 4]!;
    const id = `functions.${name}:${k}`;
    const args = argumentsOf(r, per, k % 2 === 0);
    calls.push({ id, name, arguments: args });
    text += `<|tool_call_begin|>${id}<|tool_call_argument_begin|>${args}<|tool_call_end|>`;
  }
  text += "<|tool_calls_section_end|>";
  return { text, content, calls };
}

/** How a benchmark cuts an output into deltas. */
export type DeltaMode = "1-char" | "1-token" | "4-KB";

/** The deltas: 1 UTF-16 unit each, seeded lengths of 1..7 units (4 on average, about one token), or 4,096 units. */
export function splitDeltas(text: string, mode: DeltaMode, seed = 7): string[] {
  const out: string[] = [];
  if (mode === "1-char") {
    for (let i = 0; i < text.length; i++) out.push(text[i]!);
    return out;
  }
  const r = rng(seed);
  for (let i = 0; i < text.length; ) {
    const n = mode === "4-KB" ? 4096 : 1 + Math.floor(r() * 7);
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

/** What the re-scan parser streams per delta. */
export interface RescanDelta {
  content: string;
  calls: Array<{ index: number; id?: string; name?: string; arguments: string }>;
}

const SECTION = "<|tool_calls_section_begin|>";
const CALL = /<\|tool_call_begin\|>\s*([^<]*?)\s*<\|tool_call_argument_begin\|>\s*([\s\S]*?)\s*(?:<\|tool_call_end\|>|$)/g;

/** Length of the longest suffix of `s` that is a proper prefix of `<|...`: held back as a possible marker. */
function partialMarker(s: string): number {
  const i = s.lastIndexOf("<");
  return i >= 0 && i >= s.length - 30 && !s.slice(i).includes(">") ? s.length - i : 0;
}

/**
 * The comparison: on every delta, re-scan the whole accumulated text (find the section, run the
 * call regex over it, rebuild every call) and stream the difference from what was already sent.
 * Quadratic in the output length, like the servers it stands for.
 */
export class RescanParser {
  private text = "";
  private sentContent = 0;
  private sentArgs: number[] = [];

  push(delta: string): RescanDelta {
    this.text += delta;
    const t = this.text;
    const out: RescanDelta = { content: "", calls: [] };
    const sb = t.indexOf(SECTION);
    const contentEnd = sb >= 0 ? sb : t.length - partialMarker(t);
    if (contentEnd > this.sentContent) {
      out.content = t.slice(this.sentContent, contentEnd);
      this.sentContent = contentEnd;
    }
    if (sb < 0) return out;
    const section = t.slice(sb + SECTION.length);
    let index = 0;
    for (const m of section.matchAll(CALL)) {
      let args = m[2]!;
      args = args.slice(0, args.length - partialMarker(args));
      const sent = this.sentArgs[index];
      if (sent === undefined) {
        this.sentArgs[index] = args.length;
        out.calls.push({ index, id: m[1]!, name: m[1]!.replace(/^functions\./, "").replace(/:\d+$/, ""), arguments: args });
      } else if (args.length > sent) {
        out.calls.push({ index, arguments: args.slice(sent) });
        this.sentArgs[index] = args.length;
      }
      index++;
    }
    return out;
  }
}

/** The aggregate the re-scan parser streams for these deltas (used by the test). */
export function rescanCollect(deltas: readonly string[]): { content: string; calls: BenchCall[] } {
  const p = new RescanParser();
  let content = "";
  const calls: BenchCall[] = [];
  for (const d of deltas) {
    const r = p.push(d);
    content += r.content;
    for (const c of r.calls) {
      if (c.id !== undefined) calls[c.index] = { id: c.id, name: c.name!, arguments: "" };
      calls[c.index]!.arguments += c.arguments;
    }
  }
  return { content, calls };
}
