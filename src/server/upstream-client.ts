/**
 * The client for the upstream's raw-completion endpoint (`POST /v1/completions` with a prompt, as
 * vLLM, SGLang and llama.cpp's server offer), streaming and not. It owns the failure modes the
 * proxy maps to HTTP statuses: unreachable, timed out, an error status, an unreadable answer, and
 * cancellation by the client.
 *
 * @packageDocumentation
 */
import http from "node:http";
import https from "node:https";
import { KimiK2Error } from "../errors.js";
import { SseReader } from "./sse-reader.js";

/** What went wrong talking to the upstream. */
export type UpstreamErrorKind =
  /** Could not connect, or the connection broke (including mid-stream). */
  | "unreachable"
  /** No answer, or no progress on a stream, within the timeout. */
  | "timeout"
  /** The upstream answered with an HTTP error status. */
  | "status"
  /** The upstream answered something that is not a completion (not JSON, wrong shape, cut short). */
  | "bad_response"
  /** The request was cancelled by the caller (the proxy's client went away). */
  | "aborted";

/** A failure talking to the upstream. */
export class UpstreamError extends Error {
  /** What went wrong. */
  readonly kind: UpstreamErrorKind;
  /** The upstream's HTTP status, for `status`. */
  readonly status: number | undefined;

  constructor(kind: UpstreamErrorKind, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "UpstreamError";
    this.kind = kind;
    this.status = options.status;
  }
}

/** How to reach the upstream. */
export interface UpstreamConfig {
  /**
   * The upstream's base URL: `http://host:8000`, `http://host:8000/v1`, or the full
   * `.../v1/completions` endpoint.
   */
  url: string;
  /**
   * Milliseconds the upstream may stay silent: until its answer starts, and between two pieces
   * of a streamed answer. A non-streamed answer usually arrives whole, so there it bounds the
   * whole generation.
   */
  timeoutMs: number;
  /** Sent as `Authorization: Bearer ...` when set. */
  apiKey?: string;
}

/** The body of one upstream completion request. */
export interface CompletionRequest {
  model: string;
  /** The rendered prompt, as text or as token ids. */
  prompt: string | number[];
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop: string[];
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
}

/** Token counts the upstream reported. */
export interface UpstreamUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
}

/** One piece of a streamed completion. */
export interface UpstreamChunk {
  /** The text delta (may be empty). */
  text: string;
  /** Set on the last piece: `stop`, `length`, ... */
  finishReason: string | null;
  /** Set when the upstream reports usage (usually on a last chunk with no text). */
  usage: UpstreamUsage | undefined;
}

/** A whole completion. */
export interface UpstreamCompletion {
  text: string;
  finishReason: string | null;
  usage: UpstreamUsage | undefined;
}

/**
 * The endpoint URL for a configured base URL.
 *
 * @throws {@link KimiK2Error} `invalid_options` when `base` is not an http or https URL.
 */
export function completionsEndpoint(base: string): URL {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new KimiK2Error("invalid_options", `the upstream ${JSON.stringify(base)} is not a URL: give its base URL, such as http://127.0.0.1:8000/v1`);
  }
  // Anything else would be sent over plain HTTP whatever its scheme says.
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new KimiK2Error("invalid_options", `the upstream ${base} must be an http or https URL, such as http://127.0.0.1:8000/v1`);
  }
  const path = url.pathname.replace(/\/+$/, "");
  if (path.endsWith("/completions")) return url;
  url.pathname = path.endsWith("/v1") ? `${path}/completions` : `${path}/v1/completions`;
  return url;
}

const MAX_ERROR_BODY = 64 * 1024;

function errorMessageOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown; detail?: unknown };
    const e = parsed.error;
    if (typeof e === "string") return e;
    if (typeof e === "object" && e !== null && typeof (e as { message?: unknown }).message === "string") return (e as { message: string }).message;
    if (typeof parsed.message === "string") return parsed.message;
    if (typeof parsed.detail === "string") return parsed.detail;
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return body.trim().slice(0, 500) || "(empty body)";
}

