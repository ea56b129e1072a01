/**
 * Parsing the JSON a person types into the playground, with errors that say where the problem is
 * (line and column, and the offending line with a caret). `JSON.parse` does the parsing; on failure
 * a small scanner finds the offset, because browsers' messages do not always carry one.
 *
 * @packageDocumentation
 */

/** The outcome of {@link parseJsonField}. */
export type JsonFieldResult = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * Parses `text` as JSON. An empty (or all-blank) field gives `empty` when it is given (for optional
 * fields such as the tools list). On a syntax error the message names the field, the line and the
 * column, and shows the line with a caret under the problem.
 */
export function parseJsonField(text: string, what: string, empty?: unknown): JsonFieldResult {
  if (text.trim() === "" && empty !== undefined) return { ok: true, value: empty };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    const found = locateJsonError(text) ?? { offset: text.length, reason: (e as Error).message };
    const before = text.slice(0, found.offset);
    const line = before.split("\n").length;
    const lineStart = before.lastIndexOf("\n") + 1;
    const column = found.offset - lineStart + 1;
    const lineEnd = text.indexOf("\n", found.offset);
    const source = text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd).replace(/\r$/, "");
    return {
      ok: false,
      message: `${what} is not valid JSON (line ${line}, column ${column}): ${found.reason}\n${source}\n${" ".repeat(column - 1)}^`,
    };
  }
}

/** Where a JSON text first goes wrong, and why. */
export interface JsonErrorLocation {
  /** Code-unit offset of the first offending character (the text's length at an early end). */
  offset: number;
  /** What was expected. */
  reason: string;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING_BODY = /(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*/y;

/**
 * Finds the first syntax error of a JSON text (RFC 8259), or `undefined` when it is valid.
 */
export function locateJsonError(text: string): JsonErrorLocation | undefined {
  let pos = 0;
  const fail = (reason: string): JsonErrorLocation => ({ offset: pos, reason: pos >= text.length ? `unexpected end of input: ${reason}` : reason });
  const skip = (): void => {
    while (pos < text.length && WS.has(text.charCodeAt(pos))) pos++;
  };
  const string = (): JsonErrorLocation | undefined => {
    pos++; // the opening quote
    STRING_BODY.lastIndex = pos;
    STRING_BODY.exec(text);
    pos = STRING_BODY.lastIndex;
    if (text[pos] === '"') {
      pos++;
      return undefined;
    }
    if (pos >= text.length) return fail("unterminated string");
    if (text[pos] === "\\") return fail("invalid escape sequence");
    return fail("control character in a string (write \\n, \\t... instead)");
  };
  const value = (): JsonErrorLocation | undefined => {
    skip();
    const c = text[pos];
    if (c === "{") {
      pos++;
      skip();
      if (text[pos] === "}") {
        pos++;
        return undefined;
      }
      for (;;) {
        skip();
        if (text[pos] !== '"') return fail(text[pos] === "}" ? "trailing comma before }" : "expected a property name in double quotes");
        const s = string();
        if (s) return s;
        skip();
        if (text[pos] !== ":") return fail("expected : after the property name");
        pos++;
        const v = value();
        if (v) return v;
        skip();
        if (text[pos] === ",") {
          pos++;
          continue;
        }
        if (text[pos] === "}") {
          pos++;
          return undefined;
        }
        return fail("expected , or } after a property value");
      }
    }
    if (c === "[") {
      pos++;
      skip();
      if (text[pos] === "]") {
        pos++;
        return undefined;
      }
      for (;;) {
        skip();
        if (text[pos] === "]") return fail("trailing comma before ]");
        const v = value();
        if (v) return v;
        skip();
        if (text[pos] === ",") {
          pos++;
          continue;
        }
        if (text[pos] === "]") {
          pos++;
          return undefined;
        }
        return fail("expected , or ] after an array element");
      }
    }
    if (c === '"') return string();
    for (const word of ["true", "false", "null"]) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return undefined;
      }
    }
    NUMBER.lastIndex = pos;
    if (c !== undefined && NUMBER.test(text)) {
      pos = NUMBER.lastIndex;
      return undefined;
    }
    if (c === "'") return fail("strings must use double quotes");
    return fail("expected a value (object, array, string, number, true, false or null)");
  };
  const error = value();
  if (error) return error;
  skip();
  return pos < text.length ? fail("unexpected text after the JSON value") : undefined;
}
