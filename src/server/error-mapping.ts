/**
 * How failures become HTTP answers: a request the renderer refuses is a 400 naming the field, an
 * upstream that is unreachable or answers garbage is a 502, one that times out a 504, and an
 * upstream refusal of the client's request (400, 404, 413, 422, 429) is passed on with its status.
 *
 * @packageDocumentation
 */
import { KimiK2Error } from "../errors.js";
import { HttpError } from "./http-error.js";
import { UpstreamError } from "./upstream-client.js";

/** Upstream statuses that describe the client's request, so the client gets them as they are. */
const CLIENT_STATUSES = new Set([400, 404, 413, 422, 429]);

/**
 * The request path a renderer error points at, from its details: `{messageIndex: 2, field:
 * "tool_calls.id", callIndex: 0}` is `messages[2].tool_calls[0].id`; `{field: "tools"}` is `tools`.
 */
export function paramOf(details: Readonly<Record<string, unknown>> | undefined): string | null {
  if (!details) return null;
  const field = typeof details.field === "string" ? details.field : undefined;
  const message = details.messageIndex;
  if (typeof message !== "number") return field === undefined || field === "request" ? null : field;
  const base = `messages[${message}]`;
  if (field === undefined || field === "message") return base;
  let path = field;
  // The call or content part index goes right after the list it indexes.
  if (typeof details.callIndex === "number") path = path.replace(/^tool_calls/, `tool_calls[${details.callIndex}]`);
  if (typeof details.partIndex === "number") path = path.replace(/^content/, `content[${details.partIndex}]`);
  return `${base}.${path}`;
}

/** The HTTP answer for an upstream failure, or undefined when the client itself went away. */
export function upstreamHttpError(e: UpstreamError): HttpError | undefined {
  switch (e.kind) {
    case "aborted":
      return undefined;
    case "timeout":
      return new HttpError(504, "timeout_error", `Upstream timeout: ${e.message}.`, { code: "upstream_timeout", cause: e });
    case "unreachable":
      return new HttpError(502, "upstream_error", `Upstream unreachable: ${e.message}.`, { code: "upstream_unreachable", cause: e });
    case "bad_response":
      return new HttpError(502, "upstream_error", `Upstream answered garbage: ${e.message}.`, { code: "upstream_bad_response", cause: e });
    case "status":
      if (e.status !== undefined && CLIENT_STATUSES.has(e.status)) {
        return new HttpError(e.status, "invalid_request_error", `The upstream refused the request: ${e.message}.`, { code: "upstream_refused", cause: e });
      }
      return new HttpError(502, "upstream_error", `Upstream error: ${e.message}.`, { code: "upstream_status", cause: e });
  }
}

/** The HTTP answer for any failure while handling a request. */
export function toHttpError(e: unknown): HttpError | undefined {
  if (e instanceof HttpError) return e;
  if (e instanceof UpstreamError) return upstreamHttpError(e);
  if (KimiK2Error.isInstance(e) && (e.code === "invalid_request" || e.code === "disallowed_special_token")) {
    return new HttpError(400, "invalid_request_error", e.message, { param: paramOf(e.details), code: e.code, cause: e });
  }
  return new HttpError(500, "server_error", `Internal error in the proxy: ${(e as Error)?.message ?? String(e)}`, { code: "internal_error", cause: e });
}
