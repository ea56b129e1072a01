/**
 * Downloading a checkpoint's small files (`tiktoken.model`, `chat_template.jinja`,
 * `tokenizer_config.json`) from the Hugging Face Hub into the Hugging Face cache layout that
 * {@link findModelFiles} reads. Node only.
 *
 * The cache layout is the one Hugging Face's own clients write, so a cache shared with
 * `huggingface_hub` stays consistent:
 *
 * ```
 * <cache>/models--moonshotai--Kimi-K2-Instruct-0905/
 *   blobs/<etag>                        the bytes (etag: sha256 for LFS files, git blob sha1 otherwise)
 *   snapshots/<commit>/tiktoken.model   a relative symlink to ../../blobs/<etag> (a copy where
 *                                       symlinks are not allowed, or with `symlinks: false`)
 *   refs/main                           the commit `main` resolved to
 * ```
 *
 * Every file is downloaded to `blobs/<random>.incomplete`, verified, then renamed into place, so
 * `snapshots/` never holds a partial or unverified file.
 *
 * The HTTP side (redirects, `Range`, timeouts, the Hub's headers and error answers) is in
 * src/hub-http.ts.
 *
 * @packageDocumentation
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, readFileSync } from "node:fs";
import { type FileHandle, copyFile, mkdir, open, rename, rm, symlink } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { KimiK2Error } from "./errors.js";
import {
  type HubClient,
  type HubMeta,
  TransientError,
  closeHubClient,
  createHubClient,
  describeError,
  header,
  hubStatusError,
  intHeader,
  isTransient,
  openHubFile,
} from "./hub-http.js";
import { DEFAULT_REPO_ID, MODEL_FILE_NAMES, hfHomeDir, hfHubCacheDir, hfRepoCacheDir } from "./model-files.js";

/** The Hub used when neither the `endpoint` option nor `HF_ENDPOINT` is set. */
export const DEFAULT_HF_ENDPOINT = "https://huggingface.co";

/**
 * sha256 of files whose exact bytes are known, checked whatever the server says. Only
 * `tiktoken.model` is pinned: its hash is the one several public projects pin for the Hub file and it
 * is the same in every K2 release. The 0905 chat template's exact bytes are not known, so it is
 * verified only against the hash the Hub sends.
 */
export const PINNED_SHA256: Readonly<Record<string, string>> = {
  "tiktoken.model": "b6c497a7469b33ced9c38afb1ad6e47f03f5e5dc05f15930799210ec050c5103",
};

/** The files {@link downloadModelFiles} fetches, in order; only the first is required. */
export const DOWNLOAD_FILES: readonly string[] = [
  MODEL_FILE_NAMES.vocabulary,
  MODEL_FILE_NAMES.chatTemplate,
  MODEL_FILE_NAMES.tokenizerConfig,
];

/**
 * How a downloaded file was verified: `pinned-sha256` against {@link PINNED_SHA256};
 * `hub-sha256` against the sha256 the Hub sends for LFS files (`X-Linked-Etag`, or an `ETag` of
 * 64 hex digits); `hub-git-sha1` against the git blob sha1 the Hub sends as the `ETag` of a regular
 * file (sha1 of `"blob <size>\0"` followed by the bytes).
 */
export type DownloadVerification = "pinned-sha256" | "hub-sha256" | "hub-git-sha1";

/** What {@link downloadModelFiles} reports while it works. */
export type DownloadEvent =
  /** A file's first request is about to be sent. */
  | { type: "start"; file: string; url: string }
  /** Bytes arrived; `total` is unknown when the server sends no length. */
  | { type: "progress"; file: string; received: number; total: number | undefined }
  /** An attempt failed with a transient error; the next one starts after `delayMs`, from byte `resumeFrom`. */
  | { type: "retry"; file: string; attempt: number; retries: number; reason: string; resumeFrom: number; delayMs: number }
  /** A file is verified and in the cache. */
  | { type: "done"; file: string; path: string; size: number; verified: DownloadVerification[] }
  /** An optional file is not in the repository at this revision (HTTP 404). */
  | { type: "skipped"; file: string; reason: string };

