import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type DownloadEvent, type DownloadOptions, downloadModelFiles } from "../src/download.js";
import { KimiK2Error } from "../src/errors.js";
import { findModelFiles, loadVocabularyFile, readChatTemplate } from "../src/model-files.js";
import { type FakeHub, type FakeHubOptions, FAKE_COMMIT, gitBlobSha1, sha256, startFakeHub } from "./helpers/fake-hub.js";
import { modelDir, sharedFile } from "./helpers/shared.js";

/** The hash several public projects pin for the Hub's tiktoken.model. */
const TIKTOKEN_SHA256 = "b6c497a7469b33ced9c38afb1ad6e47f03f5e5dc05f15930799210ec050c5103";
const REPO = "models--moonshotai--Kimi-K2-Instruct-0905";

const vocabBytes = readFileSync(join(modelDir(), "tiktoken.model"));
const templateBytes = readFileSync(join(modelDir(), "chat_template.jinja"));
// The shared folder has the 0711 tokenizer_config.json (a checkpoint directory may have none); any
// JSON file serves the download's purpose.
const configBytes = readFileSync(sharedFile("kimi-k2", "tokenizer_config.0711-initial.json"));

let hub: FakeHub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

async function serve(options: Partial<FakeHubOptions> & { lfs?: string[] } = {}): Promise<FakeHub> {
  const lfs = new Set(options.lfs ?? []);
  hub = await startFakeHub({
    ...options,
    files: options.files ?? {
      "tiktoken.model": { body: vocabBytes, lfs: lfs.has("tiktoken.model") },
      "chat_template.jinja": { body: templateBytes, lfs: lfs.has("chat_template.jinja") },
      "tokenizer_config.json": { body: configBytes, lfs: lfs.has("tokenizer_config.json") },
    },
  });
  return hub;
}

const homes: string[] = [];
afterAll(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

function newHome(): string {
  const home = mkdtempSync(join(tmpdir(), "kimi-k2-download-"));
  homes.push(home);
  return home;
}

/** Runs a download into a fresh HF_HOME against the fake hub; fast retries. */
async function download(server: FakeHub, extra: DownloadOptions = {}) {
  const home = newHome();
  const events: DownloadEvent[] = [];
  const env = { HF_HOME: home };
  const run = () => downloadModelFiles({ endpoint: server.url, retryDelayMs: 1, onProgress: (e) => events.push(e), ...extra, env: { ...env, ...extra.env } });
  return { home, env, events, run, repoDir: join(home, "hub", REPO) };
}

async function rejection(promise: Promise<unknown>): Promise<KimiK2Error> {
  try {
    await promise;
  } catch (e) {
    if (KimiK2Error.isInstance(e)) return e;
    throw e;
  }
  throw new Error("expected a KimiK2Error");
}

/** Every file under a directory, recursively (names relative to it). */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();
}

