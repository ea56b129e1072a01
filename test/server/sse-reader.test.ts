import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SseReader } from "../../src/server/sse-reader.js";
import { runs } from "../helpers/shared.js";

const enc = new TextEncoder();

function readAll(parts: Array<string | Uint8Array>) {
  const reader = new SseReader();
  const events = parts.flatMap((p) => reader.push(p));
  return [...events, ...reader.end()];
}

describe("SseReader", () => {
  it("reads data events separated by blank lines, and [DONE]", () => {
    expect(readAll(['data: {"a":1}\n\ndata: [DONE]\n\n'])).toEqual([
      { event: undefined, data: '{"a":1}' },
      { event: undefined, data: "[DONE]" },
    ]);
  });

  it("joins multi-line data with LF, keeps the event name, ignores comments and unknown fields", () => {
    expect(readAll([": keep-alive\nevent: error\nid: 3\ndata: one\ndata:two\n\n"])).toEqual([{ event: "error", data: "one\ntwo" }]);
  });

  it("accepts CRLF and lone CR line ends", () => {
    expect(readAll(["data: a\r\n\r\ndata: b\r\rdata: c\n\n"]).map((e) => e.data)).toEqual(["a", "b", "c"]);
  });

  it("a CRLF split between two chunks ends one line, not two", () => {
    expect(readAll(["data: a\r", "\ndata: b\r\n\r\n"]).map((e) => e.data)).toEqual(["a\nb"]);
  });

  it("a multi-byte character split between byte chunks is decoded whole", () => {
    const bytes = enc.encode("data: 北京🌤\n\n");
    expect(readAll([bytes.slice(0, 8), bytes.slice(8, 13), bytes.slice(13)]).map((e) => e.data)).toEqual(["北京🌤"]);
  });

  it("an unterminated last event is dropped at end", () => {
    expect(readAll(["data: a\n\ndata: partial"]).map((e) => e.data)).toEqual(["a"]);
  });

  it("events with LF, CRLF and lone CR line ends mixed in one read, split anywhere, give the data that was written", () => {
    const line = fc.string({ unit: fc.constantFrom("a", "é", "🌤", " ", ":", "{", "}"), maxLength: 6 });
    const event = fc.record({ lines: fc.array(line, { minLength: 1, maxLength: 3 }), end: fc.constantFrom("\n", "\r\n", "\r") });
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 6 }), (events, cutsRaw) => {
        // One terminator an event (its lines and the blank line after them), so a CR is never followed by an LF of another line.
        const stream = enc.encode(events.map((e) => e.lines.map((l) => `data: ${l}${e.end}`).join("") + e.end).join(""));
        const cuts = [...new Set(cutsRaw.map((c) => c % stream.length))].sort((a, b) => a - b);
        const parts: Uint8Array[] = [];
        let at = 0;
        for (const c of cuts) {
          parts.push(stream.slice(at, c));
          at = c;
        }
        parts.push(stream.slice(at));
        expect(readAll([stream]).map((e) => e.data)).toEqual(events.map((e) => e.lines.join("\n")));
        expect(readAll(parts).map((e) => e.data)).toEqual(events.map((e) => e.lines.join("\n")));
      }),
      { numRuns: runs(300), seed: 6002 },
    );
  });

  it("chunk invariance: any byte split gives the same events as the whole stream", () => {
    const stream = enc.encode('data: {"text":"Hé 🌤 <|tool_call_begin|>"}\r\n\r\n: ping\n\nevent: x\ndata: 1\ndata: 2\n\ndata: [DONE]\n\n');
    const whole = readAll([stream]);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (cuts) => {
        const sorted = [...cuts].sort((a, b) => a - b);
        const parts: Uint8Array[] = [];
        let at = 0;
        for (const c of sorted) {
          parts.push(stream.slice(at, c));
          at = c;
        }
        parts.push(stream.slice(at));
        expect(readAll(parts)).toEqual(whole);
      }),
      { numRuns: runs(300), seed: 6001 },
    );
  });

  it("end({dispatchIncomplete}) dispatches an event left without its blank line (a body that ended cleanly)", () => {
    const reader = new SseReader();
    expect(reader.push('data: {"a":1}\n\ndata: {"b"')).toEqual([{ event: undefined, data: '{"a":1}' }]);
    expect(reader.push(":2}")).toEqual([]);
    expect(reader.end({ dispatchIncomplete: true })).toEqual([{ event: undefined, data: '{"b":2}' }]);
    const plain = new SseReader();
    plain.push("data: x");
    expect(plain.end()).toEqual([]);
  });
});
