/**
 * `kimi-k2 export-hf-tokenizer`, run in-process.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/command.js";
import { runCli } from "../../src/cli/run.js";
import { exportHfTokenizer } from "../../src/tokenizer/hf-export.js";
import { modelDir } from "../helpers/shared.js";
import { tokenizer } from "../helpers/tokenizers.js";

const CACHE = { KIMI_K2_CACHE_DIR: mkdtempSync(join(tmpdir(), "kimi-k2-hf-cache-")) };

function fakeIO(env: Record<string, string | undefined> = CACHE): CliIO & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    readInput: async () => new Uint8Array(),
    inputChunks: async function* () {},
    out(text: string | Uint8Array) {
      io.stdout += typeof text === "string" ? text : new TextDecoder().decode(text);
    },
    err(text: string) {
      io.stderr += text;
    },
    stdoutIsTTY: false,
    stderrIsTTY: false,
    env,
  };
  return io;
}

describe("kimi-k2 export-hf-tokenizer", () => {
  it("writes both files, with the checkpoint's chat template", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "kimi-k2-hf-")), "nested", "dir");
    const io = fakeIO();
    expect(await runCli(["export-hf-tokenizer", out, "--model-dir", modelDir()], io)).toBe(0);
    const template = readFileSync(join(modelDir(), "chat_template.jinja"), "utf8");
    const expected = exportHfTokenizer(tokenizer(), { chatTemplate: template });
    expect(readFileSync(join(out, "tokenizer.json"), "utf8")).toBe(expected["tokenizer.json"]);
    expect(readFileSync(join(out, "tokenizer_config.json"), "utf8")).toBe(expected["tokenizer_config.json"]);
    expect(io.stdout).toContain(`wrote ${join(out, "tokenizer.json")}`);
  });

  it("--no-chat-template leaves it out; KIMI_K2_MODEL_DIR finds the checkpoint", async () => {
    const out = mkdtempSync(join(tmpdir(), "kimi-k2-hf-"));
    expect(await runCli(["export-hf-tokenizer", out, "--no-chat-template"], fakeIO({ ...CACHE, KIMI_K2_MODEL_DIR: modelDir() }))).toBe(0);
    expect(JSON.parse(readFileSync(join(out, "tokenizer_config.json"), "utf8")).chat_template).toBeUndefined();
  });

  it("exit 2 without a directory, exit 1 when the checkpoint is missing", async () => {
    const io = fakeIO();
    expect(await runCli(["export-hf-tokenizer"], io)).toBe(2);
    expect(io.stderr).toContain("exactly one output directory");
    const io2 = fakeIO();
    expect(await runCli(["export-hf-tokenizer", mkdtempSync(join(tmpdir(), "kimi-k2-hf-")), "--model-dir", "/nonexistent/kimi"], io2)).toBe(1);
    expect(io2.stderr).toContain("does not exist");
  });
});