function usageOf(value: unknown): UpstreamUsage | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const u = value as Record<string, unknown>;
  const out: UpstreamUsage = {};
  if (typeof u.prompt_tokens === "number") out.prompt_tokens = u.prompt_tokens;
  if (typeof u.completion_tokens === "number") out.completion_tokens = u.completion_tokens;
  return out;
}

/** Reads up to `limit` characters of a body, then drops the connection if more is coming. */
async function readText(res: http.IncomingMessage, limit: number): Promise<string> {
  let text = "";
  try {
    for await (const chunk of res) {
      text += (chunk as Buffer).toString("utf8");
      if (text.length >= limit) break;
    }
  } catch {
    // A broken body: what arrived is enough for the message.
  }
  if (!res.complete) res.destroy();
  return text;
}

/** The HTTP status an error object carries in its `code` (400 or "400"), if it is one. */
function errorStatusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  const n = typeof code === "number" ? code : typeof code === "string" && /^\d{3}$/.test(code) ? Number(code) : undefined;
  return n !== undefined && n >= 400 && n <= 599 ? n : undefined;
}

/** Reads a completion object (`{choices: [{text, finish_reason}], usage}`), streamed piece or whole. */
function completionOf(json: string): UpstreamChunk {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new UpstreamError("bad_response", `the upstream sent something that is not JSON: ${json.slice(0, 200)}`);
  }
  const obj = parsed as { choices?: unknown; usage?: unknown; error?: unknown };
  if (typeof obj !== "object" || obj === null) throw new UpstreamError("bad_response", `the upstream sent ${json.slice(0, 200)} instead of a completion`);
  if (obj.error !== undefined) {
    // vLLM reports an error raised once its stream has begun (a request its engine refuses) as an
    // error event whose `code` is an HTTP status, 400 by default: keep it, so a refusal of the
    // client's request stays a client error (and a 5xx a 502).
    const status = errorStatusOf(obj.error);
    if (status !== undefined) throw new UpstreamError("status", `the upstream answered ${status}: ${errorMessageOf(json)}`, { status });
    throw new UpstreamError("bad_response", `the upstream reported an error: ${errorMessageOf(json)}`);
  }
  if (!Array.isArray(obj.choices)) throw new UpstreamError("bad_response", `the upstream's answer has no 'choices' array: ${json.slice(0, 200)}`);
  const usage = usageOf(obj.usage);
  // The proxy asks for one choice: read the one with index 0 (a choice without an index is it),
  // not whichever comes first, should an upstream send others too.
  const choice = (obj.choices as unknown[]).find((c) => {
    const index = typeof c === "object" && c !== null ? (c as { index?: unknown }).index : undefined;
    return index === undefined || index === 0;
  }) as { text?: unknown; finish_reason?: unknown } | undefined;
  // A usage-only chunk (stream_options.include_usage) has an empty choices array.
  if (choice === undefined) return { text: "", finishReason: null, usage };
  if (typeof choice.text !== "string") throw new UpstreamError("bad_response", `the upstream's choice has no 'text' string: ${json.slice(0, 200)}`);
  const finishReason = typeof choice.finish_reason === "string" ? choice.finish_reason : null;
  return { text: choice.text, finishReason, usage };
}

/** Reads and discards the rest of a body, restarting the silence timer at each read, then calls `finish`. */
function drainBody(reads: AsyncIterator<Buffer>, touch: () => void, finish: () => void): void {
  void (async () => {
    try {
      while (!(await reads.next()).done) touch();
    } catch {
      // The answer is complete: a fault after [DONE] does not matter.
    } finally {
      finish();
    }
  })();
}

/**
 * A client for one upstream. Connections are kept alive and pooled; each request can be
 * cancelled with an `AbortSignal`.
 */
