/**
 * The playground's local HTTP server (Node only). It serves exactly three kinds of things, each
 * from a fixed table of names decided at start-up, so no request path is ever joined to a
 * directory (no path traversal):
 *
 * - the page: `/` (`index.html`) and `/assets/<file>` for the files of the built page;
 * - `/model/tiktoken.model`: the model directory's vocabulary, read from disk on every request;
 * - `/model/chat_template.jinja`: the checkpoint's chat template (`chat_template.jinja`, else the
 *   `chat_template` of `tokenizer_config.json`), read on every request so edits show on reload.
 *
 * Nothing is fetched from the network: the page's script, styles and data all come from here.
 *
 * @packageDocumentation
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { KimiK2Error } from "../errors.js";
import { findModelFiles, readChatTemplate, requireModelFile, type ModelFiles } from "../model-files.js";
import { ASSETS_PREFIX, CHAT_TEMPLATE_ROUTE, VOCABULARY_ROUTE } from "./routes.js";

/** Options of {@link startPlaygroundServer}. */
export interface PlaygroundServerOptions {
  /** The checkpoint directory; default: `KIMI_K2_MODEL_DIR`, else the Hugging Face cache. */
  modelDir?: string;
  /** The built page (holding `index.html`); default: {@link findPlaygroundAssets}. */
  assetsDir?: string;
  /** Interface to bind; default `127.0.0.1` (the page is for the person at this machine). */
  host?: string;
  /** Port; default 0 (any free port). */
  port?: number;
  /** Environment used to find the model files (default `process.env`). */
  env?: Record<string, string | undefined>;
}

/** A running playground server. */
export interface PlaygroundServer {
  /** The page's address, e.g. `http://127.0.0.1:7707/`. */
  readonly url: string;
  /** The bound port. */
  readonly port: number;
  /** The model files being served. */
  readonly modelFiles: ModelFiles;
  /** Stops accepting connections, ends open ones and resolves when closed. */
  close(): Promise<void>;
}

const CONTENT_TYPES: ReadonlyMap<string, string> = new Map([
  [".html", "text/html; charset=utf-8"],
  [".js", "text/javascript; charset=utf-8"],
  [".css", "text/css; charset=utf-8"],
  [".map", "application/json; charset=utf-8"],
  [".svg", "image/svg+xml"],
  [".png", "image/png"],
]);

/**
 * The page may load nothing from anywhere but this server: a CDN reference slipping into the
 * build would fail loudly in the browser instead of silently needing the network.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

function contentType(name: string): string {
  const dot = name.lastIndexOf(".");
  return (dot >= 0 && CONTENT_TYPES.get(name.slice(dot))) || "application/octet-stream";
}

/**
 * The built page's folder: `dist/playground/` of the package this module belongs to. Works from
 * the sources (`src/playground/`), from the bundled CLI (`dist/cli/`) and from a bundle chunk
 * (`dist/`), by walking up to the package root.
 *
 * @throws {@link KimiK2Error} `playground_not_built` when the page has not been built.
 */
export function findPlaygroundAssets(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    if (existsSync(join(dir, "package.json"))) {
      const assets = join(dir, "dist", "playground");
      if (existsSync(join(assets, "index.html"))) return assets;
      break;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new KimiK2Error(
    "playground_not_built",
    `the playground page is not built (no dist/playground/index.html above ${dirname(from)}). Run \`npm run build\` in the package first.`,
  );
}

/** The built page's files by URL path, read from the folder's listing once at start-up. */
function assetTable(assetsDir: string): Map<string, string> {
  const dir = resolve(assetsDir);
  if (!existsSync(join(dir, "index.html"))) {
    throw new KimiK2Error("playground_not_built", `${dir} holds no index.html: it is not a built playground page. Run \`npm run build\` first.`, {
      details: { dir },
    });
  }
  const table = new Map<string, string>();
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    // Only plain files directly in the folder: no sub-folders, no dot files.
    if (name.startsWith(".") || !statSync(path).isFile()) continue;
    table.set(ASSETS_PREFIX + name, path);
  }
  table.set("/", join(dir, "index.html"));
  table.set("/index.html", join(dir, "index.html"));
  return table;
}

