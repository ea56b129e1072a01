/**
 * The shape every CLI command has, and the small I/O surface commands use (so tests can run a
 * command in-process with fake streams).
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** What a command reads from and writes to. */
export interface CliIO {
  /** Reads all of stdin (or the file named as the positional argument) as bytes. */
  readInput(file?: string): Promise<Uint8Array>;
  /** Streams stdin (or a file) chunk by chunk, for incremental commands. */
  inputChunks(file?: string): AsyncIterable<Uint8Array>;
  /** Writes to stdout. */
  out(text: string | Uint8Array): void;
  /** Writes to stderr. */
  err(text: string): void;
  /** True when stdout is a terminal (colour, human views). */
  stdoutIsTTY: boolean;
  /** True when stderr is a terminal (progress bars). */
  stderrIsTTY: boolean;
  /** True when stdin is a terminal: a command reading it says so, rather than seeming to hang. */
  stdinIsTTY?: boolean;
  /** The environment. */
  env: Record<string, string | undefined>;
}

/** A CLI command: `kimi-k2 <name> ...`. */
export interface Command {
  /** The command word. */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The `--help` text (usage and options). */
  help: string;
  /** `node:util` parseArgs options (`--help` is added for every command). */
  options: NonNullable<ParseArgsConfig["options"]>;
  /** Whether positional arguments are allowed (a file to read instead of stdin, a directory...). */
  allowPositionals?: boolean;
  /** Runs the command; resolves to the exit code. */
  run(args: { values: Record<string, unknown>; positionals: string[] }, io: CliIO): Promise<number>;
}

/** A usage mistake (unknown option, missing argument): exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * A string option's value, or `fallback` when it is not given.
 *
 * @throws {@link UsageError} when it is given empty (`--host "$HOST"` with the variable unset):
 * Node reads an empty host as every interface, and an empty path as the current directory, neither
 * of which the caller meant.
 */
export function nonEmptyOption<T extends string | undefined>(values: Record<string, unknown>, name: string, fallback: T): string | T {
  const value = values[name];
  if (value === "") throw new UsageError(`--${name} needs a value, got an empty string`);
  return typeof value === "string" ? value : fallback;
}

/** Parses a command's arguments, turning parseArgs failures into {@link UsageError}. */
export function parseCommandArgs(command: Command, argv: string[]): { values: Record<string, unknown>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...command.options, help: { type: "boolean", short: "h" } },
      allowPositionals: command.allowPositionals ?? false,
      strict: true,
    });
    return { values: values as Record<string, unknown>, positionals };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