/** Options of {@link downloadModelFiles}. Every field is optional. */
export interface DownloadOptions {
  /** Hugging Face repository id (default {@link DEFAULT_REPO_ID}). */
  repoId?: string;
  /** A branch, tag or commit hash (default `main`). */
  revision?: string;
  /** Base URL of the Hub (default `HF_ENDPOINT`, else {@link DEFAULT_HF_ENDPOINT}). */
  endpoint?: string;
  /** The hub cache directory (default `HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`). */
  cacheDir?: string;
  /**
   * A Hugging Face access token, sent as `Authorization: Bearer` to the Hub only. Default, as Hugging
   * Face's clients find it: `HF_TOKEN`, else the token file their login saves (`HF_TOKEN_PATH`, else
   * `$HF_HOME/token`); neither when `HF_HUB_DISABLE_IMPLICIT_TOKEN` is set.
   */
  token?: string;
  /**
   * Environment to read `HF_ENDPOINT`, `HF_TOKEN`, `HF_TOKEN_PATH`, `HF_HUB_DISABLE_IMPLICIT_TOKEN`,
   * `HF_HUB_CACHE`, `HF_HOME` from (default `process.env`).
   */
  env?: Record<string, string | undefined>;
  /** Called with each {@link DownloadEvent}. */
  onProgress?: (event: DownloadEvent) => void;
  /** Retries of a file after a transient failure (dropped connection, timeout, HTTP 429/5xx); default 4. */
  retries?: number;
  /** Delay before the first retry in ms, doubled for each further retry up to 10 s; default 500. */
  retryDelayMs?: number;
  /** A request fails (and is retried) when no byte arrives for this many ms; default 30,000. */
  timeoutMs?: number;
  /** Link snapshot files to blobs with relative symlinks (default true); false writes plain copies. */
  symlinks?: boolean;
}

/** One file in the cache. */
export interface DownloadedFile {
  /** The file name in the repository. */
  name: string;
  /** Its path in the snapshot directory (what {@link findModelFiles} returns). */
  path: string;
  /** The blob holding the bytes. */
  blobPath: string;
  /** Size in bytes. */
  size: number;
  /** sha256 of the bytes, hex. */
  sha256: string;
  /** The checks it passed; empty when nothing was pinned and the server sent no hash. */
  verified: DownloadVerification[];
}

/** What {@link downloadModelFiles} did. */
export interface DownloadResult {
  repoId: string;
  /** The revision asked for. */
  revision: string;
  /** The commit it resolved to (the snapshot's name). */
  commit: string;
  /** The hub cache directory. */
  cacheDir: string;
  /** `<cacheDir>/models--.../snapshots/<commit>`: pass it as a model directory, or let {@link findModelFiles} find it. */
  snapshotDir: string;
  /** The files now in the snapshot. */
  files: DownloadedFile[];
  /** Optional files the repository lacks at this revision. */
  skipped: { name: string; reason: string }[];
  /** How snapshot files point at blobs. */
  link: "symlink" | "copy";
}

const MAX_RETRY_DELAY_MS = 10_000;
const COMMIT_RE = /^[0-9a-f]{40}$/;
const SHA1_RE = /^[0-9a-f]{40}$/;
const SHA256_RE = /^[0-9a-f]{64}$/;

interface Context {
  client: HubClient;
  repoId: string;
  revision: string;
  retries: number;
  retryDelayMs: number;
  emit: (event: DownloadEvent) => void;
}

/**
 * The Hub token and where it came from, found as Hugging Face's clients find it: the caller's option,
 * else `HF_TOKEN`, else the file their login saves (`HF_TOKEN_PATH`, else `$HF_HOME/token`), unless
 * `HF_HUB_DISABLE_IMPLICIT_TOKEN` is set.
 */
function hubToken(option: string | undefined, env: Record<string, string | undefined>): { token?: string; source?: string } {
  if (option) return { token: option, source: "the token option" };
  const disabled = (env.HF_HUB_DISABLE_IMPLICIT_TOKEN ?? "").trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(disabled)) return {};
  if (env.HF_TOKEN) return { token: env.HF_TOKEN, source: "HF_TOKEN" };
  const path = env.HF_TOKEN_PATH ? resolve(env.HF_TOKEN_PATH) : join(hfHomeDir(env), "token");
  let saved: string;
  try {
    saved = readFileSync(path, "utf8").trim();
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return {};
    throw new KimiK2Error("download_failed", `cannot read the Hugging Face token file ${path}: ${describeError(cause)}. Fix it, or set HF_TOKEN.`, {
      cause,
      details: { file: path },
    });
  }
  return saved ? { token: saved, source: path } : {};
}

/**
 * Downloads `tiktoken.model` (required), `chat_template.jinja` and `tokenizer_config.json` (skipped
 * when the repository lacks them) of a Hub repository at a revision into the Hugging Face cache, and
 * verifies each (see {@link DownloadVerification}). The first file resolves the revision to a commit
 * (`X-Repo-Commit`); the others are then requested at that commit, so all come from one snapshot.
 * When the server sends no `X-Repo-Commit` (a plain file server, some mirrors), the revision is used
 * as the commit if it is a 40-digit commit hash; otherwise the download fails and says to pass one.
 *
 * @throws {@link KimiK2Error} `download_failed` for an HTTP error, retries exhausted, or a hash
 *   mismatch (naming the file, the expected and the actual hash); `invalid_options` for a malformed
 *   repository id, revision or endpoint.
 */
