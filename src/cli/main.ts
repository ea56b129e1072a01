#!/usr/bin/env node
/**
 * `kimi-k2`: the command-line entry point.
 */
import { runCli } from "./run.js";
import { nodeIO } from "./node-io.js";

runCli(process.argv.slice(2), nodeIO()).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`kimi-k2: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
