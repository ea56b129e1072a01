/**
 * loadChatTemplate: a checkpoint's chat_template.jinja, or the chat_template field of
 * tokenizer_config.json, compiled and verified; a clear error when a directory has neither.
 */
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadChatTemplate } from "../src/load-template.js";
import { renderChat } from "../src/template/index.js";
import { modelDir, sharedFile } from "./helpers/shared.js";

const tmp = () => mkdtempSync(join(tmpdir(), "kimi-k2-template-"));

describe("loadChatTemplate", () => {
  it("loads the model directory's chat_template.jinja, recognised as the 0905 rules", () => {
    const t = loadChatTemplate(modelDir());
    expect(t.source).toBe(readFileSync(join(modelDir(), "chat_template.jinja"), "utf8"));
    expect(t.verification).toBe("known-hash");
    expect(renderChat({ messages: [{ role: "user", content: "hi" }] }, { template: t })).toBe(
      "<|im_system|>system<|im_middle|>You are Kimi, an AI assistant created by Moonshot AI.<|im_end|>\n<|im_user|>user<|im_middle|>hi<|im_end|><|im_assistant|>assistant<|im_middle|>",
    );
  });

  it("falls back to tokenizer_config.json's chat_template (the 0711 checkpoint's)", () => {
    const dir = tmp();
    copyFileSync(sharedFile("kimi-k2", "tokenizer_config.0711-initial.json"), join(dir, "tokenizer_config.json"));
    const t = loadChatTemplate({ dir });
    const config = JSON.parse(readFileSync(join(dir, "tokenizer_config.json"), "utf8")) as { chat_template: string };
    expect(t.source).toBe(config.chat_template);
    expect(t.verification).toBe("not-equivalent");
    expect(renderChat({ messages: [{ role: "user", content: "hi" }] }, { template: t })).toBe(
      "<|im_system|>system<|im_middle|>You are a helpful assistant<|im_end|><|im_user|>user<|im_middle|>hi<|im_end|><|im_assistant|>assistant<|im_middle|>",
    );
  });

  it("says how to provide a template when a directory has none", () => {
    const dir = tmp();
    expect(() => loadChatTemplate(dir)).toThrow(expect.objectContaining({ code: "model_files_not_found", message: expect.stringMatching(/no chat template in .*--model-dir/) }));
  });

  it("can skip the probe check", () => {
    const dir = tmp();
    copyFileSync(sharedFile("kimi-k2", "tokenizer_config.0711-initial.json"), join(dir, "tokenizer_config.json"));
    expect(loadChatTemplate({ dir, probe: false }).verification).toBe("not-equivalent");
  });
});
