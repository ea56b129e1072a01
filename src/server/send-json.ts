/**
 * Sends a JSON answer.
 *
 * @packageDocumentation
 */
import type { ServerResponse } from "node:http";

/** Writes `value` as a JSON body with this status, unless the client has gone away. */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.writableEnded) return;
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers });
  res.end(body);
}
