/** `kimi-k2 demo` in-process: the main job on the built-in example. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_OUTPUT, DEMO_REQUEST } from "../../src/cli/demo-example.js";
import { runCli } from "../../src/cli/run.js";
import { NAMED_SPECIAL_TOKENS } from "../../src/special-tokens.js";
import { fakeIO } from "../helpers/fake-io.js";
import { type Reference, createReference } from "../helpers/reference-tokenizer.js";
import { modelDir } from "../helpers/shared.js";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { sharedFile } from "../helpers/shared.js";

let ref: Reference;
beforeAll(() => {
  ref = createReference(modelDir());
});
afterAll(() => ref?.tiktoken.free());

describe("kimi-k2 demo", () => {
  it("renders, counts, streams the recorded reply and prints the final message", async () => {
    const io = fakeIO();
    expect(await runCli(["demo", "--model-dir", modelDir()], io.io)).toBe(0);
    const out = io.stdout();
    expect(io.stderr()).toBe("");
    expect(out).not.toContain("\x1b[");

    // 1. The prompt: the reference rendering of the request with history ids normalised.
    const normalised = JSON.parse(JSON.stringify(DEMO_REQUEST).replaceAll("call_0a1b2c", "functions.get_weather:0"));
    const prompt = execFileSync("python3", [sharedFile("oracles", "render_ref.py"), join(modelDir(), "chat_template.jinja"), "--kimi-tokenizer"], { input: JSON.stringify(normalised), encoding: "utf8" });
    expect(out).toContain(`${prompt}\n`);
    expect(out).toContain("call_0a1b2c → functions.get_weather:0");

    // 2. Its size, by the reference tokenizer.
    expect(out).toContain(`\n${ref.encode(prompt, NAMED_SPECIAL_TOKENS.map((t) => t.content)).length} tokens\n`);

    // 3. The chunk deltas: role first, content, each call's id and name once, arguments additive.
    const deltas = [...out.matchAll(/^chunk +\d+ {2}(.*)$/gm)].map((m) => JSON.parse(m[1]!) as { role?: string; content?: string; tool_calls?: Array<{ index: number; id?: string; function?: { name?: string; arguments?: string } }> });
    expect(deltas[0]).toEqual({ role: "assistant", content: "" });
    expect(deltas.map((d) => d.content ?? "").join("")).toBe("Let me check both cities.");
    const calls = deltas.flatMap((d) => d.tool_calls ?? []);
    expect(calls.filter((c) => c.id).map((c) => [c.index, c.id, c.function?.name])).toEqual([
      [0, "functions.get_weather:1", "get_weather"],
      [1, "functions.get_weather:2", "get_weather"],
    ]);
    expect([0, 1].map((i) => calls.filter((c) => c.index === i).map((c) => c.function?.arguments ?? "").join(""))).toEqual(['{"city": "Shanghai"}', '{"city": "Guangzhou"}']);
    expect(deltas.length).toBeGreaterThan(4);
    expect(out).toMatch(/^finish_reason {2}tool_calls$/m);

    // 4. The final message.
    const final = out.slice(out.indexOf("4. The final message"));
    const message = JSON.parse(final.slice(final.indexOf("{"), final.lastIndexOf("}") + 1));
    expect(message).toEqual({
      role: "assistant",
      content: "Let me check both cities.",
      tool_calls: [
        { id: "functions.get_weather:1", type: "function", function: { name: "get_weather", arguments: '{"city": "Shanghai"}' } },
        { id: "functions.get_weather:2", type: "function", function: { name: "get_weather", arguments: '{"city": "Guangzhou"}' } },
      ],
    });
    expect(out.split("\n").length).toBeLessThan(60);
  });

  it("the recorded reply is the format of FORMAT.md §5", () => {
    expect(DEMO_OUTPUT).toMatch(/^Let me check both cities\.<\|tool_calls_section_begin\|>(<\|tool_call_begin\|>functions\.get_weather:\d<\|tool_call_argument_begin\|>\{[^<]*\}<\|tool_call_end\|>){2}<\|tool_calls_section_end\|>$/);
  });

  it("on a terminal, special tokens are coloured", async () => {
    const io = fakeIO("", { tty: true });
    await runCli(["demo", "--model-dir", modelDir()], io.io);
    expect(io.stdout()).toContain("\x1b[1;36m<|im_user|>\x1b[0m");
  });
});
