/** `kimi-k2 parse` in-process: whole and streamed, text and ids, against the recorded fixtures. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run.js";
import { fakeIO } from "../helpers/fake-io.js";
import { type Reference, createReference } from "../helpers/reference-tokenizer.js";
import { loadProxyFixtures } from "../helpers/replay-upstream.js";
import { modelDir } from "../helpers/shared.js";

const fixtures = loadProxyFixtures();
const withExpectations = [...fixtures.values()].filter((f) => f.expected?.tool_calls && !f.request.messages.some((m) => (m as { tool_calls?: unknown }).tool_calls));
let ref: Reference;
beforeAll(() => {
  ref = createReference(modelDir());
});
afterAll(() => ref?.tiktoken.free());

function toolsFile(tools: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "kimi-k2-parse-"));
  const file = join(dir, "tools.json");
  writeFileSync(file, JSON.stringify(tools));
  return file;
}

interface Line {
  index: 0;
  delta: { content?: string; tool_calls?: Array<{ index: number; id?: string; type?: string; function?: { name?: string; arguments?: string } }> };
  finish_reason: string | null;
}

function assemble(lines: Line[]) {
  let content: string | null = null;
  const calls: Array<{ id: string; type: string; function: { name: string; arguments: string } }> = [];
  for (const l of lines) {
    if (l.delta.content !== undefined) content = (content ?? "") + l.delta.content;
    for (const c of l.delta.tool_calls ?? []) {
      if (c.id !== undefined) calls[c.index] = { id: c.id, type: c.type!, function: { name: c.function!.name!, arguments: "" } };
      calls[c.index]!.function.arguments += c.function?.arguments ?? "";
    }
  }
  return { content, tool_calls: calls, finish_reason: lines[lines.length - 1]!.finish_reason };
}

const expectedCalls = (name: string) => fixtures.get(name)!.expected!.tool_calls!.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } }));

describe("kimi-k2 parse", () => {
  it.each(withExpectations.map((f) => f.name))("%s: content, tool calls and finish reason as recorded", async (name) => {
    const f = fixtures.get(name)!;
    // The model's whole turn: what the prompt opened for tool_choice, then what it generated.
    const io = fakeIO((f.assistant_prefix ?? "") + f.output);
    expect(await runCli(["parse", "--tools", toolsFile(f.request.tools ?? [])], io.io)).toBe(0);
    const result = JSON.parse(io.stdout()) as { content: string | null; tool_calls: unknown[]; finish_reason: string; diagnostics: unknown[] };
    expect(result.content).toBe(f.expected!.content);
    expect(result.tool_calls).toEqual(expectedCalls(name));
    expect(result.finish_reason).toBe(f.expected!.finish_reason);
    expect(Array.isArray(result.diagnostics)).toBe(true);
  });

  it("--tools with a request: tool_choice none removes the calls", async () => {
    const f = fixtures.get("parallel-calls")!;
    const io = fakeIO(f.output);
    await runCli(["parse", "--tools", toolsFile({ ...f.request, tool_choice: "none" })], io.io);
    const result = JSON.parse(io.stdout()) as { content: string; tool_calls: unknown[]; finish_reason: string };
    expect([result.content, result.tool_calls, result.finish_reason]).toEqual(["I'll check both cities at once.", [], "stop"]);
  });

  it("--ids: the reference's ids of the output parse to the same calls (markers as ids)", async () => {
    const f = fixtures.get("parallel-calls")!;
    const io = fakeIO(JSON.stringify(ref.encode(f.output, "all")));
    expect(await runCli(["parse", "--ids", "--model-dir", modelDir()], io.io)).toBe(0);
    expect((JSON.parse(io.stdout()) as { tool_calls: unknown }).tool_calls).toEqual(expectedCalls("parallel-calls"));
  });

  it("--ids: marker text typed inside an argument stays text", async () => {
    const output = '<|tool_calls_section_begin|><|tool_call_begin|>functions.echo:0<|tool_call_argument_begin|>{"text": "<|tool_call_end|>"}<|tool_call_end|><|tool_calls_section_end|>';
    const ids = ref.encode(output, "all");
    // Replace the marker the model "typed" inside the string with its ordinary-text encoding.
    const typed = ref.encode('{"text": "<|tool_call_end|>"}');
    const start = ids.indexOf(163598) + 1;
    const end = ids.indexOf(163599, start);
    const withTyped = [...ids.slice(0, start), ...typed, ...ids.slice(end)];
    const io = fakeIO(JSON.stringify(withTyped));
    await runCli(["parse", "--ids", "--model-dir", modelDir()], io.io);
    expect((JSON.parse(io.stdout()) as { tool_calls: Array<{ function: { arguments: string } }> }).tool_calls[0]!.function.arguments).toBe('{"text": "<|tool_call_end|>"}');
  });

  it("an empty input is no content, no calls, stop", async () => {
    const io = fakeIO("");
    await runCli(["parse"], io.io);
    expect(JSON.parse(io.stdout())).toMatchObject({ content: null, tool_calls: [], finish_reason: "stop" });
  });

  it("a tools file is read as stdin's JSON is: a byte-order mark skipped, bytes that are not UTF-8 an error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kimi-k2-parse-"));
    const tools = [{ type: "function", function: { name: "f", parameters: { type: "object" } } }];
    writeFileSync(join(dir, "bom.json"), `\ufeff${JSON.stringify(tools)}`);
    const output = "<|tool_calls_section_begin|><|tool_call_begin|>functions.f:0<|tool_call_argument_begin|>{}<|tool_call_end|><|tool_calls_section_end|>";
    const io = fakeIO(output);
    expect(await runCli(["parse", "--tools", join(dir, "bom.json")], io.io)).toBe(0);
    expect(JSON.parse(io.stdout())).toMatchObject({ tool_calls: [{ function: { name: "f" } }], diagnostics: [] });

    writeFileSync(join(dir, "latin1.json"), Buffer.concat([Buffer.from('[{"type":"function","function":{"name":"caf'), Buffer.from([0xe9]), Buffer.from('"}}]')]));
    const bad = fakeIO(output);
    expect(await runCli(["parse", "--tools", join(dir, "latin1.json")], bad.io)).toBe(1);
    expect(bad.stderr()).toBe(`kimi-k2 parse: the tools file ${join(dir, "latin1.json")} is not UTF-8 (an invalid byte 0xe9 at offset 43): save the JSON as UTF-8.\n`);
  });

  it("a tools file with a tool the parser refuses exits 1 naming the file, not the library's options", async () => {
    const file = toolsFile({ tools: [{ type: "function", function: { name: "f" } }, { type: "function", function: { parameters: {} } }], tool_choice: "auto" });
    const io = fakeIO("hi");
    expect(await runCli(["parse", "--tools", file], io.io)).toBe(1);
    expect(io.stderr()).toMatch(new RegExp(`^kimi-k2 parse: the tools file ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: tools\\[1\\] has no function\\.name: .*\n$`));
    const choice = fakeIO("hi");
    expect(await runCli(["parse", "--tools", toolsFile({ tools: [], tool_choice: "any" })], choice.io)).toBe(1);
    expect(choice.stderr()).toMatch(/^kimi-k2 parse: the tools file .*: tool_choice must be "auto", "none", "required" or /);
  });

  it("a tools file that is not JSON exits 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kimi-k2-parse-"));
    writeFileSync(join(dir, "bad.json"), "[");
    const io = fakeIO("hi");
    expect(await runCli(["parse", "--tools", join(dir, "bad.json")], io.io)).toBe(1);
  });
});

describe("kimi-k2 parse --stream", () => {
  it("one choice delta a line, assembling into the recorded message, and the finish reason last", async () => {
    const f = fixtures.get("odd-format")!;
    const pieces = Array.from(f.output).map((c) => c); // one character per chunk: every marker split everywhere
    const io = fakeIO(
      (async function* () {
        yield* pieces;
      })(),
    );
    expect(await runCli(["parse", "--stream"], io.io)).toBe(0);
    const lines = io.stdout().trimEnd().split("\n").map((l) => JSON.parse(l) as Line);
    expect(lines.every((l) => l.index === 0)).toBe(true);
    expect(lines.slice(0, -1).every((l) => l.finish_reason === null)).toBe(true);
    expect(assemble(lines)).toEqual({ content: f.expected!.content, tool_calls: expectedCalls("odd-format"), finish_reason: "tool_calls" });
  });

  it("writes each delta as soon as it is known, before the input ends", async () => {
    let stdout = () => "";
    const io = fakeIO(
      (async function* () {
        yield "Hello there";
        // The content must already be out while the input is still open.
        await new Promise((r) => setTimeout(r, 10));
        expect(stdout()).toContain('"content":"Hello there"');
        yield "<|tool_calls_section_begin|><|tool_call_begin|>functions.f:0<|tool_call_argument_begin|>{";
        await new Promise((r) => setTimeout(r, 10));
        expect(stdout()).toContain('"id":"functions.f:0"');
        yield '"a": 1}<|tool_call_end|><|tool_calls_section_end|>';
      })(),
    );
    stdout = io.stdout;
    expect(await runCli(["parse", "--stream"], io.io)).toBe(0);
    expect(io.stdout().trimEnd().split("\n").pop()).toBe('{"index":0,"delta":{},"finish_reason":"tool_calls"}');
  });

  it("a multi-byte character split between byte chunks is not broken", async () => {
    const bytes = new TextEncoder().encode("北京🌤");
    const io = fakeIO(
      (async function* () {
        for (const b of bytes) yield Uint8Array.of(b);
      })(),
    );
    await runCli(["parse", "--stream"], io.io);
    const lines = io.stdout().trimEnd().split("\n").map((l) => JSON.parse(l) as Line);
    expect(assemble(lines).content).toBe("北京🌤");
  });

  it("--ids --stream: ids split anywhere across chunks", async () => {
    const f = fixtures.get("parallel-calls")!;
    const text = JSON.stringify(ref.encode(f.output, "all"));
    const io = fakeIO(
      (async function* () {
        for (let i = 0; i < text.length; i += 3) yield text.slice(i, i + 3);
      })(),
    );
    expect(await runCli(["parse", "--ids", "--stream", "--model-dir", modelDir()], io.io)).toBe(0);
    const lines = io.stdout().trimEnd().split("\n").map((l) => JSON.parse(l) as Line);
    expect(assemble(lines).tool_calls).toEqual(expectedCalls("parallel-calls"));
  });

  it("--stream FILE reads the file; a missing one exits 1 with one line, before any output", async () => {
    const f = fixtures.get("parallel-calls")!;
    const file = join(mkdtempSync(join(tmpdir(), "kimi-k2-parse-")), "output.txt");
    writeFileSync(file, f.output);
    const io = fakeIO();
    expect(await runCli(["parse", "--stream", file], io.io)).toBe(0);
    expect(assemble(io.stdout().trimEnd().split("\n").map((l) => JSON.parse(l) as Line)).tool_calls).toEqual(expectedCalls("parallel-calls"));

    const missing = fakeIO();
    expect(await runCli(["parse", "--stream", `${file}.missing`], missing.io)).toBe(1);
    expect(missing.stdout()).toBe("");
    expect(missing.stderr()).toMatch(/^kimi-k2 parse: cannot read the input file .*output\.txt\.missing: .*\n$/);
    expect(missing.stderr().trim().split("\n")).toHaveLength(1);
  });

  it("a leading byte-order mark is output like any other character, whole or streamed", async () => {
    const output = "\ufeffHi<|tool_calls_section_begin|><|tool_call_begin|>functions.f:0<|tool_call_argument_begin|>{}<|tool_call_end|>";
    const whole = fakeIO(output);
    await runCli(["parse"], whole.io);
    expect((JSON.parse(whole.stdout()) as { content: string }).content).toBe("\ufeffHi");
    const streamed = fakeIO(new TextEncoder().encode(output));
    await runCli(["parse", "--stream"], streamed.io);
    expect(assemble(streamed.stdout().trimEnd().split("\n").map((l) => JSON.parse(l) as Line)).content).toBe("\ufeffHi");
  });

  it("diagnostics on stderr: one line each, model output's newlines and terminal controls escaped", async () => {
    const output = '<|tool_calls_section_begin|><|tool_call_begin|>functions.\u001b[8mf\nx\r:0<|tool_call_argument_begin|>{"a": 1}<|tool_call_end|><|tool_calls_section_end|>';
    const io = fakeIO(output);
    expect(await runCli(["parse", "--stream"], io.io)).toBe(0);
    const lines = io.stderr().trimEnd().split("\n");
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^kimi-k2 parse: (info|warning|error) [a-z_]+: [^\x00-\x08\x0b-\x1f\x7f-\x9f]*$/);
    expect(io.stderr()).toContain("functions.\\x1b[8mf\\nx\\x0d:0");
  });

  it("--ids --stream: a non-number exits 1", async () => {
    const io = fakeIO("[1, 2, x]");
    expect(await runCli(["parse", "--ids", "--stream", "--model-dir", modelDir()], io.io)).toBe(1);
  });
});
