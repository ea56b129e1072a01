/**
 * Dispatches `kimi-k2 COMMAND ...` to a command, with the exit-code contract: 0 on success, 1 on
 * bad input (a one-line error on stderr), 2 on a usage error.
 */
import { KimiK2Error } from "../errors.js";
import { type CliIO, type Command, UsageError, parseCommandArgs } from "./command.js";
import { COMMANDS } from "./commands.js";

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `Usage: kimi-k2 COMMAND [options]\n\nCommands:\n${lines.join("\n")}\n\nRun \`kimi-k2 COMMAND --help\` for a command's options.\n`;
}

/** A Node.js error from a system call on a path (`fs`), as opposed to a bug. */
function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  const err = e as NodeJS.ErrnoException | null;
  return err instanceof Error && typeof err.code === "string" && typeof err.syscall === "string" && typeof err.path === "string";
}

/** Runs the CLI with these arguments; resolves to the process exit code. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.out(overview());
    return name === undefined ? 2 : 0;
  }
  const command: Command | undefined = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`kimi-k2: unknown command "${name}". Run \`kimi-k2 --help\` for the list.\n`);
    return 2;
  }
  try {
    const args = parseCommandArgs(command, rest);
    if (args.values.help) {
      io.out(command.help.endsWith("\n") ? command.help : `${command.help}\n`);
      return 0;
    }
    return await command.run(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`kimi-k2 ${command.name}: ${e.message}\nRun \`kimi-k2 ${command.name} --help\` for usage.\n`);
      return 2;
    }
    if (KimiK2Error.isInstance(e)) {
      io.err(`kimi-k2 ${command.name}: ${e.message.replace(/\s*\n\s*/g, " ")}\n`);
      return 1;
    }
    // A file the user named cannot be read or written (ENOENT, EACCES, ENOTDIR...): their input,
    // not a bug, so one line and exit 1 rather than a stack trace.
    if (isSystemError(e)) {
      io.err(`kimi-k2 ${command.name}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
