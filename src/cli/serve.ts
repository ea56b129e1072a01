/** `kimi-k2 serve`: the OpenAI-compatible proxy in front of a raw-completion upstream. */
import { KimiK2Error } from "../errors.js";
import { createKimiPipeline } from "../server/kimi-pipeline.js";
import { createProxy } from "../server/proxy-server.js";
import { type Command, UsageError, nonEmptyOption } from "./command.js";
import { TEMPLATE_HELP, TEMPLATE_OPTIONS, cliTemplate, cliTokenizer } from "./model-options.js";

function integer(values: Record<string, unknown>, name: string, fallback: number, min: number, max: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  // Decimal digits only: Number() also reads "" as 0, "0x10" as 16 and "1e3" as 1000.
  if (typeof raw !== "string" || !/^\d+$/.test(raw) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${String(raw)}"`);
  return n;
}

/** The environment variable holding the upstream's API key, if it needs one. */
export const UPSTREAM_API_KEY_ENV = "KIMI_K2_UPSTREAM_API_KEY";

/** The `serve` command. */
export const serveCommand: Command = {
  name: "serve",
  summary: "Serve an OpenAI-compatible /v1/chat/completions proxy in front of a raw /v1/completions server",
  help: `Usage: kimi-k2 serve --upstream URL [options]

Serves POST /v1/chat/completions (streaming and not), GET /v1/models and GET /health. Each request
is rendered with the chat template (history tool-call ids normalised to functions.{name}:{n}), sent to
the upstream's /v1/completions with special tokens kept and <|im_end|> as a stop, and the output is
parsed into content and tool calls (the client's ids restored) in OpenAI's shapes. Upstreams: vLLM,
SGLang, llama.cpp's server. Stops on Ctrl-C (SIGINT) or SIGTERM.

Options:
  --upstream URL            the upstream's base URL, e.g. http://127.0.0.1:8000/v1 (required)
  --port P                  port to listen on (default 8080; 0 picks a free one)
  --host H                  address to listen on (default 127.0.0.1)
  --upstream-model NAME     model name sent upstream (default: the client's "model")
  --served-model NAME       model name GET /v1/models lists (default: --upstream-model, else
                            moonshotai/Kimi-K2-Instruct-0905)
  --timeout S               seconds the upstream may stay silent before a 504 (default 600)
  --default-max-tokens N    max_tokens when the client sends none (default 16384)
  --prompt-format F         text (default) or ids: send the prompt as injection-safe token ids
${TEMPLATE_HELP}
  -h, --help                this help

The upstream's API key, if it needs one, is read from ${UPSTREAM_API_KEY_ENV}.`,
  options: {
    ...TEMPLATE_OPTIONS,
    upstream: { type: "string" },
    port: { type: "string" },
    host: { type: "string" },
    "upstream-model": { type: "string" },
    "served-model": { type: "string" },
    timeout: { type: "string" },
    "default-max-tokens": { type: "string" },
    "prompt-format": { type: "string" },
  },
  async run({ values }, io) {
    const upstream = values.upstream;
    if (typeof upstream !== "string") throw new UsageError("--upstream URL is required (the raw-completion server, e.g. http://127.0.0.1:8000/v1)");
    let protocol: string;
    try {
      protocol = new URL(upstream).protocol;
    } catch {
      protocol = "";
    }
    if (protocol !== "http:" && protocol !== "https:") throw new UsageError(`--upstream must be an http(s) URL, got "${upstream}"`);
    const format = values["prompt-format"] ?? "text";
    if (format !== "text" && format !== "ids") throw new UsageError(`--prompt-format must be text or ids, got "${String(format)}"`);
    const port = integer(values, "port", 8080, 0, 65535);
    const host = nonEmptyOption(values, "host", "127.0.0.1");
    const timeoutMs = integer(values, "timeout", 600, 1, 86_400) * 1000;
    const defaultMaxTokens = integer(values, "default-max-tokens", 16_384, 1, 10_000_000);
    const { template, engine, semantics } = await cliTemplate(values, io);
    const tokenizer = await cliTokenizer(values, io);
    const apiKey = io.env[UPSTREAM_API_KEY_ENV];
    const proxy = createProxy({
      upstream,
      pipeline: createKimiPipeline({ tokenizer, template, engine, semantics, promptFormat: format }),
      timeoutMs,
      defaultMaxTokens,
      ...(typeof values["upstream-model"] === "string" ? { upstreamModel: values["upstream-model"] } : {}),
      ...(typeof values["served-model"] === "string" ? { servedModel: values["served-model"] } : {}),
      ...(apiKey ? { upstreamApiKey: apiKey } : {}),
    });
    let url: string;
    try {
      url = await proxy.listen(port, host);
    } catch (e) {
      await proxy.close();
      throw new KimiK2Error("invalid_options", `cannot listen on ${host}:${port}: ${(e as Error).message}`);
    }
    io.err(`kimi-k2 serve: listening on ${url}/v1 (upstream ${upstream}, prompt as ${format})\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        resolve();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    await proxy.close();
    io.err("kimi-k2 serve: stopped\n");
    return 0;
  },
};
