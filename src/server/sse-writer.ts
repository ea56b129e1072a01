/**
 * Writes a server-sent event stream to the proxy's client in the framing OpenAI uses:
 * `data: {json}\n\n` per chunk, `data: [DONE]\n\n` at the end, and an `{"error": ...}` event when
 * the answer breaks after it has started (the status line is already sent by then).
 *
 * @packageDocumentation
 */
import type { ServerResponse } from "node:http";
import type { OpenAIErrorBody } from "./http-error.js";

/** An event stream on one response. */
export class SseWriter {
  private readonly res: ServerResponse;
  private readonly stallMs: number;
  private started = false;

  /**
   * @param stallMs - How long a client may stop reading (a write waiting to drain) before it is
   *   dropped, which cancels the upstream request: a stuck client must not hold a generation forever.
   */
  constructor(res: ServerResponse, stallMs = Number.POSITIVE_INFINITY) {
    this.res = res;
    this.stallMs = stallMs;
  }

  /** True once the client has gone away or the stream has ended. */
  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  /** Sends the status line and headers (200, `text/event-stream`). Idempotent. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      // No Connection header of our own: Node's (keep-alive, or close when the client asked for it)
      // is right, and a forced keep-alive would hold open a connection the client asked to close.
      // Reverse proxies (nginx) buffer responses unless told not to; a buffered stream is no stream.
      "x-accel-buffering": "no",
    });
    // Headers go out now, not with the first chunk: the client sees the stream is open.
    this.res.flushHeaders();
  }

  /**
   * Sends JSON events in one write (a burst of chunks costs one system call, not one each).
   * Resolves when the socket can take more: backpressure from a slow client pauses the producer
   * instead of buffering without bound. A client that takes no more for `stallMs` is dropped.
   */
  send(...values: unknown[]): Promise<void> | void {
    if (this.closed || values.length === 0) return;
    this.start();
    let text = "";
    for (const value of values) text += `data: ${JSON.stringify(value)}\n\n`;
    if (this.res.write(text)) return;
    return new Promise((resolve) => {
      const timer = Number.isFinite(this.stallMs) ? setTimeout(() => this.res.destroy(), this.stallMs) : undefined;
      const settle = () => {
        clearTimeout(timer);
        this.res.off("drain", settle);
        this.res.off("close", settle);
        resolve();
      };
      this.res.on("drain", settle);
      this.res.on("close", settle);
    });
  }

  /** Ends the stream with these last events, then `data: [DONE]`, in one write. */
  done(...values: unknown[]): void {
    if (this.closed) return;
    this.start();
    let text = "";
    for (const value of values) text += `data: ${JSON.stringify(value)}\n\n`;
    this.res.end(`${text}data: [DONE]\n\n`);
  }

  /** Ends the stream with an error event (OpenAI's clients raise it) and no `[DONE]`. */
  fail(error: OpenAIErrorBody): void {
    if (this.closed) return;
    this.start();
    this.res.end(`data: ${JSON.stringify({ error })}\n\n`);
  }
}