describe("downloadModelFiles", () => {
  it("downloads into the Hugging Face cache layout that findModelFiles reads, and the vocabulary loads", async () => {
    const server = await serve();
    const { env, events, run, repoDir } = await download(server);
    const result = await run();

    expect(result.commit).toBe(FAKE_COMMIT);
    expect(result.snapshotDir).toBe(join(repoDir, "snapshots", FAKE_COMMIT));
    expect(readFileSync(join(repoDir, "refs", "main"), "utf8")).toBe(FAKE_COMMIT);
    expect(result.files.map((f) => [f.name, f.verified])).toEqual([
      ["tiktoken.model", ["pinned-sha256", "hub-git-sha1"]],
      ["chat_template.jinja", ["hub-git-sha1"]],
      ["tokenizer_config.json", ["hub-git-sha1"]],
    ]);
    expect(result.files[0]!.sha256).toBe(TIKTOKEN_SHA256);
    expect(result.skipped).toEqual([]);

    const files = findModelFiles({ env });
    expect(files.source).toBe("hf-cache");
    expect(files.dir).toBe(result.snapshotDir);
    expect(readFileSync(files.paths.vocabulary!).equals(vocabBytes)).toBe(true);
    expect(readChatTemplate(files)).toBe(templateBytes.toString("utf8"));
    expect(readFileSync(files.paths.tokenizerConfig!).equals(configBytes)).toBe(true);
    expect((await loadVocabularyFile(files.paths.vocabulary!)).size).toBe(163_584);

    // Blobs are named by the Hub's etag (git blob sha1 for a regular file); snapshot entries are
    // relative symlinks to them, as Hugging Face's clients write.
    const vocabLink = join(result.snapshotDir, "tiktoken.model");
    expect(lstatSync(vocabLink).isSymbolicLink()).toBe(true);
    expect(readlinkSync(vocabLink)).toBe(`../../blobs/${gitBlobSha1(vocabBytes)}`);
    expect(result.link).toBe("symlink");
    expect(tree(join(repoDir, "blobs"))).toEqual([gitBlobSha1(vocabBytes), gitBlobSha1(templateBytes), gitBlobSha1(configBytes)].sort());

    // The first file resolves `main`; the others are asked for at that commit.
    expect(server.requests.map((r) => [r.file, r.revision])).toEqual([
      ["tiktoken.model", "main"],
      ["chat_template.jinja", FAKE_COMMIT],
      ["tokenizer_config.json", FAKE_COMMIT],
    ]);
    const last = events.filter((e) => e.type === "progress" && e.file === "tiktoken.model").at(-1);
    expect(last).toEqual({ type: "progress", file: "tiktoken.model", received: vocabBytes.length, total: vocabBytes.length });
    expect(events.filter((e) => e.type === "done").map((e) => e.file)).toEqual(["tiktoken.model", "chat_template.jinja", "tokenizer_config.json"]);
  });

  it("follows the Hub's 302 to a CDN on another port and path, verifies X-Linked-Etag, and sends the token to the Hub only", async () => {
    const server = await serve({ lfs: ["tiktoken.model", "tokenizer_config.json"] });
    const home = newHome();
    // The endpoint and token come from the environment, as for Hugging Face's clients.
    const result = await downloadModelFiles({ env: { HF_HOME: home, HF_ENDPOINT: server.url, HF_TOKEN: "hf_test" }, retryDelayMs: 1 });

    expect(result.files.map((f) => [f.name, f.verified])).toEqual([
      ["tiktoken.model", ["pinned-sha256", "hub-sha256"]],
      ["chat_template.jinja", ["hub-git-sha1"]],
      ["tokenizer_config.json", ["hub-sha256"]],
    ]);
    expect(readFileSync(result.files[0]!.path).equals(vocabBytes)).toBe(true);
    expect(readFileSync(result.files[2]!.path).equals(configBytes)).toBe(true);
    // An LFS blob is named by its sha256, as Hugging Face's clients name it.
    expect(readlinkSync(result.files[0]!.path)).toBe(`../../blobs/${TIKTOKEN_SHA256}`);

    const cdn = server.requests.filter((r) => r.server === "cdn");
    expect(cdn.map((r) => r.file)).toEqual(["tiktoken.model", "tokenizer_config.json"]);
    expect(cdn.every((r) => r.authorization === undefined)).toBe(true);
    expect(server.requests.filter((r) => r.server === "hub").every((r) => r.authorization === "Bearer hf_test")).toBe(true);
  });

  it("without HF_TOKEN it sends the token Hugging Face's login saved ($HF_HOME/token, or HF_TOKEN_PATH), and none when implicit tokens are disabled", async () => {
    const server = await serve();
    const home = newHome();
    writeFileSync(join(home, "token"), "hf_saved\n");
    await downloadModelFiles({ endpoint: server.url, env: { HF_HOME: home }, retryDelayMs: 1 });
    const elsewhere = join(newHome(), "my-token");
    writeFileSync(elsewhere, "  hf_path  ");
    await downloadModelFiles({ endpoint: server.url, env: { HF_HOME: home, HF_TOKEN_PATH: elsewhere }, retryDelayMs: 1 });
    await downloadModelFiles({ endpoint: server.url, env: { HF_HOME: home, HF_TOKEN: "hf_env" }, retryDelayMs: 1 });
    await downloadModelFiles({ endpoint: server.url, env: { HF_HOME: home, HF_HUB_DISABLE_IMPLICIT_TOKEN: "1" }, retryDelayMs: 1 });
    await downloadModelFiles({ endpoint: server.url, env: { HF_HOME: newHome() }, retryDelayMs: 1 });
    const byRun = [0, 1, 2, 3, 4].map((k) => server.requests.slice(k * 3, k * 3 + 3).map((r) => r.authorization));
    expect(server.requests).toHaveLength(15);
    expect(byRun).toEqual([
      ["Bearer hf_saved", "Bearer hf_saved", "Bearer hf_saved"],
      ["Bearer hf_path", "Bearer hf_path", "Bearer hf_path"],
      ["Bearer hf_env", "Bearer hf_env", "Bearer hf_env"],
      [undefined, undefined, undefined],
      [undefined, undefined, undefined],
    ]);
  });

  it("a refused saved token is named by its file; an unreadable token file is a clear error", async () => {
    const server = await serve({ fault: () => ({ status: 401 }) });
    const home = newHome();
    writeFileSync(join(home, "token"), "hf_old");
    const e = await rejection(downloadModelFiles({ endpoint: server.url, env: { HF_HOME: home }, retryDelayMs: 1 }));
    expect(e.message).toContain(`the token from ${join(home, "token")} was refused`);
    const dirAsFile = newHome();
    const f = await rejection(downloadModelFiles({ endpoint: server.url, env: { HF_HOME: newHome(), HF_TOKEN_PATH: dirAsFile }, retryDelayMs: 1 }));
    expect(f.code).toBe("download_failed");
    expect(f.message).toMatch(new RegExp(`^cannot read the Hugging Face token file ${dirAsFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: .*Fix it, or set HF_TOKEN\\.$`));
  });

  it.each([
    ["a regular file", []],
    ["an LFS file behind the CDN redirect", ["tiktoken.model"]],
  ])("a connection dropped midway (%s) is resumed with a Range request and ends with the right bytes", async (_, lfs) => {
    const server = await serve({ lfs, fault: (file, nth) => (file === "tiktoken.model" && nth === 1 ? { dropAfter: 1_000_000 } : undefined) });
    const { events, run } = await download(server);
    const result = await run();

    expect(readFileSync(result.files[0]!.path).equals(vocabBytes)).toBe(true);
    expect(result.files[0]!.verified).toContain("pinned-sha256");
    const served = server.requests.filter((r) => r.file === "tiktoken.model" && r.server === (lfs.length ? "cdn" : "hub"));
    expect(served).toHaveLength(2);
    expect(served[0]!.range).toBeUndefined();
    // Node discards what it had buffered but not yet handed over when the socket closes, so the
    // resume starts at what was written to disk: at most the 1,000,000 bytes the server sent.
    const start = Number(/^bytes=(\d+)-$/.exec(served[1]!.range ?? "")?.[1]);
    expect(start).toBeGreaterThan(0);
    expect(start).toBeLessThanOrEqual(1_000_000);
    expect(events.find((e) => e.type === "retry")).toMatchObject({ file: "tiktoken.model", attempt: 1, resumeFrom: start, reason: "connection dropped midway" });
  });

  it("a server without Range support answers the resume with the whole file: it is downloaded again from the start", async () => {
    const server = await serve({ ranges: false, fault: (file, nth) => (file === "tiktoken.model" && nth === 1 ? { dropAfter: 500_000 } : undefined) });
    const { run } = await download(server);
    const result = await run();
    expect(server.requests.filter((r) => r.file === "tiktoken.model").map((r) => r.range)).toEqual([undefined, expect.stringMatching(/^bytes=[1-9]\d*-$/)]);
    expect(readFileSync(result.files[0]!.path).equals(vocabBytes)).toBe(true);
  });

  it("a stalled connection times out and is resumed", async () => {
    const server = await serve({ fault: (file, nth) => (file === "chat_template.jinja" && nth === 1 ? { stallAfter: 100 } : undefined) });
    const { events, run } = await download(server, { timeoutMs: 300 });
    const result = await run();
    expect(readFileSync(result.files[1]!.path).equals(templateBytes)).toBe(true);
    expect(server.requests.filter((r) => r.file === "chat_template.jinja").map((r) => r.range)).toEqual([undefined, "bytes=100-"]);
    expect(events.find((e) => e.type === "retry")).toMatchObject({ file: "chat_template.jinja", reason: "no data for 300 ms" });
  });

  it("a connection dropped on every attempt gives up after the bounded retries, leaving nothing in the cache", async () => {
    const server = await serve({ fault: (file) => (file === "tiktoken.model" ? { dropAfter: 200_000 } : undefined) });
    const { run, repoDir } = await download(server, { retries: 2 });
    const e = await rejection(run());
    expect(e.code).toBe("download_failed");
    expect(e.message).toMatch(/^tiktoken\.model: download from .* failed after 3 attempt\(s\): connection dropped midway/);
    expect(server.requests.filter((r) => r.file === "tiktoken.model")).toHaveLength(3);
    expect(tree(join(repoDir, "snapshots"))).toEqual([]);
    expect(tree(join(repoDir, "blobs"))).toEqual([]);
  });

  it("a corrupted tiktoken.model fails the pinned sha256 with a clear error and leaves nothing half-written", async () => {
    const corrupted = Buffer.from(vocabBytes);
    corrupted[1234] = corrupted[1234]! ^ 0x01;
    // The Hub's headers describe the real file; the bytes on the wire are damaged.
    const server = await serve({ files: { "tiktoken.model": { body: corrupted, truth: vocabBytes, lfs: true } } });
    const { run, repoDir } = await download(server);
    const e = await rejection(run());
    expect(e.code).toBe("download_failed");
    expect(e.message).toContain(`tiktoken.model: sha256 mismatch: expected ${TIKTOKEN_SHA256} (pinned in kimi-k2-toolkit), got ${sha256(corrupted)}`);
    expect(e.details).toMatchObject({ file: "tiktoken.model", check: "pinned-sha256", expected: TIKTOKEN_SHA256, actual: sha256(corrupted) });
    expect(tree(join(repoDir, "snapshots"))).toEqual([]);
    expect(tree(join(repoDir, "blobs"))).toEqual([]);
    expect(existsSync(join(repoDir, "refs"))).toBe(false);
  });

  it("a corrupted regular file fails the Hub's git blob sha1 (ETag) and is not placed in the snapshot", async () => {
    const corrupted = Buffer.from(templateBytes);
    corrupted[10] = corrupted[10]! ^ 0x20;
    const server = await serve({
      files: { "tiktoken.model": { body: vocabBytes }, "chat_template.jinja": { body: corrupted, truth: templateBytes } },
    });
    const { run, repoDir } = await download(server);
    const e = await rejection(run());
    expect(e.message).toContain(`chat_template.jinja: git blob sha1 mismatch: expected ${gitBlobSha1(templateBytes)} (sent by the Hub as ETag), got ${gitBlobSha1(corrupted)}`);
    expect(tree(join(repoDir, "snapshots", FAKE_COMMIT))).toEqual(["tiktoken.model"]);
    expect(tree(join(repoDir, "blobs"))).toEqual([gitBlobSha1(vocabBytes)]);
  });

  it("a corrupted LFS file that is not pinned fails the Hub's X-Linked-Etag sha256", async () => {
    const corrupted = Buffer.concat([configBytes, Buffer.from(" ")]);
    const server = await serve({
      files: { "tiktoken.model": { body: vocabBytes }, "tokenizer_config.json": { body: corrupted, truth: configBytes, lfs: true } },
    });
    const { run } = await download(server);
    const e = await rejection(run());
    expect(e.message).toContain(`tokenizer_config.json: sha256 mismatch: expected ${sha256(configBytes)} (sent by the Hub as X-Linked-Etag), got ${sha256(corrupted)}`);
  });

  it("an optional file the repository lacks (404) is skipped and reported", async () => {
    const server = await serve({ files: { "tiktoken.model": { body: vocabBytes }, "chat_template.jinja": { body: templateBytes } } });
    const { env, events, run } = await download(server);
    const result = await run();
    expect(result.files.map((f) => f.name)).toEqual(["tiktoken.model", "chat_template.jinja"]);
    expect(result.skipped).toEqual([{ name: "tokenizer_config.json", reason: "not in moonshotai/Kimi-K2-Instruct-0905 at revision main (HTTP 404)" }]);
    expect(events.filter((e) => e.type === "skipped").map((e) => e.file)).toEqual(["tokenizer_config.json"]);
    const files = findModelFiles({ env });
    expect(files.paths.tokenizerConfig).toBeUndefined();
    expect(files.paths.chatTemplate).toBe(join(result.snapshotDir, "chat_template.jinja"));
  });

  it("a 404 for tiktoken.model is a clear error, not retried", async () => {
    const server = await serve({ files: { "chat_template.jinja": { body: templateBytes } } });
    const { run, repoDir } = await download(server);
    const e = await rejection(run());
    expect(e.code).toBe("download_failed");
    expect(e.message).toMatch(/^tiktoken\.model: HTTP 404 from http:\/\/127\.0\.0\.1:\d+\/moonshotai\/Kimi-K2-Instruct-0905\/resolve\/main\/tiktoken\.model: tiktoken\.model is not in moonshotai\/Kimi-K2-Instruct-0905 at revision main\.$/);
    expect(server.requests).toHaveLength(1);
    expect(tree(join(repoDir, "snapshots"))).toEqual([]);
  });

  it("a 500 for tiktoken.model is retried a bounded number of times, then a clear error", async () => {
    const server = await serve({ fault: (file) => (file === "tiktoken.model" ? { status: 500 } : undefined) });
    const { events, run } = await download(server, { retries: 2 });
    const e = await rejection(run());
    expect(e.message).toMatch(/^tiktoken\.model: HTTP 500 from .*: the server is failing or rate-limiting \(gave up after 3 attempts\); try again later\.$/);
    expect(server.requests).toHaveLength(3);
    expect(events.filter((ev) => ev.type === "retry").map((ev) => ev.type === "retry" && ev.delayMs)).toEqual([1, 2]);
  });

  it("a 503 that clears up on the next attempt succeeds", async () => {
    const server = await serve({ fault: (file, nth) => (file === "tiktoken.model" && nth === 1 ? { status: 503 } : undefined) });
    const { run } = await download(server);
    const result = await run();
    expect(readFileSync(result.files[0]!.path).equals(vocabBytes)).toBe(true);
  });

  it.each([
    [{ status: 401 }, {}, /HTTP 401 .*private, gated or does not exist; check the id \(--repo\), or set HF_TOKEN/],
    [{ status: 401 }, { token: "hf_bad" }, /HTTP 401 .*the token from the token option was refused/],
    [{ status: 401 }, { env: { HF_TOKEN: "hf_bad" } }, /HTTP 401 .*the token from HF_TOKEN was refused/],
    [{ status: 403, errorMessage: "Access to model is restricted" }, {}, /HTTP 403 .*accept its terms.*\(the server said: Access to model is restricted\)$/],
    [{ status: 404, errorCode: "RepositoryNotFound" }, {}, /HTTP 404 .*repository moonshotai\/Kimi-K2-Instruct-0905 not found at http:\/\/127\.0\.0\.1:\d+; check the id \(--repo\)/],
    [{ status: 404, errorCode: "RevisionNotFound" }, {}, /HTTP 404 .*revision main not found in moonshotai\/Kimi-K2-Instruct-0905; check --revision/],
  ])("HTTP %o is a clear error", async (fault, extra, message) => {
    const server = await serve({ fault: () => fault });
    const { run } = await download(server, extra);
    const e = await rejection(run());
    expect(e.code).toBe("download_failed");
    expect(e.message).toMatch(message);
    expect(server.requests).toHaveLength(1);
  });

  it("without X-Repo-Commit a branch cannot be resolved (the error says to pass a commit); a commit hash as revision works", async () => {
    const server = await serve({ sendCommit: false });
    const first = await download(server);
    const e = await rejection(first.run());
    expect(e.message).toMatch(/no X-Repo-Commit header.*Pass the 40-digit commit hash as the revision/);
    expect(tree(join(first.repoDir, "snapshots"))).toEqual([]);

    const commit = FAKE_COMMIT;
    const second = await download(server, { revision: commit });
    const result = await second.run();
    expect(result.snapshotDir).toBe(join(second.repoDir, "snapshots", commit));
    expect(existsSync(join(second.repoDir, "refs"))).toBe(false);
    expect(findModelFiles({ env: second.env, revision: commit }).paths.vocabulary).toBe(join(result.snapshotDir, "tiktoken.model"));
  });

  it("symlinks: false writes plain copies that findModelFiles finds; a second download over the cache is fine", async () => {
    const server = await serve();
    const { env, run } = await download(server, { symlinks: false });
    const result = await run();
    expect(result.link).toBe("copy");
    expect(lstatSync(result.files[0]!.path).isFile()).toBe(true);
    const again = await run();
    expect(again.files.map((f) => f.path)).toEqual(result.files.map((f) => f.path));
    expect(readFileSync(findModelFiles({ env }).paths.vocabulary!).equals(vocabBytes)).toBe(true);
  });

  it("a revision with a slash (refs/pr/1) is sent URL-encoded and its ref is written under refs/", async () => {
    const server = await serve({ branches: ["refs/pr/1"] });
    const { env, run, repoDir } = await download(server, { revision: "refs/pr/1" });
    const result = await run();
    expect(server.requests[0]!.revision).toBe("refs/pr/1");
    expect(readFileSync(join(repoDir, "refs", "refs", "pr", "1"), "utf8")).toBe(FAKE_COMMIT);
    expect(findModelFiles({ env, revision: "refs/pr/1" }).paths.vocabulary).toBe(join(result.snapshotDir, "tiktoken.model"));
  });

  it.each([
    [{ revision: "../../etc" }, /revision "..\/..\/etc" is not a branch/],
    [{ revision: "" }, /revision "" is not a branch/],
    [{ repoId: "a/../b" }, /repository id "a\/..\/b" is not of the form owner\/name/],
    [{ endpoint: "ftp://example.com" }, /endpoint ftp:\/\/example.com must be an http or https URL/],
    [{ endpoint: "not a url" }, /endpoint "not a url" is not a URL/],
  ])("invalid options %o are rejected before any request", async (options, message) => {
    const e = await rejection(downloadModelFiles({ env: { HF_HOME: newHome() }, ...options }));
    expect(e.code).toBe("invalid_options");
    expect(e.message).toMatch(message);
  });
});