export async function downloadModelFiles(options: DownloadOptions = {}): Promise<DownloadResult> {
  const env = options.env ?? process.env;
  const repoId = checkRepoId(options.repoId ?? DEFAULT_REPO_ID);
  const revision = checkRevision(options.revision ?? "main");
  const endpoint = parseEndpoint(options.endpoint ?? (env.HF_ENDPOINT || DEFAULT_HF_ENDPOINT));
  const cacheDir = resolve(options.cacheDir ?? hfHubCacheDir(env));
  const repoDir = hfRepoCacheDir(cacheDir, repoId);
  const blobsDir = join(repoDir, "blobs");
  try {
    await mkdir(blobsDir, { recursive: true });
  } catch (cause) {
    throw new KimiK2Error(
      "download_failed",
      `cannot create the cache directory ${blobsDir}: ${describeError(cause)}. Choose another one with --cache-dir, HF_HUB_CACHE or HF_HOME.`,
      { cause, details: { dir: blobsDir } },
    );
  }
  const ctx: Context = {
    client: createHubClient(endpoint, hubToken(options.token, env), options.timeoutMs ?? 30_000),
    repoId,
    revision,
    retries: Math.max(0, options.retries ?? 4),
    retryDelayMs: Math.max(0, options.retryDelayMs ?? 500),
    emit: options.onProgress ?? (() => {}),
  };
  let useSymlinks = options.symlinks ?? true;
  let commit: string | undefined;
  const files: DownloadedFile[] = [];
  const skipped: { name: string; reason: string }[] = [];
  try {
    for (const name of DOWNLOAD_FILES) {
      const temp = join(blobsDir, `${randomBytes(8).toString("hex")}.incomplete`);
      try {
        let fetched: Fetched;
        try {
          fetched = await fetchFile(name, commit ?? revision, temp, ctx);
        } catch (e) {
          if (name !== MODEL_FILE_NAMES.vocabulary && KimiK2Error.isInstance(e) && e.details?.missing === true) {
            const reason = `not in ${repoId} at revision ${revision} (HTTP 404)`;
            skipped.push({ name, reason });
            ctx.emit({ type: "skipped", file: name, reason });
            continue;
          }
          throw e;
        }
        commit ??= commitOf(fetched.meta, revision, name);
        const blobPath = join(blobsDir, fetched.blobName);
        await rename(temp, blobPath);
        const path = join(repoDir, "snapshots", commit, name);
        await mkdir(dirname(path), { recursive: true });
        useSymlinks = await placeInSnapshot(blobPath, path, blobsDir, useSymlinks);
        // refs/<revision> is written as soon as the snapshot holds its first file, as Hugging Face's
        // clients do; a revision given as a commit hash needs no ref.
        if (files.length === 0 && revision !== commit) await writeAtomically(join(repoDir, "refs", revision), commit, blobsDir);
        const file: DownloadedFile = { name, path, blobPath, size: fetched.size, sha256: fetched.sha256, verified: fetched.verified };
        files.push(file);
        ctx.emit({ type: "done", file: name, path, size: file.size, verified: file.verified });
      } finally {
        await rm(temp, { force: true });
      }
    }
  } finally {
    closeHubClient(ctx.client);
  }
  // `commit` is set: the required first file either succeeded or threw.
  const resolved = commit!;
  return {
    repoId,
    revision,
    commit: resolved,
    cacheDir,
    snapshotDir: join(repoDir, "snapshots", resolved),
    files,
    skipped,
    link: useSymlinks ? "symlink" : "copy",
  };
}

interface Fetched {
  meta: HubMeta;
  size: number;
  sha256: string;
  verified: DownloadVerification[];
  /** The blob's file name: the Hub's etag when it is a hash, else the sha256 computed here. */
  blobName: string;
}

