/**
 * An incremental reader of server-sent events (the upstream's streaming `/v1/completions`
 * answer): bytes in, whole events out, whatever the chunking. Follows the WHATWG event-stream
 * rules the upstreams rely on: lines end with LF, CRLF or CR; `data` lines of one event are joined
 * with LF; a blank line dispatches; `:` lines are comments; other fields are ignored.
 *
 * @packageDocumentation
 */

/** One dispatched event. */
export interface SseEvent {
  /** The `event:` field, or undefined for the default `message` type. */
  event: string | undefined;
  /** The joined `data:` lines. */
  data: string;
}

/** Reads an event stream chunk by chunk. One instance per stream. */
export class SseReader {
  private readonly decoder = new TextDecoder("utf-8");
  private buffer = "";
  private data: string[] = [];
  private event: string | undefined;
  // A chunk ending in CR may be the first half of a CRLF: the LF that follows must not end a second line.
  private pendingCr = false;

  /** Feeds bytes (or text); returns the events completed by them. */
  push(chunk: Uint8Array | string): SseEvent[] {
    let text = typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true });
    if (this.pendingCr && text.startsWith("\n")) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;
    const events: SseEvent[] = [];
    let start = 0;
    // The next CR at or after `start`, searched again only once passed: upstreams end lines with LF
    // alone, and searching the rest of a large read for a CR at every line would be quadratic.
    let cr = this.buffer.indexOf("\r");
    for (;;) {
      const lf = this.buffer.indexOf("\n", start);
      if (cr !== -1 && cr < start) cr = this.buffer.indexOf("\r", start);
      if (lf === -1 && cr === -1) break;
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        end = cr;
        if (cr + 1 === this.buffer.length) {
          this.pendingCr = true;
          next = cr + 1;
        } else {
          next = this.buffer[cr + 1] === "\n" ? cr + 2 : cr + 1;
        }
      } else {
        end = lf;
        next = lf + 1;
      }
      this.line(this.buffer.slice(start, end), events);
      start = next;
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  /**
   * Ends the stream. An unterminated last event is dropped, as the event-stream rules say, unless
   * `dispatchIncomplete`: for a body that ended cleanly (not a broken connection), where the
   * sender simply left out the last blank line.
   */
  end(options: { dispatchIncomplete?: boolean } = {}): SseEvent[] {
    this.buffer += this.decoder.decode();
    const events: SseEvent[] = [];
    // A final line without its newline still counts as a line; without the blank line after it the
    // event is incomplete and is not dispatched (unless asked).
    if (this.buffer !== "") this.line(this.buffer, events);
    if (options.dispatchIncomplete) this.line("", events);
    this.buffer = "";
    this.data = [];
    this.event = undefined;
    return events;
  }

  private line(line: string, events: SseEvent[]): void {
    if (line === "") {
      if (this.data.length > 0) events.push({ event: this.event, data: this.data.join("\n") });
      this.data = [];
      this.event = undefined;
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
  }
}
