/**
 * Reading a command's input: stdin, or the file named by its one positional argument.
 *
 * @packageDocumentation
 */
import { KimiK2Error } from "../errors.js";
import { type CliIO, UsageError } from "./command.js";

/** The file argument, if one was given (more than one is a usage error). */
export function inputFile(positionals: string[]): string | undefined {
  if (positionals.length > 1) throw new UsageError(`expected at most one input file, got ${positionals.length}: ${positionals.join(" ")}`);
  return positionals[0];
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

/** The whole input as bytes: stdin, or the file argument. */
async function readInputBytes(io: CliIO, positionals: string[]): Promise<Uint8Array> {
  const file = inputFile(positionals);
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

/** The whole input as a JSON document's text: a leading byte-order mark (some editors write one) is dropped. */
async function readJsonText(io: CliIO, positionals: string[]): Promise<string> {
  return new TextDecoder("utf-8").decode(await readInputBytes(io, positionals));
}

/**
 * The input chunk by chunk as it arrives (stdin, or the file argument), for incremental commands.
 *
 * @throws {@link KimiK2Error} `invalid_input` when the file cannot be read.
 */
export async function* inputChunks(io: CliIO, positionals: string[]): AsyncGenerator<Uint8Array> {
  const file = inputFile(positionals);
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
  return positionals[0] ?? "stdin";
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