function send(res: ServerResponse, status: number, body: string | Uint8Array, type: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    "Content-Type": type,
    "Content-Length": String(typeof body === "string" ? Buffer.byteLength(body) : body.byteLength),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
    ...extra,
  });
  res.end(res.req.method === "HEAD" ? undefined : body);
}

/**
 * Sends a file with a validator, so a reload does not move the 2.8 MB vocabulary again unless it
 * changed on disk.
 */
async function sendFile(req: IncomingMessage, res: ServerResponse, path: string, type: string, headers: Record<string, string>): Promise<void> {
  const info = await stat(path);
  const etag = `"${info.size.toString(36)}-${Math.floor(info.mtimeMs).toString(36)}"`;
  if (req.headers["if-none-match"] === etag) {
    res.writeHead(304, { ETag: etag, "Cache-Control": "no-cache" });
    res.end();
    return;
  }
  send(res, 200, await readFile(path), type, { ...headers, ETag: etag });
}

/**
 * Starts the playground server.
 *
 * @throws {@link KimiK2Error} `model_files_not_found` when the model directory or its
 *   `tiktoken.model` is missing, `playground_not_built` when the page is not built.
 */
export async function startPlaygroundServer(options: PlaygroundServerOptions = {}): Promise<PlaygroundServer> {
  const modelFiles = findModelFiles({ dir: options.modelDir, env: options.env });
  const vocabularyPath = requireModelFile(modelFiles, "vocabulary");
  const assets = assetTable(options.assetsDir ?? findPlaygroundAssets());
  const host = options.host ?? "127.0.0.1";
  const loopbackOnly = LOOPBACK_HOSTS.has(host);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "GET" && req.method !== "HEAD") {
      send(res, 405, "method not allowed\n", "text/plain; charset=utf-8", { Allow: "GET, HEAD" });
      return;
    }
    // A page on another site could point a name it controls at 127.0.0.1 (DNS rebinding) and
    // read these files: on a loopback bind, answer only requests addressed to a loopback name.
    if (loopbackOnly && !LOOPBACK_HOSTS.has(hostName(req.headers.host))) {
      send(res, 403, "forbidden host\n", "text/plain; charset=utf-8");
      return;
    }
    // The path exactly as sent, query dropped: no decoding and no dot-segment resolution, so only
    // the table's literal names ever match.
    const target = req.url ?? "/";
    const query = target.indexOf("?");
    const path = query < 0 ? target : target.slice(0, query);
    if (path === VOCABULARY_ROUTE) {
      await sendFile(req, res, vocabularyPath, "application/octet-stream", {});
      return;
    }
    if (path === CHAT_TEMPLATE_ROUTE) {
      const template = readChatTemplate(modelFiles);
      if (template === undefined) send(res, 404, "this model directory ships no chat template\n", "text/plain; charset=utf-8");
      else send(res, 200, template, "text/plain; charset=utf-8");
      return;
    }
    const file = assets.get(path);
    if (file === undefined) {
      send(res, 404, "not found\n", "text/plain; charset=utf-8");
      return;
    }
    const headers: Record<string, string> = file.endsWith(".html") ? { "Content-Security-Policy": CONTENT_SECURITY_POLICY } : {};
    await sendFile(req, res, file, contentType(file), headers);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, `${(e as Error).message}\n`, "text/plain; charset=utf-8");
      else res.destroy();
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolveListen();
    });
  });
  const { port } = server.address() as AddressInfo;
  // A wildcard bind is reachable through loopback; print an address a browser can open.
  const urlHost = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "[::1]" : host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/`,
    port,
    modelFiles,
    close: () =>
      new Promise<void>((resolveClose, reject) => {
        server.close((e) => (e ? reject(e) : resolveClose()));
        server.closeAllConnections();
      }),
  };
}

/** The host name of a `Host` header, without the port. */
function hostName(header: string | undefined): string {
  if (!header) return "";
  if (header.startsWith("[")) return header.slice(0, header.indexOf("]") + 1);
  const colon = header.indexOf(":");
  return colon < 0 ? header : header.slice(0, colon);
}
