/** The registry of CLI commands, in the order `kimi-k2 --help` lists them. */
import type { Command } from "./command.js";
import { downloadCommand } from "./download.js";
import { exportHfTokenizerCommand } from "./export-hf-tokenizer.js";

/** Every command. Each lives in its own file. */
export const COMMANDS: readonly Command[] = [downloadCommand, exportHfTokenizerCommand];
