/**
 * `kimi-k2 download`: fetches the tokenizer files from the Hugging Face Hub into the Hugging Face
 * cache and prints where they are.
 */
import { type DownloadEvent, downloadModelFiles } from "../download.js";
import { hfHubCacheDir } from "../model-files.js";
import { type CliIO, type Command, nonEmptyOption } from "./command.js";

const BAR_WIDTH = 30;

function size(bytes: number): string {
  return bytes < 1_000_000 ? `${(bytes / 1000).toFixed(1)} kB` : `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/**
 * Turns download events into stderr output: a bar redrawn in place on a terminal, plain lines
 * (start, retry, done, skipped; no per-chunk noise) otherwise.
 */
function progressReporter(io: CliIO): (event: DownloadEvent) => void {
  let lastDrawn = "";
  let barOpen = false;
  const endBar = () => {
    if (barOpen) io.err("\n");
    barOpen = false;
    lastDrawn = "";
  };
  return (event) => {
    switch (event.type) {
      case "start":
        if (!io.stderrIsTTY) io.err(`downloading ${event.file} from ${event.url}\n`);
        return;
      case "progress": {
        if (!io.stderrIsTTY) return;
        const { received, total } = event;
        const fraction = total ? Math.min(1, received / total) : 0;
        const filled = Math.round(fraction * BAR_WIDTH);
        const bar = total ? `[${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%` : "[size unknown]";
        const line = `${event.file.padEnd(22)} ${bar} ${size(received)}${total ? ` / ${size(total)}` : ""}`;
        // Redraw only when the visible text changes: a chunk every few KB would flood the terminal.
        if (line !== lastDrawn) {
          io.err(`\r${line}`);
          lastDrawn = line;
          barOpen = true;
        }
        return;
      }
      case "retry":
        endBar();
        io.err(`${event.file}: ${event.reason}; retry ${event.attempt} of ${event.retries} in ${event.delayMs} ms${event.resumeFrom > 0 ? `, resuming at byte ${event.resumeFrom}` : ""}\n`);
        return;
      case "done":
        endBar();
        io.err(`${event.file}: ${size(event.size)}, ${event.verified.length ? `verified (${event.verified.join(", ")})` : "not verified: no pinned hash and the server sent none"}\n`);
        return;
      case "skipped":
        endBar();
        io.err(`${event.file}: skipped, ${event.reason}\n`);
        return;
    }
  };
}

/** `kimi-k2 download`. */
export const downloadCommand: Command = {
  name: "download",
  summary: "Download tiktoken.model and the chat template from the Hugging Face Hub into its cache",
  help: `Usage: kimi-k2 download [--revision R] [--repo ID] [--endpoint URL] [--cache-dir DIR]

Downloads tiktoken.model (required), chat_template.jinja and tokenizer_config.json (skipped when the
repository lacks them) into the Hugging Face cache, verifies them (the sha256 pinned for
tiktoken.model, and the hash the Hub sends for each file), and prints where they are. Other
commands then find them without options.

Options:
  --revision R      branch, tag or commit hash (default: main)
  --repo ID         repository (default: moonshotai/Kimi-K2-Instruct-0905)
  --endpoint URL    Hub base URL (default: $HF_ENDPOINT, else https://huggingface.co)
  --cache-dir DIR   hub cache directory (default: $HF_HUB_CACHE, else $HF_HOME/hub,
                    else ~/.cache/huggingface/hub)
  -h, --help        show this help

Environment: HF_TOKEN (sent to the Hub as a Bearer token, for gated or private repositories;
without it, the token file HF_TOKEN_PATH or $HF_HOME/token that huggingface-cli login saves),
HF_HUB_DISABLE_IMPLICIT_TOKEN, HF_ENDPOINT, HF_HUB_CACHE, HF_HOME.
`,
  options: {
    revision: { type: "string" },
    repo: { type: "string" },
    endpoint: { type: "string" },
    "cache-dir": { type: "string" },
  },
  async run({ values }, io) {
    const cacheDir = nonEmptyOption(values, "cache-dir", undefined);
    const result = await downloadModelFiles({
      repoId: values.repo as string | undefined,
      revision: values.revision as string | undefined,
      endpoint: values.endpoint as string | undefined,
      cacheDir,
      env: io.env,
      onProgress: progressReporter(io),
    });
    const lines = [
      `${result.repoId} at ${result.revision} (commit ${result.commit})`,
      `snapshot: ${result.snapshotDir}`,
      ...result.files.map((f) => `  ${f.name}  ${f.path}`),
      ...result.skipped.map((s) => `  ${s.name}  (skipped: ${s.reason})`),
    ];
    // A cache other than the one the environment names is not found by default: say how to point at it.
    if (result.cacheDir !== hfHubCacheDir(io.env)) {
      lines.push(`This cache is not the default one: set HF_HUB_CACHE=${result.cacheDir}, or pass --model-dir ${result.snapshotDir}.`);
    }
    io.out(`${lines.join("\n")}\n`);
    return 0;
  },
};
