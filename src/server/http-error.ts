/**
 * Errors the proxy answers with, in OpenAI's error JSON
 * (`{"error": {"message", "type", "param", "code"}}`) and the HTTP status that goes with them.
 *
 * @packageDocumentation
 */

/** The `error.type` values the proxy uses (OpenAI's names where OpenAI has one). */
export type HttpErrorType =
  /** The client's request is wrong: 400 (naming the field in `param`), 404, 405, 413, 415. */
  | "invalid_request_error"
  /** The upstream is unreachable, answered with an error, or answered something unreadable: 502. */
  | "upstream_error"
  /** The upstream did not answer in time: 504. */
  | "timeout_error"
  /** A bug in the proxy: 500. */
  | "server_error";

/** The `error` object of OpenAI's error JSON. */
export interface OpenAIErrorBody {
  /** What went wrong and what to do. */
  message: string;
  /** The error family. */
  type: HttpErrorType;
  /** The request field at fault (`messages[2].role`, `temperature`), or null. */
  param: string | null;
  /** A machine-readable code, or null. */
  code: string | null;
}

/** An error that becomes an HTTP answer with this status and OpenAI's error JSON. */
export class HttpError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** The error family. */
  readonly type: HttpErrorType;
  /** The request field at fault, if any. */
  readonly param: string | null;
  /** A machine-readable code, if any. */
  readonly code: string | null;

  constructor(status: number, type: HttpErrorType, message: string, options: { param?: string | null; code?: string | null; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "HttpError";
    this.status = status;
    this.type = type;
    this.param = options.param ?? null;
    this.code = options.code ?? null;
  }

  /** The `error` object of the JSON body. */
  body(): OpenAIErrorBody {
    return { message: this.message, type: this.type, param: this.param, code: this.code };
  }
}

/** A 400 naming the request field at fault. */
export function invalidField(param: string, message: string, code = "invalid_value"): HttpError {
  return new HttpError(400, "invalid_request_error", message, { param, code });
}