/** Downloads one file to `temp` with bounded retries, resuming where it stopped, then verifies it. */
async function fetchFile(name: string, revision: string, temp: string, ctx: Context): Promise<Fetched> {
  const base = ctx.client.endpoint.href.replace(/\/$/, "");
  const url = new URL(`${base}/${ctx.repoId}/resolve/${encodeURIComponent(revision)}/${encodeURIComponent(name)}`);
  ctx.emit({ type: "start", file: name, url: url.href });
  const handle = await open(temp, "w");
  const state = { received: 0, meta: {} as HubMeta };
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await receive(name, url, handle, state, ctx, attempt);
        break;
      } catch (e) {
        if (KimiK2Error.isInstance(e)) throw e;
        const transient = isTransient(e);
        if (!transient || attempt > ctx.retries) {
          const status = e instanceof TransientError ? e.status : undefined;
          if (status !== undefined) throw hubStatusError(ctx.client, { file: name, url, status, repoId: ctx.repoId, revision: ctx.revision, attempts: attempt });
          const hint = transient ? " Check the network (or HF_ENDPOINT) and run the download again." : "";
          throw new KimiK2Error("download_failed", `${name}: download from ${url.href} failed after ${attempt} attempt(s): ${describeError(e)}.${hint}`, {
            cause: e,
            details: { file: name, url: url.href, attempts: attempt },
          });
        }
        const delayMs = Math.min(ctx.retryDelayMs * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS);
        ctx.emit({ type: "retry", file: name, attempt, retries: ctx.retries, reason: describeError(e), resumeFrom: state.received, delayMs });
        await new Promise((done) => setTimeout(done, delayMs));
      }
    }
  } finally {
    await handle.close();
  }
  const { sha256, gitSha1 } = await hashFile(temp, state.received);
  const verified = verify(name, url, state.meta, sha256, gitSha1);
  return { meta: state.meta, size: state.received, sha256, verified, blobName: hubHashOf(state.meta)?.value ?? sha256 };
}

/**
 * One attempt: asks for the bytes from `state.received` on and appends them to the file. Throws a
 * {@link TransientError} (or a network error) when the attempt may be retried.
 */
async function receive(name: string, url: URL, handle: FileHandle, state: { received: number; meta: HubMeta }, ctx: Context, attempt: number): Promise<void> {
  const { res, meta } = await openHubFile(ctx.client, url, state.received);
  state.meta = { ...state.meta, ...meta };
  const status = res.statusCode ?? 0;
  const length = intHeader(res, "content-length");
  let total: number | undefined;
  if (status === 206 && state.received > 0) {
    const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header(res, "content-range") ?? "");
    if (!range || Number(range[1]) !== state.received) {
      // A server that resumes at another offset than asked: start over with a full request.
      res.destroy();
      state.received = 0;
      await handle.truncate(0);
      throw new TransientError(`the server resumed at the wrong offset (${header(res, "content-range") ?? "no Content-Range"})`);
    }
    total = range[2] !== "*" ? Number(range[2]) : length === undefined ? undefined : state.received + length;
  } else if (status === 200) {
    // A server without Range support answers a resume with the whole file: start over.
    if (state.received > 0) {
      state.received = 0;
      await handle.truncate(0);
    }
    total = length;
  } else {
    res.resume();
    if (status === 429 || status >= 500) throw new TransientError(`HTTP ${status}`, status);
    throw hubStatusError(ctx.client, {
      file: name,
      url,
      status,
      repoId: ctx.repoId,
      revision: ctx.revision,
      attempts: attempt,
      errorCode: header(res, "x-error-code"),
      serverMessage: header(res, "x-error-message"),
    });
  }
  ctx.emit({ type: "progress", file: name, received: state.received, total });
  for await (const chunk of res as AsyncIterable<Buffer>) {
    await handle.write(chunk, 0, chunk.length, state.received);
    state.received += chunk.length;
    ctx.emit({ type: "progress", file: name, received: state.received, total });
  }
  if (total !== undefined && state.received < total) throw new TransientError(`connection closed after ${state.received} of ${total} bytes`);
  if (total !== undefined && state.received > total) {
    throw new KimiK2Error("download_failed", `${name}: the server sent ${state.received} bytes where it announced ${total}. Run the download again.`, {
      details: { file: name, url: url.href },
    });
  }
}

function verify(name: string, url: URL, meta: HubMeta, sha256: string, gitSha1: string): DownloadVerification[] {
  const verified: DownloadVerification[] = [];
  const check = (kind: DownloadVerification, algorithm: string, expected: string, actual: string, source: string) => {
    if (expected !== actual) {
      throw new KimiK2Error(
        "download_failed",
        `${name}: ${algorithm} mismatch: expected ${expected} (${source}), got ${actual}. ` +
          `The download is corrupted or the server sent another file; it was not written to the cache. Run the download again.`,
        { details: { file: name, url: url.href, check: kind, expected, actual } },
      );
    }
    verified.push(kind);
  };
  const pinned = PINNED_SHA256[name];
  if (pinned) check("pinned-sha256", "sha256", pinned, sha256, "pinned in kimi-k2-toolkit");
  const hub = hubHashOf(meta);
  if (hub?.kind === "sha256") check("hub-sha256", "sha256", hub.value, sha256, `sent by the Hub as ${hub.header}`);
  if (hub?.kind === "sha1") check("hub-git-sha1", "git blob sha1", hub.value, gitSha1, `sent by the Hub as ${hub.header}`);
  return verified;
}

