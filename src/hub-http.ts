/**
 * The HTTP side of `downloadModelFiles` (src/download.ts): a GET to the Hub that follows redirects,
 * resumes with `Range`, fails on an idle socket, reads the Hub's metadata headers, and turns the
 * Hub's error answers into messages that say what to do. Node only.
 *
 * Why `node:http`/`node:https` rather than the global `fetch`: the Hub answers a large (LFS) file
 * with a redirect to a CDN and puts the file's metadata (`X-Repo-Commit`, `X-Linked-Etag`) on that
 * redirect, not on the CDN's answer; following redirects by hand reads those headers and sends the
 * token only to the Hub, never to the CDN. A socket dropped midway surfaces as an error on the
 * response stream after the bytes already written to disk, which is exactly what a `Range` resume
 * needs, and the idle timeout is a socket option rather than a timer around each read.
 *
 * @packageDocumentation
 */
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { KimiK2Error } from "./errors.js";

const MAX_REDIRECTS = 10;

/** A failure worth another attempt: a network error, a timeout, a short body, HTTP 429/5xx. */
export class TransientError extends Error {
  /** The HTTP status, when the failure is one. */
  readonly status: number | undefined;

  constructor(message: string, status?: number) {
    super(message);
    this.name = "TransientError";
    this.status = status;
  }
}

/** What the Hub said about a file, read only from responses of the endpoint's own origin. */
export interface HubMeta {
  /** `X-Repo-Commit`: the commit the revision resolved to. */
  commit?: string;
  /** `X-Linked-Etag`, unquoted: the sha256 of an LFS file. */
  linkedEtag?: string;
  /** `ETag`, unquoted: the git blob sha1 of a regular file (sha256 for an LFS file). */
  etag?: string;
}

/** A connection setting shared by every request of one download. */
export interface HubClient {
  /** The Hub's base URL; metadata and the token belong to its origin only. */
  endpoint: URL;
  /** Sent as `Authorization: Bearer` to the endpoint's origin. */
  token: string | undefined;
  /** Where the token came from (`HF_TOKEN`, a file path, the caller's option), for error messages. */
  tokenSource: string | undefined;
  /** A request fails with a {@link TransientError} when its socket is idle this long. */
  timeoutMs: number;
  /** Keep-alive agents, destroyed by {@link closeHubClient}. */
  agents: { http: http.Agent; https: https.Agent };
}

/** A client for one download (its own keep-alive agents). */
export function createHubClient(endpoint: URL, auth: { token?: string; source?: string }, timeoutMs: number): HubClient {
  return {
    endpoint,
    token: auth.token,
    tokenSource: auth.source,
    timeoutMs,
    agents: { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) },
  };
}

/** Closes the client's idle sockets. */
export function closeHubClient(client: HubClient): void {
  client.agents.http.destroy();
  client.agents.https.destroy();
}

/**
 * Sends a GET (with `Range: bytes=<from>-` when `from > 0`) and follows redirects; resolves to the
 * final response and the metadata headers seen on the Hub's own origin. The CDN's `ETag` is not
 * the Hub's hash, and its URL is already signed, so neither metadata nor the token cross origins.
 */
export async function openHubFile(client: HubClient, url: URL, from: number): Promise<{ res: IncomingMessage; meta: HubMeta }> {
  const meta: HubMeta = {};
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const onHub = current.origin === client.endpoint.origin;
    const headers: Record<string, string> = { "user-agent": "kimi-k2-toolkit", "accept-encoding": "identity" };
    if (from > 0) headers.range = `bytes=${from}-`;
    if (onHub && client.token) headers.authorization = `Bearer ${client.token}`;
    const res = await get(client, current, headers);
    if (onHub) {
      const commit = header(res, "x-repo-commit");
      const linked = header(res, "x-linked-etag");
      const etag = header(res, "etag");
      if (commit) meta.commit = commit.trim();
      if (linked) meta.linkedEtag = normalizeEtag(linked);
      if (etag) meta.etag = normalizeEtag(etag);
    }
    const status = res.statusCode ?? 0;
    const location = header(res, "location");
    if (status >= 300 && status < 400 && location) {
      res.resume();
      current = new URL(location, current);
      continue;
    }
    return { res, meta };
  }
  throw new KimiK2Error("download_failed", `${url.href}: more than ${MAX_REDIRECTS} redirects`, { details: { url: url.href } });
}

