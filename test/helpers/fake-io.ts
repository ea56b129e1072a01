/**
 * An in-memory {@link CliIO} for running CLI commands in-process: stdin from a string, bytes, or an
 * async sequence of chunks; stdout and stderr captured.
 */
import { createReadStream } from "node:fs";
import type { CliIO } from "../../src/cli/command.js";

const enc = new TextEncoder();

/** What stdin holds: all at once, or chunk by chunk (an async iterable, for streaming commands). */
export type FakeStdin = string | Uint8Array | AsyncIterable<Uint8Array | string>;

/** A captured run's I/O. */
export interface FakeIO {
  io: CliIO;
  /** Everything written to stdout, decoded. */
  stdout(): string;
  /** Everything written to stdout, as bytes. */
  stdoutBytes(): Uint8Array;
  /** Everything written to stderr. */
  stderr(): string;
}

/** A fake terminal-less (unless asked) process with this stdin and environment. */
export function fakeIO(stdin: FakeStdin = "", options: { env?: Record<string, string | undefined>; tty?: boolean; stdinTTY?: boolean } = {}): FakeIO {
  const out: Uint8Array[] = [];
  const err: string[] = [];
  const chunks = async function* (): AsyncGenerator<Uint8Array> {
    if (typeof stdin === "string") yield enc.encode(stdin);
    else if (stdin instanceof Uint8Array) yield stdin;
    else for await (const c of stdin) yield typeof c === "string" ? enc.encode(c) : c;
  };
  const io: CliIO = {
    async readInput(file) {
      if (file !== undefined) {
        const { readFile } = await import("node:fs/promises");
        return readFile(file);
      }
      const parts: Uint8Array[] = [];
      for await (const c of chunks()) parts.push(c);
      return Buffer.concat(parts);
    },
    inputChunks: (file) => (file !== undefined ? (createReadStream(file) as AsyncIterable<Uint8Array>) : chunks()),
    out: (text) => void out.push(typeof text === "string" ? enc.encode(text) : text),
    err: (text) => void err.push(text),
    stdoutIsTTY: options.tty ?? false,
    stderrIsTTY: false,
    stdinIsTTY: options.stdinTTY ?? false,
    env: options.env ?? {},
  };
  return {
    io,
    // ignoreBOM: a command that prints U+FEFF first printed a character, which the test must see.
    stdout: () => new TextDecoder("utf-8", { ignoreBOM: true }).decode(Buffer.concat(out)),
    stdoutBytes: () => Buffer.concat(out),
    stderr: () => err.join(""),
  };
}
