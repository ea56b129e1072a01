import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { CliIO } from "../src/cli/command.js";
import { runCli } from "../src/cli/run.js";
import { findModelFiles, loadVocabularyFile } from "../src/model-files.js";
import { type FakeHub, FAKE_COMMIT, startFakeHub } from "./helpers/fake-hub.js";
import { modelDir } from "./helpers/shared.js";

const vocabBytes = readFileSync(join(modelDir(), "tiktoken.model"));
const templateBytes = readFileSync(join(modelDir(), "chat_template.jinja"));

/** An in-memory CliIO. */
function fakeIO(env: Record<string, string | undefined>, stderrIsTTY = false) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = {
    readInput: async () => new Uint8Array(),
    inputChunks: async function* () {},
    out: (text) => void out.push(typeof text === "string" ? text : new TextDecoder().decode(text)),
    err: (text) => void err.push(text),
    stdoutIsTTY: false,
    stderrIsTTY,
    env,
  };
  return { io, stdout: () => out.join(""), stderr: () => err.join("") };
}

let hub: FakeHub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

async function serveModel(files: Record<string, Uint8Array> = { "tiktoken.model": vocabBytes, "chat_template.jinja": templateBytes }) {
  hub = await startFakeHub({ files: Object.fromEntries(Object.entries(files).map(([name, body]) => [name, { body, lfs: name === "tiktoken.model" }])) });
  return hub;
}

const homes: string[] = [];
afterAll(() => {
  for (const dir of homes) rmSync(dir, { recursive: true, force: true });
});

function home(): string {
  const dir = mkdtempSync(join(tmpdir(), "kimi-k2-cli-download-"));
  homes.push(dir);
  return dir;
}

describe("kimi-k2 download", () => {
  it("downloads into the default cache, prints where the files are, and logs plain lines when stderr is not a terminal", async () => {
    const server = await serveModel();
    const env = { HF_HOME: home() };
    const { io, stdout, stderr } = fakeIO(env);
    const code = await runCli(["download", "--endpoint", server.url], io);
    expect(stderr()).not.toContain("\r");
    expect(code).toBe(0);

    const snapshot = join(env.HF_HOME, "hub", "models--moonshotai--Kimi-K2-Instruct-0905", "snapshots", FAKE_COMMIT);
    expect(stdout()).toBe(
      [
        `moonshotai/Kimi-K2-Instruct-0905 at main (commit ${FAKE_COMMIT})`,
        `snapshot: ${snapshot}`,
        `  tiktoken.model  ${join(snapshot, "tiktoken.model")}`,
        `  chat_template.jinja  ${join(snapshot, "chat_template.jinja")}`,
        "  tokenizer_config.json  (skipped: not in moonshotai/Kimi-K2-Instruct-0905 at revision main (HTTP 404))",
        "",
      ].join("\n"),
    );
    expect(stderr()).toContain(`downloading tiktoken.model from ${server.url}/moonshotai/Kimi-K2-Instruct-0905/resolve/main/tiktoken.model\n`);
    expect(stderr()).toContain("tiktoken.model: 2.8 MB, verified (pinned-sha256, hub-sha256)\n");
    expect(stderr()).toContain("chat_template.jinja: 2.0 kB, verified (hub-git-sha1)\n");
    expect(stderr()).toContain("tokenizer_config.json: skipped, not in moonshotai/Kimi-K2-Instruct-0905 at revision main (HTTP 404)\n");

    const files = findModelFiles({ env });
    expect(files.dir).toBe(snapshot);
    expect((await loadVocabularyFile(files.paths.vocabulary!)).size).toBe(163_584);
  });

  it("draws a progress bar in place when stderr is a terminal", async () => {
    const server = await serveModel();
    const env = { HF_HOME: home(), HF_ENDPOINT: server.url };
    const { io, stderr } = fakeIO(env, true);
    expect(await runCli(["download"], io)).toBe(0);
    const text = stderr();
    expect(text).toMatch(/\rtiktoken\.model +\[#{30}\] 100% 2\.8 MB \/ 2\.8 MB\ntiktoken\.model: 2\.8 MB, verified/);
    expect(text).toMatch(/\rtiktoken\.model +\[\.{30}\]   0% 0\.0 kB \/ 2\.8 MB/);
    expect(text).not.toContain("downloading tiktoken.model");
  });

  it("--cache-dir, --revision and --repo are used, and a non-default cache says how to point at it", async () => {
    hub = await startFakeHub({ repoId: "someone/k2-mirror", files: { "tiktoken.model": { body: vocabBytes } } });
    const cache = join(home(), "elsewhere");
    const { io, stdout } = fakeIO({ HF_HOME: home() });
    const code = await runCli(["download", "--endpoint", hub.url, "--cache-dir", cache, "--revision", FAKE_COMMIT, "--repo", "someone/k2-mirror"], io);
    expect(code).toBe(0);
    const snapshot = join(cache, "models--someone--k2-mirror", "snapshots", FAKE_COMMIT);
    expect(stdout()).toContain(`snapshot: ${snapshot}\n`);
    expect(stdout()).toContain(`set HF_HUB_CACHE=${cache}, or pass --model-dir ${snapshot}.`);
    expect(hub.requests[0]!.revision).toBe(FAKE_COMMIT);
    expect(findModelFiles({ env: { HF_HUB_CACHE: cache }, repoId: "someone/k2-mirror", revision: FAKE_COMMIT }).paths.vocabulary).toBe(join(snapshot, "tiktoken.model"));
  });

  it("a missing tiktoken.model exits 1 with a one-line error", async () => {
    const server = await serveModel({ "chat_template.jinja": templateBytes });
    const { io, stdout, stderr } = fakeIO({ HF_HOME: home() });
    expect(await runCli(["download", "--endpoint", server.url], io)).toBe(1);
    expect(stdout()).toBe("");
    const lastLine = stderr().trimEnd().split("\n").at(-1);
    expect(lastLine).toMatch(/^kimi-k2 download: tiktoken\.model: HTTP 404 from .*: tiktoken\.model is not in moonshotai\/Kimi-K2-Instruct-0905 at revision main\.$/);
  });

  it("a bad endpoint exits 1, an unknown option exits 2, --help exits 0", async () => {
    const bad = fakeIO({ HF_HOME: home() });
    expect(await runCli(["download", "--endpoint", "ftp://example.com"], bad.io)).toBe(1);
    expect(bad.stderr()).toMatch(/must be an http or https URL/);

    const usage = fakeIO({});
    expect(await runCli(["download", "--revison", "x"], usage.io)).toBe(2);
    expect(usage.stderr()).toMatch(/Unknown option '--revison'/);

    const help = fakeIO({});
    expect(await runCli(["download", "--help"], help.io)).toBe(0);
    expect(help.stdout()).toMatch(/^Usage: kimi-k2 download \[--revision R\]/);
  });
});