function get(client: HubClient, url: URL, headers: Record<string, string>): Promise<IncomingMessage> {
  const secure = url.protocol === "https:";
  if (!secure && url.protocol !== "http:") {
    return Promise.reject(new KimiK2Error("download_failed", `cannot follow a redirect to ${url.href}: only http and https are supported`));
  }
  return new Promise((ok, fail) => {
    let response: IncomingMessage | undefined;
    const agent = secure ? client.agents.https : client.agents.http;
    const req = (secure ? https : http).get(url, { headers, agent, timeout: client.timeoutMs }, (res) => {
      response = res;
      ok(res);
    });
    req.on("timeout", () => {
      const error = new TransientError(`no data for ${client.timeoutMs} ms`);
      // Destroying the response with this error makes the body's reader report the timeout, not "aborted".
      response?.destroy(error);
      req.destroy(error);
    });
    req.on("error", fail);
  });
}

/** What a Hub error answer is about, for {@link hubStatusError}. */
export interface HubErrorContext {
  file: string;
  url: URL;
  status: number;
  repoId: string;
  revision: string;
  /** How many attempts were made. */
  attempts: number;
  /** The Hub's `X-Error-Code` (`RepositoryNotFound`, `RevisionNotFound`, `EntryNotFound`...). */
  errorCode?: string | undefined;
  /** The Hub's `X-Error-Message`. */
  serverMessage?: string | undefined;
}

/**
 * The error for an HTTP status the download cannot use. `details.missing` is true for a 404 that
 * means "no such file at this revision" (an optional file is then skipped).
 */
export function hubStatusError(client: HubClient, c: HubErrorContext): KimiK2Error {
  const { status, repoId, revision } = c;
  let why: string;
  if (status === 401) {
    why = client.token
      ? `the token from ${client.tokenSource ?? "the caller"} was refused for ${repoId}; check it, and whether the repository id is right (--repo)`
      : `${repoId} is private, gated or does not exist; check the id (--repo), or set HF_TOKEN to a token with access`;
  } else if (status === 403) {
    why = `access to ${repoId} is denied; if the model is gated, accept its terms on the Hub, and use a token (HF_TOKEN) with read access`;
  } else if (status === 404 && c.errorCode === "RepositoryNotFound") {
    why = `repository ${repoId} not found at ${client.endpoint.origin}; check the id (--repo)`;
  } else if (status === 404 && c.errorCode === "RevisionNotFound") {
    why = `revision ${revision} not found in ${repoId}; check --revision`;
  } else if (status === 404) {
    why = `${c.file} is not in ${repoId} at revision ${revision}`;
  } else if (status === 429 || status >= 500) {
    why = `the server is failing or rate-limiting (gave up after ${c.attempts} attempts); try again later`;
  } else {
    why = "unexpected answer";
  }
  const said = c.serverMessage ? ` (the server said: ${c.serverMessage})` : "";
  const missing = status === 404 && c.errorCode !== "RepositoryNotFound" && c.errorCode !== "RevisionNotFound";
  return new KimiK2Error("download_failed", `${c.file}: HTTP ${status} from ${c.url.href}: ${why}.${said}`, {
    details: { file: c.file, url: c.url.href, status, attempts: c.attempts, missing },
  });
}

/** True for a failure worth another attempt: a {@link TransientError} or a network error code. */
export function isTransient(e: unknown): boolean {
  if (e instanceof TransientError) return true;
  const code = (e as NodeJS.ErrnoException)?.code;
  return (
    typeof code === "string" &&
    /^(ECONNRESET|ECONNREFUSED|ECONNABORTED|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|ERR_STREAM_PREMATURE_CLOSE)$/.test(code)
  );
}

/** A short description of an error for messages and retry events. */
export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = (e as NodeJS.ErrnoException).code;
  // Node reports a body cut short by the peer as ECONNRESET "aborted".
  if (code === "ECONNRESET" && e.message === "aborted") return "connection dropped midway";
  return code && !e.message.includes(code) ? `${e.message} (${code})` : e.message;
}

/** A response header's first value. */
export function header(res: IncomingMessage, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A response header as a non-negative integer, if it is one. */
export function intHeader(res: IncomingMessage, name: string): number | undefined {
  const text = header(res, name);
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

/** `W/"abc"` and `"abc"` to `abc`, lower case. */
function normalizeEtag(etag: string): string {
  return etag.trim().replace(/^W\//, "").replace(/^"|"$/g, "").toLowerCase();
}
