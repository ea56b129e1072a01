import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KimiK2Error } from "../src/errors.js";
import { findModelFiles, hfHubCacheDir, loadVocabularyFile, readChatTemplate, requireModelFile } from "../src/model-files.js";
import { parseTiktokenModel, tokenBytes } from "../src/tokenizer/vocab.js";
import { modelDir } from "./helpers/shared.js";

const tmp = () => mkdtempSync(join(tmpdir(), "kimi-k2-files-"));
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

function caught(fn: () => unknown): KimiK2Error {
  try {
    fn();
  } catch (e) {
    if (KimiK2Error.isInstance(e)) return e;
    throw e;
  }
  throw new Error("expected a KimiK2Error");
}

async function caughtAsync(fn: () => Promise<unknown>): Promise<KimiK2Error> {
  try {
    await fn();
  } catch (e) {
    if (KimiK2Error.isInstance(e)) return e;
    throw e;
  }
  throw new Error("expected a KimiK2Error");
}

describe("loading tiktoken.model", () => {
  it("parses the real vocabulary: 163,584 ranks whose bytes equal the file's base64", async () => {
    const path = join(modelDir(), "tiktoken.model");
    const vocab = await loadVocabularyFile(path);
    expect(vocab.size).toBe(163_584);
    const lines = readFileSync(path, "utf8").split("\n").filter(Boolean);
    expect(lines).toHaveLength(vocab.size);
    for (let r = 0; r < vocab.size; r += 997) {
      const [token, rank] = lines[r]!.split(" ");
      expect(Number(rank)).toBe(r);
      expect(Buffer.from(tokenBytes(vocab, r)).toString("base64")).toBe(token);
    }
    expect(Buffer.from(tokenBytes(vocab, vocab.size - 1)).toString("base64")).toBe(lines.at(-1)!.split(" ")[0]);
  });

  it("a missing file is a model_files_not_found error that says how to get the files", async () => {
    const e = await caughtAsync(() => loadVocabularyFile(join(tmp(), "tiktoken.model")));
    expect(e.code).toBe("model_files_not_found");
    expect(e.message).toMatch(/KIMI_K2_MODEL_DIR/);
    expect(e.message).toMatch(/kimi-k2 download/);
  });

  it("a malformed line is reported with its number", () => {
    const text = `${b64("a")} 0\n${b64("b")} 1\nnot base64!! 2\n`;
    const e = caught(() => parseTiktokenModel(new TextEncoder().encode(text), { expectKimi: false }));
    expect(e.code).toBe("vocab_malformed");
    expect(e.message).toMatch(/line 3/);
    expect(e.details).toEqual({ line: 3 });
  });

  it("a line without a rank is reported with its number", () => {
    const e = caught(() => parseTiktokenModel(new TextEncoder().encode(`${b64("a")} 0\n${b64("b")}\n`), { expectKimi: false }));
    expect(e.code).toBe("vocab_malformed");
    expect(e.message).toMatch(/line 2: no space/);
  });

  it("non-contiguous ranks are reported with the line and the expected rank", () => {
    const text = `${b64("a")} 0\n${b64("b")} 1\n${b64("c")} 3\n`;
    const e = caught(() => parseTiktokenModel(new TextEncoder().encode(text), { expectKimi: false }));
    expect(e.code).toBe("vocab_malformed");
    expect(e.message).toMatch(/line 3: rank 3 where 2 was expected/);
  });

  it("accepts CRLF line ends and a final line without newline", () => {
    const vocab = parseTiktokenModel(new TextEncoder().encode(`${b64("a")} 0\r\n${b64("bc")} 1`), { expectKimi: false });
    expect(vocab.size).toBe(2);
    expect(new TextDecoder().decode(tokenBytes(vocab, 1))).toBe("bc");
  });

  it("a vocabulary of another size is not Kimi K2's and the error says what was found", () => {
    const lines: string[] = [];
    for (let i = 0; i < 100_256; i++) lines.push(`${Buffer.from(String(i)).toString("base64")} ${i}`);
    const e = caught(() => parseTiktokenModel(new TextEncoder().encode(lines.join("\n"))));
    expect(e.code).toBe("vocab_mismatch");
    expect(e.message).toMatch(/100256 ranks \(it looks like cl100k_base/);
  });

  it("a vocabulary of the right size with other tokens is not Kimi K2's", () => {
    const lines: string[] = [];
    for (let i = 0; i < 163_584; i++) lines.push(`${Buffer.from(`t${i}`).toString("base64")} ${i}`);
    const e = caught(() => parseTiktokenModel(new TextEncoder().encode(lines.join("\n"))));
    expect(e.code).toBe("vocab_mismatch");
    expect(e.message).toMatch(/rank 0 is "t0"/);
  });
});

describe("finding model files", () => {
  it("uses a directory given by the caller first", () => {
    const files = findModelFiles({ dir: modelDir(), env: { KIMI_K2_MODEL_DIR: tmp() } });
    expect(files.source).toBe("dir");
    expect(requireModelFile(files, "vocabulary")).toBe(join(modelDir(), "tiktoken.model"));
    expect(files.paths.chatTemplate).toBe(join(modelDir(), "chat_template.jinja"));
  });

  it("explicit paths win over the directory for their file", () => {
    const dir = tmp();
    const template = join(dir, "other.jinja");
    writeFileSync(template, "{{ messages[0].content }}");
    const files = findModelFiles({ dir: modelDir(), paths: { chatTemplate: template } });
    expect(files.paths.chatTemplate).toBe(template);
    expect(readChatTemplate(files)).toBe("{{ messages[0].content }}");
  });

  it("a directory given by the caller that does not exist is an error, not a fallback", () => {
    const e = caught(() => findModelFiles({ dir: join(tmp(), "nope"), env: { KIMI_K2_MODEL_DIR: modelDir() } }));
    expect(e.code).toBe("model_files_not_found");
    expect(e.message).toMatch(/does not exist/);
  });

  it("then KIMI_K2_MODEL_DIR", () => {
    const files = findModelFiles({ env: { KIMI_K2_MODEL_DIR: modelDir(), HF_HOME: tmp() } });
    expect(files.source).toBe("env");
    expect(files.dir).toBe(modelDir());
  });

  it("then the Hugging Face cache: refs/main names the snapshot", () => {
    const home = tmp();
    const repo = join(home, "hub", "models--moonshotai--Kimi-K2-Instruct-0905");
    const commit = "a".repeat(40);
    mkdirSync(join(repo, "refs"), { recursive: true });
    mkdirSync(join(repo, "snapshots", commit), { recursive: true });
    mkdirSync(join(repo, "snapshots", "b".repeat(40)), { recursive: true });
    writeFileSync(join(repo, "refs", "main"), commit);
    writeFileSync(join(repo, "snapshots", commit, "chat_template.jinja"), "x");
    const files = findModelFiles({ env: { HF_HOME: home } });
    expect(files.source).toBe("hf-cache");
    expect(files.dir).toBe(join(repo, "snapshots", commit));
    expect(files.paths.chatTemplate).toBeDefined();
    expect(files.paths.vocabulary).toBeUndefined();
    const e = caught(() => requireModelFile(files, "vocabulary"));
    expect(e.message).toMatch(/tiktoken.model not found in .*snapshots/);
    expect(findModelFiles({ env: { HF_HOME: home }, revision: "b".repeat(40) }).dir).toBe(join(repo, "snapshots", "b".repeat(40)));
  });

  it("HF_HUB_CACHE wins over HF_HOME, which wins over ~/.cache/huggingface", () => {
    expect(hfHubCacheDir({ HF_HUB_CACHE: "/x/hub2", HF_HOME: "/y" })).toBe("/x/hub2");
    expect(hfHubCacheDir({ HF_HOME: "/y" })).toBe("/y/hub");
    expect(hfHubCacheDir({})).toMatch(/\.cache\/huggingface\/hub$/);
  });

  it("nothing anywhere is an error that names every place tried and how to get the files", () => {
    const e = caught(() => findModelFiles({ env: { KIMI_K2_MODEL_DIR: join(tmp(), "missing"), HF_HOME: tmp() } }));
    expect(e.code).toBe("model_files_not_found");
    expect(e.message).toMatch(/KIMI_K2_MODEL_DIR=.*missing/);
    expect(e.message).toMatch(/Hugging Face cache/);
    expect(e.message).toMatch(/kimi-k2 download/);
  });

  it("reads chat_template from tokenizer_config.json when no .jinja file is shipped", () => {
    const dir = tmp();
    writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify({ chat_template: [{ name: "default", template: "T" }, { name: "tool_use", template: "U" }] }));
    expect(readChatTemplate(findModelFiles({ dir }))).toBe("T");
    writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify({ chat_template: "S" }));
    expect(readChatTemplate(findModelFiles({ dir }))).toBe("S");
    writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify({}));
    expect(readChatTemplate(findModelFiles({ dir }))).toBeUndefined();
  });
});
