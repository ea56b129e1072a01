/**
 * A local stand-in for the Hugging Face Hub on 127.0.0.1 (random ports), serving files in the Hub's
 * URL layout `/{owner}/{name}/resolve/{revision}/{file}` with the headers the Hub sends:
 * `X-Repo-Commit`; for a regular file a 200 with `ETag` = the git blob sha1 (computed by
 * `git hash-object`, independently of the code under test); for an LFS file a 302 to a second
 * server (the "CDN", another port and path) with `X-Linked-Etag` = sha256 and `X-Linked-Size`, the
 * CDN answering with an ETag of its own that is not a hash of the file. Both honour `Range`.
 * Faults (a status, a socket dropped after N bytes, a stall, no Range support) are injected per
 * request.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/** One file the fake Hub serves. */
export interface FakeFile {
  /** The bytes actually sent. */
  body: Uint8Array;
  /** The bytes the hash headers describe (default `body`); differ to serve a corrupted file. */
  truth?: Uint8Array;
  /** Served as an LFS file: a 302 from the Hub to the CDN. */
  lfs?: boolean;
}

/** A fault for one request of a file. */
export type Fault =
  | { status: number; errorCode?: string; errorMessage?: string }
  | { dropAfter: number }
  | { stallAfter: number };

/** How the fake Hub behaves. */
export interface FakeHubOptions {
  /** Files by name; a name not here is a 404 `EntryNotFound`. */
  files: Record<string, FakeFile>;
  repoId?: string;
  commit?: string;
  /** Branch names the Hub resolves to the commit (default `["main"]`). */
  branches?: string[];
  /** Send `X-Repo-Commit` (default true). */
  sendCommit?: boolean;
  /** Honour `Range` (default true); false answers 200 with the whole file, as servers without range support do. */
  ranges?: boolean;
  /** The fault for the `nth` (1-based) Hub request of `file`, if any. */
  fault?: (file: string, nth: number) => Fault | undefined;
}

/** A request the fake servers saw. */
export interface SeenRequest {
  server: "hub" | "cdn";
  file: string;
  revision: string | undefined;
  range: string | undefined;
  authorization: string | undefined;
}

/** A running fake Hub. */
export interface FakeHub {
  /** The Hub's base URL (what HF_ENDPOINT would be). */
  url: string;
  /** The CDN's base URL. */
  cdnUrl: string;
  commit: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** The default fake commit. */
export const FAKE_COMMIT = "0123456789abcdef0123456789abcdef01234567";

/** The git blob sha1 of some bytes, by git itself. */
export function gitBlobSha1(bytes: Uint8Array): string {
  return execFileSync("git", ["hash-object", "--stdin"], { input: bytes }).toString().trim();
}

/** sha256 hex. */
export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Sends `body` honouring `Range` (when enabled), then applies a drop/stall fault. */
function sendBytes(req: http.IncomingMessage, res: http.ServerResponse, body: Uint8Array, headers: http.OutgoingHttpHeaders, ranges: boolean, fault: Fault | undefined): void {
  let start = 0;
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
  if (ranges && range) {
    start = Number(range[1]);
    if (start >= body.length) {
      res.writeHead(416, { "content-range": `bytes */${body.length}` }).end();
      return;
    }
    res.writeHead(206, { ...headers, "accept-ranges": "bytes", "content-length": body.length - start, "content-range": `bytes ${start}-${body.length - 1}/${body.length}` });
  } else {
    res.writeHead(200, { ...headers, ...(ranges ? { "accept-ranges": "bytes" } : {}), "content-length": body.length });
  }
  const rest = body.subarray(start);
  if (fault && "dropAfter" in fault) {
    // Wait until the first bytes are handed to the kernel, then cut the connection.
    res.write(rest.subarray(0, fault.dropAfter), () => setTimeout(() => res.socket?.destroy(), 20));
    return;
  }
  if (fault && "stallAfter" in fault) {
    res.write(rest.subarray(0, fault.stallAfter));
    return;
  }
  res.end(rest);
}

/** Starts the fake Hub and its CDN. */
export async function startFakeHub(options: FakeHubOptions): Promise<FakeHub> {
  const repoId = options.repoId ?? "moonshotai/Kimi-K2-Instruct-0905";
  const commit = options.commit ?? FAKE_COMMIT;
  const ranges = options.ranges ?? true;
  const requests: SeenRequest[] = [];
  const counts = new Map<string, number>();
  const faults = new Map<string, Fault | undefined>();
  const meta = new Map<string, { sha256: string; sha1: string; size: number }>();
  for (const [name, file] of Object.entries(options.files)) {
    const truth = file.truth ?? file.body;
    meta.set(name, { sha256: sha256(truth), sha1: gitBlobSha1(truth), size: truth.length });
  }
  let cdnUrl = "";

  const cdn = http.createServer((req, res) => {
    const m = /^\/cdn\/blobs\/([^/?]+)\/([0-9a-f]{64})\?signature=x$/.exec(req.url ?? "");
    const name = m ? decodeURIComponent(m[1]!) : "";
    requests.push({ server: "cdn", file: name, revision: undefined, range: req.headers.range, authorization: req.headers.authorization });
    const file = options.files[name];
    if (!m || !file) {
      res.writeHead(403).end("bad signature");
      return;
    }
    sendBytes(req, res, file.body, { etag: '"cdn-0001"' }, ranges, faults.get(name));
  });

  const hub = http.createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0]!;
    const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/([^/]+)$/.exec(path);
    const name = m ? decodeURIComponent(m[3]!) : "";
    const revision = m ? decodeURIComponent(m[2]!) : undefined;
    requests.push({ server: "hub", file: name, revision, range: req.headers.range, authorization: req.headers.authorization });
    const nth = (counts.get(name) ?? 0) + 1;
    counts.set(name, nth);
    const fault = options.fault?.(name, nth);
    faults.set(name, fault);
    const base: http.OutgoingHttpHeaders = options.sendCommit === false ? {} : { "x-repo-commit": commit };
    if (fault && "status" in fault) {
      res.writeHead(fault.status, {
        ...base,
        ...(fault.errorCode ? { "x-error-code": fault.errorCode } : {}),
        ...(fault.errorMessage ? { "x-error-message": fault.errorMessage } : {}),
      });
      res.end("error");
      return;
    }
    if (!m || m[1] !== repoId) {
      res.writeHead(404, { "x-error-code": "RepositoryNotFound" }).end();
      return;
    }
    if (revision !== commit && !(options.branches ?? ["main"]).includes(revision ?? "")) {
      res.writeHead(404, { "x-error-code": "RevisionNotFound" }).end();
      return;
    }
    const file = options.files[name];
    const info = meta.get(name);
    if (!file || !info) {
      res.writeHead(404, { ...base, "x-error-code": "EntryNotFound" }).end();
      return;
    }
    if (file.lfs) {
      res.writeHead(302, {
        ...base,
        location: `${cdnUrl}/cdn/blobs/${encodeURIComponent(name)}/${info.sha256}?signature=x`,
        "x-linked-etag": `"${info.sha256}"`,
        "x-linked-size": String(info.size),
        etag: `"${info.sha256}"`,
      });
      res.end();
      return;
    }
    sendBytes(req, res, file.body, { ...base, etag: `"${info.sha1}"` }, ranges, fault);
  });

  const url = await listen(hub);
  cdnUrl = await listen(cdn);
  return {
    url,
    cdnUrl,
    commit,
    requests,
    close: async () => {
      for (const server of [hub, cdn]) {
        server.closeAllConnections();
        await new Promise<void>((ok) => server.close(() => ok()));
      }
    },
  };
}