/** The hash the Hub sent: `X-Linked-Etag` (LFS) first, else `ETag`, when it has the shape of one. */
function hubHashOf(meta: HubMeta): { kind: "sha256" | "sha1"; value: string; header: string } | undefined {
  for (const [value, header] of [
    [meta.linkedEtag, "X-Linked-Etag"],
    [meta.etag, "ETag"],
  ] as const) {
    if (value && SHA256_RE.test(value)) return { kind: "sha256", value, header };
    if (value && SHA1_RE.test(value)) return { kind: "sha1", value, header };
  }
  return undefined;
}

async function hashFile(path: string, size: number): Promise<{ sha256: string; gitSha1: string }> {
  const sha256 = createHash("sha256");
  const sha1 = createHash("sha1").update(`blob ${size}\0`);
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    sha256.update(chunk);
    sha1.update(chunk);
  }
  return { sha256: sha256.digest("hex"), gitSha1: sha1.digest("hex") };
}

function commitOf(meta: HubMeta, revision: string, name: string): string {
  if (meta.commit !== undefined) {
    if (COMMIT_RE.test(meta.commit)) return meta.commit;
    throw new KimiK2Error("download_failed", `${name}: the server sent X-Repo-Commit ${JSON.stringify(meta.commit)}, which is not a commit hash`, {
      details: { file: name },
    });
  }
  if (COMMIT_RE.test(revision)) return revision;
  throw new KimiK2Error(
    "download_failed",
    `the server did not say which commit revision "${revision}" is (no X-Repo-Commit header), so the snapshot cannot be named. ` +
      `Pass the 40-digit commit hash as the revision (--revision), or use a Hugging Face endpoint.`,
    { details: { file: name, revision } },
  );
}

/** Links (or copies) a verified blob to its snapshot path; returns whether symlinks still work. */
async function placeInSnapshot(blobPath: string, path: string, blobsDir: string, symlinks: boolean): Promise<boolean> {
  // The link or copy is made under blobs/ and renamed into snapshots/, so snapshots/ never holds a partial file.
  const staged = join(blobsDir, `${randomBytes(8).toString("hex")}.incomplete`);
  try {
    if (symlinks) {
      try {
        // The target is relative to the final location, as Hugging Face's clients write it.
        await symlink(relative(dirname(path), blobPath), staged);
        await rename(staged, path);
        return true;
      } catch (e) {
        // Windows without developer mode, some network file systems: fall back to copies.
        if (!["EPERM", "EACCES", "ENOSYS", "EOPNOTSUPP", "EINVAL"].includes((e as NodeJS.ErrnoException).code ?? "")) throw e;
        await rm(staged, { force: true });
      }
    }
    await copyFile(blobPath, staged);
    await rename(staged, path);
    return false;
  } finally {
    await rm(staged, { force: true });
  }
}

async function writeAtomically(path: string, text: string, stagingDir: string): Promise<void> {
  const staged = join(stagingDir, `${randomBytes(8).toString("hex")}.incomplete`);
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(staged, "w");
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
  await rename(staged, path);
}

function checkRepoId(repoId: string): string {
  if (!/^([\w.-]+\/)?[\w.-]+$/.test(repoId) || repoId.split("/").some((part) => part === "." || part === "..")) {
    throw new KimiK2Error("invalid_options", `repository id ${JSON.stringify(repoId)} is not of the form owner/name (like ${DEFAULT_REPO_ID})`);
  }
  return repoId;
}

function checkRevision(revision: string): string {
  // The revision names a file under refs/ (refs/pr/1 included): no empty, "." or ".." segment may escape it.
  if (revision === "" || revision.includes("\\") || revision.split("/").some((part) => part === "" || part === "." || part === "..")) {
    throw new KimiK2Error("invalid_options", `revision ${JSON.stringify(revision)} is not a branch, tag or commit hash`);
  }
  return revision;
}

function parseEndpoint(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new KimiK2Error("invalid_options", `endpoint ${JSON.stringify(endpoint)} is not a URL (like ${DEFAULT_HF_ENDPOINT})`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new KimiK2Error("invalid_options", `endpoint ${endpoint} must be an http or https URL`);
  }
  return url;
}
