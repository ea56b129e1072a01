/**
 * The OpenAI-compatible proxy's HTTP server (`node:http`): routes `POST /v1/chat/completions`,
 * `GET /v1/models` and `GET /health`; everything else is an OpenAI-style 404 or 405.
 *
 * @packageDocumentation
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { ChatPipeline } from "./chat-pipeline.js";
import { type ChatCompletionsContext, handleChatCompletions } from "./chat-completions.js";
import { HttpError } from "./http-error.js";
import { sendJson } from "./send-json.js";
import { UpstreamClient } from "./upstream-client.js";

/** The model name `GET /v1/models` lists when none is configured: the Hugging Face repository id vLLM serves by default. */
export const DEFAULT_SERVED_MODEL = "moonshotai/Kimi-K2-Instruct-0905";

/** How to run the proxy. */
export interface ProxyOptions {
  /** The upstream's base URL (`http://host:8000` or `.../v1`). */
  upstream: string;
  /** The toolkit's rendering, counting and parsing. */
  pipeline: ChatPipeline;
  /** The model name sent upstream; the client's `model` when unset. */
  upstreamModel?: string;
  /** The model name `GET /v1/models` lists (default: `upstreamModel`, else {@link DEFAULT_SERVED_MODEL}). */
  servedModel?: string;
  /**
   * Milliseconds the upstream may stay silent before the answer is a 504 (default 600,000); also
   * how long a streaming client may stop reading before it is dropped and the upstream cancelled.
   */
  timeoutMs?: number;
  /** Bearer token for the upstream. */
  upstreamApiKey?: string;
  /** `max_tokens` sent when the client gives none (default 16,384; vLLM's own default for completions is 16). */
  defaultMaxTokens?: number;
  /** The largest request body accepted, in bytes (default 32 MiB). */
  maxBodyBytes?: number;
}

/** A proxy, created but not yet listening. */
export interface Proxy {
  /** The underlying server. */
  readonly server: http.Server;
  /** Starts listening; resolves with the base URL (`http://host:port`). */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops accepting, ends open connections, and closes pooled upstream connections. */
  close(): Promise<void>;
}

const ROUTES: Record<string, string> = {
  "/v1/chat/completions": "POST",
  "/v1/models": "GET",
  "/health": "GET",
};

/** Creates the proxy server. */
export function createProxy(options: ProxyOptions): Proxy {
  const timeoutMs = options.timeoutMs ?? 600_000;
  const upstream = new UpstreamClient({ url: options.upstream, timeoutMs, ...(options.upstreamApiKey ? { apiKey: options.upstreamApiKey } : {}) });
  const ctx: ChatCompletionsContext = {
    // The upstream is not read while a streaming client stops reading; a client stuck that long is dropped.
    clientStallMs: timeoutMs,
    pipeline: options.pipeline,
    upstream,
    upstreamModel: options.upstreamModel,
    defaultMaxTokens: options.defaultMaxTokens ?? 16_384,
    maxBodyBytes: options.maxBodyBytes ?? 32 * 1024 * 1024,
  };
  const servedModel = options.servedModel ?? options.upstreamModel ?? DEFAULT_SERVED_MODEL;
  const startedAt = Math.floor(Date.now() / 1000);

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://proxy").pathname;
    const method = ROUTES[path];
    if (method === undefined) {
      const e = new HttpError(404, "invalid_request_error", `Unknown path ${path}: this proxy serves POST /v1/chat/completions, GET /v1/models and GET /health.`, { code: "unknown_url" });
      sendJson(res, 404, { error: e.body() });
      return;
    }
    if (req.method !== method) {
      const e = new HttpError(405, "invalid_request_error", `${path} takes ${method}, not ${req.method}.`, { code: "method_not_allowed" });
      sendJson(res, 405, { error: e.body() }, { allow: method });
      return;
    }
    if (path === "/health") {
      sendJson(res, 200, { status: "ok", upstream: upstream.url });
    } else if (path === "/v1/models") {
      sendJson(res, 200, { object: "list", data: [{ id: servedModel, object: "model", created: startedAt, owned_by: "moonshotai" }] });
    } else {
      void handleChatCompletions(ctx, req, res);
    }
  });
  // Streams can be long and quiet (a model thinking before a tool call): no socket timeout here,
  // the upstream timeout is what bounds silence.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;

  return {
    server,
    listen(port = 0, host = "127.0.0.1") {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const address = server.address() as AddressInfo;
          const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
          resolve(`http://${shown}:${address.port}`);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        upstream.close();
      });
    },
  };
}
