/**
 * A raw-completion upstream on 127.0.0.1 whose every answer is written by the test: the script
 * gets the parsed request body and the raw response, and can send any bytes (odd SSE framing,
 * a stall, a dropped connection). For the quirks the recorded fixtures of `replay-upstream.ts`
 * do not cover.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

/** Writes one answer. */
export type UpstreamScript = (body: Record<string, unknown>, res: http.ServerResponse, req: http.IncomingMessage) => void | Promise<void>;

/** A running scripted upstream. */
export interface ScriptedUpstream {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** The script for the next requests. */
  script: UpstreamScript;
  /** The remote port of each request's connection, in order (the same port twice: a reused connection). */
  clientPorts: number[];
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

/** A streamed completion piece as vLLM writes it: `data: {...}` and a blank line. */
export function ssePiece(text: string, finishReason: string | null = null, index = 0): string {
  return `data: ${JSON.stringify({ id: "cmpl-1", object: "text_completion", choices: [{ index, text, logprobs: null, finish_reason: finishReason }] })}\n\n`;
}

/** Starts a scripted upstream; the script can be changed between requests. */
export async function startScriptedUpstream(script: UpstreamScript): Promise<ScriptedUpstream> {
  const clientPorts: number[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    clientPorts.push(req.socket.remotePort ?? -1);
    await upstream.script(JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>, res, req);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const upstream: ScriptedUpstream = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    script,
    clientPorts,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return upstream;
}
