/** The registry of CLI commands, in the order `kimi-k2 --help` lists them. */
import type { Command } from "./command.js";
import { countCommand } from "./count.js";
import { decodeCommand } from "./decode.js";
import { demoCommand } from "./demo.js";
import { downloadCommand } from "./download.js";
import { encodeChatCommand } from "./encode-chat.js";
import { encodeCommand } from "./encode.js";
import { exportHfTokenizerCommand } from "./export-hf-tokenizer.js";
import { inspectCommand } from "./inspect.js";
import { parseCommand } from "./parse.js";
import { playgroundCommand } from "./playground.js";
import { renderCommand } from "./render.js";
import { serveCommand } from "./serve.js";

/** Every command. Each lives in its own file. */
export const COMMANDS: readonly Command[] = [
  demoCommand,
  renderCommand,
  inspectCommand,
  countCommand,
  encodeCommand,
  encodeChatCommand,
  decodeCommand,
  parseCommand,
  serveCommand,
  playgroundCommand,
  downloadCommand,
  exportHfTokenizerCommand,
];
