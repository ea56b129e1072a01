/**
 * Reading a chat request from JSON text without losing what Python would see.
 *
 * @packageDocumentation
 */
import { KimiK2Error } from "../errors.js";
import { isJsonFloat, parseJsonText } from "./json-value.js";
import type { ChatRequest } from "./messages.js";

/**
 * Parses a chat request from JSON text the way Python's `json.loads` does: floats written `1.0` stay
 * floats ({@link JsonFloat}), integers beyond 2^53 stay exact (`bigint`), object key order is kept
 * even for integer-like keys, `NaN`/`Infinity` are accepted. Everything else is plain JavaScript
 * data typed as a {@link ChatRequest}; its shape is checked when rendering.
 *
 * @throws {@link KimiK2Error} `invalid_request` for invalid JSON or a top level that is not an object.
 */
export function parseRequestJson(text: string): ChatRequest {
  const value = parseJsonText(text);
  if (value === null || typeof value !== "object" || Array.isArray(value) || value instanceof Map || isJsonFloat(value)) {
    throw new KimiK2Error("invalid_request", 'the request JSON must be an object with a "messages" array.', { details: { field: "request" } });
  }
  return value as unknown as ChatRequest;
}