export class UpstreamClient {
  private readonly endpoint: URL;
  private readonly agent: http.Agent;
  private readonly config: UpstreamConfig;

  constructor(config: UpstreamConfig) {
    this.config = config;
    this.endpoint = completionsEndpoint(config.url);
    const Agent = this.endpoint.protocol === "https:" ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  }

  /** The endpoint requests go to. */
  get url(): string {
    return this.endpoint.href;
  }

  /** Closes idle pooled connections. */
  close(): void {
    this.agent.destroy();
  }

  private body(request: CompletionRequest, stream: boolean): string {
    return JSON.stringify({
      ...request,
      stream,
      ...(stream ? { stream_options: { include_usage: true } } : {}),
      // Keep the turn and tool-call markers in the text: without them the output cannot be parsed.
      skip_special_tokens: false,
      spaces_between_special_tokens: false,
    });
  }

  /**
   * Sends the request and resolves with the response once its headers arrive with a 2xx status.
   * The returned `touch` restarts the silence timer, `pause` stops it (while the caller holds a
   * piece, the silence is the caller's, not the upstream's), and `done` stops it for good.
   */
  private open(body: string, signal: AbortSignal | undefined): Promise<{ res: http.IncomingMessage; touch: () => void; pause: () => void; done: () => void }> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(new UpstreamError("aborted", "the request was cancelled before it was sent"));
        return;
      }
      const transport = this.endpoint.protocol === "https:" ? https : http;
      const headers: http.OutgoingHttpHeaders = {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        accept: "application/json, text/event-stream",
      };
      if (this.config.apiKey) headers.authorization = `Bearer ${this.config.apiKey}`;
      const req = transport.request(this.endpoint, { method: "POST", agent: this.agent, headers });
      let res: http.IncomingMessage | undefined;
      let timer: NodeJS.Timeout | undefined;
      const fail = (error: UpstreamError) => {
        if (res) res.destroy(error);
        else req.destroy(error);
      };
      const touch = () => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => fail(new UpstreamError("timeout", `the upstream sent nothing for ${this.config.timeoutMs} ms`)), this.config.timeoutMs);
      };
      const pause = () => {
        if (timer) clearTimeout(timer);
        timer = undefined;
      };
      const onAbort = () => fail(new UpstreamError("aborted", "the request was cancelled"));
      const done = () => {
        pause();
        signal?.removeEventListener("abort", onAbort);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      touch();
      req.on("error", (e) => {
        done();
        reject(e instanceof UpstreamError ? e : new UpstreamError("unreachable", `cannot reach the upstream at ${this.endpoint.href}: ${e.message}`, { cause: e }));
      });
      req.on("response", (response) => {
        res = response;
        touch();
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          resolve({ res: response, touch, pause, done });
          return;
        }
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (s: string) => {
          if (text.length < MAX_ERROR_BODY) text += s;
        });
        const settle = () => {
          done();
          reject(new UpstreamError("status", `the upstream answered ${status}: ${errorMessageOf(text)}`, { status }));
        };
        response.on("end", settle);
        response.on("error", settle);
      });
      req.end(body);
    });
  }

  /** Wraps a failure while reading a body that had started. */
  private static readFailure(e: unknown): UpstreamError {
    if (e instanceof UpstreamError) return e;
    return new UpstreamError("unreachable", `the upstream connection broke: ${(e as Error).message}`, { cause: e });
  }

  /**
   * Asks for a whole completion.
   *
   * @throws {@link UpstreamError}
   */
  async complete(request: CompletionRequest, signal?: AbortSignal): Promise<UpstreamCompletion> {
    const { res, touch, done } = await this.open(this.body(request, false), signal);
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of res) {
        touch();
        chunks.push(chunk as Buffer);
      }
    } catch (e) {
      throw UpstreamClient.readFailure(e);
    } finally {
      done();
    }
    return completionOf(Buffer.concat(chunks).toString("utf8"));
  }

  /**
   * Asks for a streamed completion. Resolves once the upstream has accepted the request (so a
   * refusal or an unreachable upstream is still a plain error status for the client); the
   * iterable then yields the pieces, in batches: every piece one network read brought (never an
   * empty batch), so the caller can answer a burst with one write. It throws
   * {@link UpstreamError} if the stream breaks, stalls, carries garbage, or ends before its last
   * piece (after yielding the pieces that came before the fault).
   *
   * @throws {@link UpstreamError}
   */
  async stream(request: CompletionRequest, signal?: AbortSignal): Promise<AsyncIterable<UpstreamChunk[]>> {
    const { res, touch, pause, done } = await this.open(this.body(request, true), signal);
    const type = res.headers["content-type"] ?? "";
    if (!type.includes("text/event-stream")) {
      // An HTML error page or a JSON body where a stream was asked for: not a completion stream.
      const text = await readText(res, MAX_ERROR_BODY).finally(done);
      throw new UpstreamError("bad_response", `the upstream answered ${type || "no content type"} instead of an event stream: ${text.trim().slice(0, 200) || "(empty body)"}`);
    }
    return (async function* pieces(): AsyncGenerator<UpstreamChunk[]> {
      const reader = new SseReader();
      // Read by hand, not with for-await: leaving a for-await loop destroys the response, and after
      // [DONE] the rest of the body is drained instead so the pooled connection can be reused.
      const reads = res[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      // A finish_reason or [DONE] arrived: the answer is whole (a usage chunk may still come).
      let finished = false;
      let drained = false;
      // The body ended as HTTP framed it (not a connection that broke after the last piece).
      let clean = false;
      try {
        for (;;) {
          let read: IteratorResult<Buffer>;
          try {
            read = await reads.next();
          } catch (e) {
            // Once the last piece is in, a connection that breaks or goes silent (waiting for a
            // usage chunk or [DONE] that never comes) costs nothing the client needs.
            if (finished) break;
            throw UpstreamClient.readFailure(e);
          }
          if (read.done) {
            clean = true;
            break;
          }
          touch();
          const batch: UpstreamChunk[] = [];
          let fault: unknown;
          let sawDone = false;
          for (const event of reader.push(read.value)) {
            if (event.data === "[DONE]") {
              // The stream's end: whatever follows is not part of the answer.
              finished = sawDone = true;
              break;
            }
            try {
              const piece = completionOf(event.data);
              if (piece.finishReason !== null) finished = true;
              batch.push(piece);
            } catch (e) {
              fault = e;
              break;
            }
          }
          if (batch.length > 0) {
            // The consumer may wait on a slow client: that silence is not the upstream's.
            pause();
            yield batch;
            touch();
          }
          if (fault !== undefined) throw fault;
          if (sawDone) {
            // Answer now; an upstream that keeps the connection open after [DONE] is dropped
            // after the usual silence, in the background.
            drained = true;
            drainBody(reads, touch, () => {
              done();
              if (!res.complete) res.destroy();
            });
            return;
          }
        }
        // Nothing more is read: no silence can matter now.
        pause();
        // A body that ended cleanly ends its last event too, blank line or not: a final piece an
        // upstream wrote without it is still the final piece (a broken connection never gets here).
        for (const event of reader.end({ dispatchIncomplete: clean })) {
          if (event.data === "[DONE]") {
            finished = true;
            continue;
          }
          const piece = completionOf(event.data);
          if (piece.finishReason !== null) finished = true;
          yield [piece];
        }
      } finally {
        if (!drained) {
          done();
          // Leaving early (the client went away, or garbage): drop the connection, not just the read.
          if (!res.complete) res.destroy();
        }
      }
      if (!finished) throw new UpstreamError("bad_response", "the upstream's stream ended before its last piece (no finish_reason and no [DONE])");
    })();
  }
}
