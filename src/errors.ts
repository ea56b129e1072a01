/**
 * The one error family for caller mistakes. Model output never throws (parsers report diagnostics
 * instead); a wrong argument, a missing file or an invalid request throws a {@link KimiK2Error}
 * whose message says what to do.
 *
 * @packageDocumentation
 */

const MARKER = Symbol.for("kimi-k2-toolkit.error");

/** Every error code the library throws. */
export type KimiK2ErrorCode =
  /** A required model file (vocabulary, template) could not be found. */
  | "model_files_not_found"
  /** `tiktoken.model` is malformed (a bad line, non-contiguous ranks). */
  | "vocab_malformed"
  /** The vocabulary is well formed but is not Kimi K2's. */
  | "vocab_mismatch"
  /** A download failed (network, HTTP status, or hash mismatch). */
  | "download_failed"
  /** A token id outside the model's vocabulary was given. */
  | "invalid_token_id"
  /** Text contains a special-token string that the caller disallowed. */
  | "disallowed_special_token"
  /** A chat request cannot be rendered (missing role, wrong types...). */
  | "invalid_request"
  /** Input given to a CLI command is not what it reads (not JSON, not an array of ids...). */
  | "invalid_input"
  /** A template failed to parse or raised while rendering. */
  | "template_error"
  /** A template uses a construct the Jinja engine cannot reproduce exactly. */
  | "template_unsupported"
  /** Options passed to a function or constructor are invalid. */
  | "invalid_options"
  /** An API was used in the wrong order (push after end...). */
  | "invalid_state"
  /** The playground page's files are missing (the package was not built). */
  | "playground_not_built";

/** Base class of every error the library throws on caller mistakes. */
export class KimiK2Error extends Error {
  /** A stable, machine-readable code. */
  readonly code: KimiK2ErrorCode;
  /** Extra structured detail (offsets, indices, paths), when useful. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: KimiK2ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "KimiK2Error";
    this.code = code;
    this.details = options?.details;
    Object.defineProperty(this, MARKER, { value: true });
  }

  /**
   * True for errors thrown by this library, even across duplicated copies of the package
   * (where `instanceof` fails).
   */
  static isInstance(value: unknown): value is KimiK2Error {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }
}
