/**
 * `kimi-k2 playground`: serves the browser playground (template rendering, tokens, tool-call
 * parsing) for a model directory, on this machine only by default, until interrupted.
 */
import { KimiK2Error } from "../errors.js";
import { startPlaygroundServer } from "../playground/server.js";
import { type Command, UsageError, nonEmptyOption } from "./command.js";
import { modelDirOf } from "./model-options.js";

/** The port used when `--port` is not given. */
export const DEFAULT_PLAYGROUND_PORT = 7707;

function parsePort(value: unknown): number {
  if (value === undefined) return DEFAULT_PLAYGROUND_PORT;
  const text = String(value);
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535) throw new UsageError(`--port must be an integer from 0 to 65535 (0 picks a free port), got "${text}"`);
  return port;
}

/** Resolves on the first SIGINT or SIGTERM. */
function interrupted(): Promise<string> {
  return new Promise((resolveSignal) => {
    const on = (signal: string): void => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      resolveSignal(signal);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}

/** `kimi-k2 playground [--model-dir DIR] [--port P] [--host H]`. */
export const playgroundCommand: Command = {
  name: "playground",
  summary: "Serve the browser playground: live template rendering, tokens, tool-call parsing",
  help: `Usage: kimi-k2 playground [--model-dir DIR] [--port P] [--host H]

Serves a local web page (no network access needed) where you edit a chat request and watch the
rendered prompt, its tokens and their count update; switch engine (native / Jinja) and template
(built in, the model directory's, or pasted) and diff two renderings; paste or replay raw model
output and see the parsed content, tool calls and diagnostics. Stop it with Ctrl-C.

Options:
  --model-dir DIR   checkpoint directory holding tiktoken.model (and chat_template.jinja);
                    default: KIMI_K2_MODEL_DIR, else the Hugging Face cache
  --port P          port to listen on (default ${DEFAULT_PLAYGROUND_PORT}; 0 picks a free one)
  --host H          interface to bind (default 127.0.0.1: this machine only; on a loopback
                    address only requests addressed to localhost / 127.0.0.1 / ::1 are answered)
  --assets-dir DIR  serve a page built elsewhere (default: the package's dist/playground)
  -h, --help        show this help
`,
  options: {
    "model-dir": { type: "string" },
    port: { type: "string" },
    host: { type: "string" },
    "assets-dir": { type: "string" },
  },
  async run({ values }, io) {
    const port = parsePort(values.port);
    const host = nonEmptyOption(values, "host", "127.0.0.1");
    const modelDir = modelDirOf(values);
    let server;
    try {
      server = await startPlaygroundServer({
        modelDir,
        assetsDir: values["assets-dir"] as string | undefined,
        host,
        port,
        env: io.env,
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // Listen failures are the caller's to fix (another port or interface), not internal errors.
      if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") {
        throw new KimiK2Error("invalid_options", `cannot listen on ${host}:${port} (${code}): pick another --port or --host.`, { cause: e });
      }
      throw e;
    }
    io.out(`Kimi K2 playground: ${server.url}\n`);
    io.out(`model directory: ${server.modelFiles.dir ?? "(explicit paths)"}\n`);
    io.out("Press Ctrl-C to stop.\n");
    await interrupted();
    await server.close();
    return 0;
  },
};
