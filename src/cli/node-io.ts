/** The real process's stdin/stdout/stderr as a {@link CliIO}. */
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import type { CliIO } from "./command.js";

async function readAll(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/** The process's own streams. */
export function nodeIO(): CliIO {
  // `kimi-k2 inspect ... | head`: the reader went away; stop quietly, as Unix tools do, instead of
  // crashing on an unhandled EPIPE.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
  // `kimi-k2 parse --stream 2>&1 >out.json | head -1`: the reader of the diagnostics went away, but
  // the output is still wanted; stop writing to stderr and carry on (an unhandled EPIPE would
  // crash the command with exit 1 halfway through its output).
  let stderrOpen = true;
  process.stderr.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
    stderrOpen = false;
  });
  return {
    readInput: (file) => (file ? readFile(file) : readAll(process.stdin)),
    inputChunks: (file) => (file ? createReadStream(file) : process.stdin) as AsyncIterable<Uint8Array>,
    out: (text) => void process.stdout.write(text),
    err: (text) => void (stderrOpen && process.stderr.write(text)),
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    stdinIsTTY: process.stdin.isTTY === true,
    env: process.env,
  };
}
