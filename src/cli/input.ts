/**
 * Reading a command's input: stdin, or the file named by its one positional argument.
 *
 * @packageDocumentation
 */
import { KimiK2Error } from "../errors.js";
import { type CliIO, UsageError } from "./command.js";

/** The file argument, if one was given (more than one is a usage error); `-` names stdin, as in Unix tools. */
export function inputFile(positionals: string[]): string | undefined {
  if (positionals.length > 1) throw new UsageError(`expected at most one input file, got ${positionals.length}: ${positionals.join(" ")}`);
  return positionals[0] === "-" ? undefined : positionals[0];
}

/**
 * The error for an input file that cannot be read (missing, a directory, no permission): bad input,
 * so exit 1 with one line, not a stack trace.
 */
function unreadable(file: string, cause: unknown): KimiK2Error {
  return new KimiK2Error("invalid_input", `cannot read the input file ${file}: ${(cause as Error).message}. Pass a readable file, or the input on stdin.`, {
    cause,
    details: { file },
  });
}

/**
 * A hint on stderr when the input is a terminal: `kimi-k2 render` typed alone would otherwise seem
 * to hang while it waits for the request.
 */
function hintTerminalInput(io: CliIO, file: string | undefined): void {
  if (file === undefined && io.stdinIsTTY) io.err("kimi-k2: reading the input from the terminal; end it with Ctrl-D (or pass a FILE, or pipe it in)\n");
}

/** The whole input as bytes: stdin, or the file argument. */
async function readInputBytes(io: CliIO, positionals: string[]): Promise<Uint8Array> {
  const file = inputFile(positionals);
  hintTerminalInput(io, file);
  try {
    return await io.readInput(file);
  } catch (e) {
    if (file === undefined || KimiK2Error.isInstance(e)) throw e;
    throw unreadable(file, e);
  }
}

/**
 * The whole input as text, every character kept (invalid UTF-8 becomes U+FFFD, as the model's
 * decoder does). A leading byte-order mark is text too: `encode` and `parse` must not drop it.
 */
export async function readInputText(io: CliIO, positionals: string[]): Promise<string> {
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(await readInputBytes(io, positionals));
}

/**
 * The whole input as a JSON document's text: a leading byte-order mark (some editors write one) is
 * dropped.
 *
 * @throws {@link KimiK2Error} `invalid_input` when the bytes are not UTF-8. JSON text must be UTF-8,
 * and Python's reader refuses such input too; replacing the bytes with U+FFFD would silently render,
 * encode or parse something other than what the caller wrote.
 */
async function readJsonText(io: CliIO, positionals: string[]): Promise<string> {
  return decodeJsonBytes(await readInputBytes(io, positionals), inputName(positionals));
}

/**
 * A JSON document's bytes as text (a leading byte-order mark dropped), for stdin and for the JSON
 * files options name (`parse --tools`).
 *
 * @param name - the input's name for the error message: a file, or stdin.
 * @throws {@link KimiK2Error} `invalid_input` when the bytes are not UTF-8.
 */
export function decodeJsonBytes(bytes: Uint8Array, name: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    throw new KimiK2Error("invalid_input", `${name} is not UTF-8 (an invalid byte 0x${(bytes[at] ?? 0).toString(16).padStart(2, "0")} at offset ${at}): save the JSON as UTF-8.`, {
      details: { offset: at },
    });
  }
}

/** The offset of the first byte that does not start a valid UTF-8 sequence (for the error message). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  const strict = new TextDecoder("utf-8", { fatal: true });
  // Walk the sequences by their lead byte and let the strict decoder judge each one (it knows the
  // overlong, surrogate and out-of-range forms). This runs once, on the error path.
  let at = 0;
  while (at < bytes.length) {
    const b = bytes[at]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0 || at + len > bytes.length) return at;
    try {
      strict.decode(bytes.subarray(at, at + len));
    } catch {
      return at;
    }
    at += len;
  }
  return at;
}

/**
 * The input chunk by chunk as it arrives (stdin, or the file argument), for incremental commands.
 *
 * @throws {@link KimiK2Error} `invalid_input` when the file cannot be read.
 */
export async function* inputChunks(io: CliIO, positionals: string[]): AsyncGenerator<Uint8Array> {
  const file = inputFile(positionals);
  hintTerminalInput(io, file);
  const chunks = io.inputChunks(file)[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Uint8Array>;
    try {
      // A file that does not open fails on the first read, not when the stream is created.
      next = await chunks.next();
    } catch (e) {
      if (file === undefined || KimiK2Error.isInstance(e)) throw e;
      throw unreadable(file, e);
    }
    if (next.done) return;
    yield next.value;
  }
}

/** The name of the input for messages: the file, or stdin. */
export function inputName(positionals: string[]): string {
  return inputFile(positionals) ?? "stdin";
}

/**
 * Reads a JSON array of token ids.
 *
 * @throws {@link KimiK2Error} `invalid_input` when the input is not a JSON array of integers.
 */
export async function readIdArray(io: CliIO, positionals: string[]): Promise<number[]> {
  const text = await readJsonText(io, positionals);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new KimiK2Error("invalid_input", `${inputName(positionals)} is not JSON (${(e as Error).message}): expected an array of token ids such as [3, 1415].`);
  }
  if (!Array.isArray(value) || !value.every((v) => Number.isInteger(v))) {
    throw new KimiK2Error("invalid_input", `${inputName(positionals)} must be a JSON array of integer token ids such as [3, 1415].`);
  }
  return value as number[];
}

/**
 * Reads a JSON document with the given parser (the template's request reader keeps Python number
 * and key-order fidelity).
 *
 * @throws {@link KimiK2Error} `invalid_input` when it is not JSON.
 */
export async function readJson<T>(io: CliIO, positionals: string[], parse: (text: string) => T, what: string): Promise<T> {
  const text = await readJsonText(io, positionals);
  try {
    return parse(text);
  } catch (e) {
    if (KimiK2Error.isInstance(e) && e.code !== "invalid_input") throw e;
    throw new KimiK2Error("invalid_input", `${inputName(positionals)} is not valid JSON (${(e as Error).message}): expected ${what}.`);
  }
}
