/**
 * Reads a client's request body as UTF-8 text, with a size limit.
 *
 * @packageDocumentation
 */
import type { IncomingMessage } from "node:http";
import { HttpError } from "./http-error.js";

/**
 * The whole body as text.
 *
 * @throws {@link HttpError} 413 past `limitBytes`, 415 for a content type other than JSON.
 */
export async function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<string> {
  const type = req.headers["content-type"];
  if (type !== undefined && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
    throw new HttpError(415, "invalid_request_error", `The request body must be JSON (Content-Type: application/json), got ${type}.`, { code: "unsupported_media_type" });
  }
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limitBytes) {
    throw new HttpError(413, "invalid_request_error", `The request body is ${declared} bytes; the limit is ${limitBytes} bytes.`, { code: "request_too_large" });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) {
      throw new HttpError(413, "invalid_request_error", `The request body exceeds the limit of ${limitBytes} bytes.`, { code: "request_too_large" });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
