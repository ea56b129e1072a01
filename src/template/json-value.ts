/**
 * JSON values as Python reads them. A request usually arrives as JSON text; Python's `json.loads`
 * keeps three things that JavaScript's `JSON.parse` loses, and every one of them changes what a
 * template prints:
 *
 * - floats written `1.0` or `1e16` (JavaScript reads the integer 1), printed `1.0` and `1e+16`;
 * - integers beyond 2^53, kept exact;
 * - key order: JavaScript objects move integer-like keys (`"2"`) first, Python dicts keep insertion order.
 *
 * {@link parseJsonText} reads JSON text into plain values that keep all three: {@link JsonFloat} for
 * integral floats, `bigint` for large integers, and a recorded key order on objects whose JavaScript
 * order would differ. Every renderer in this module accepts these values, `Map`s, and plain
 * JavaScript values (where an integral `number` is an int).
 *
 * @packageDocumentation
 */
import { KimiK2Error } from "../errors.js";

const FLOAT_MARK = Symbol.for("kimi-k2-toolkit.JsonFloat");

/**
 * A float whose value is integral or negative zero (`1.0`, `1e16`, `-0.0`): Python prints it with a
 * fraction or an exponent, where JavaScript would print an integer. Non-integral floats (`1.5`,
 * `NaN`, `Infinity`) need no wrapper: a non-integral `number` is always a float.
 */
export class JsonFloat {
  /** The float's value. */
  readonly value: number;
  constructor(value: number) {
    this.value = value;
    Object.defineProperty(this, FLOAT_MARK, { value: true });
  }
  /** The numeric value, so arithmetic on a `JsonFloat` works. */
  valueOf(): number {
    return this.value;
  }
  /** `JSON.stringify` support: the plain number. */
  toJSON(): number {
    return this.value;
  }
}

/**
 * True for a {@link JsonFloat}, also one made by another copy of this package (the ESM and CommonJS
 * builds each have their own class, so `instanceof` alone is not enough).
 */
export function isJsonFloat(v: unknown): v is JsonFloat {
  return v instanceof JsonFloat || (typeof v === "object" && v !== null && (v as Record<symbol, unknown>)[FLOAT_MARK] === true);
}

/** A JSON object: a plain object (its key order may be recorded, see {@link objectKeys}) or a `Map`. */
export type JsonObject = { [key: string]: JsonValue } | Map<string, JsonValue>;

/**
 * A JSON value as the renderers accept it. `number`: an int when integral, else a float;
 * {@link JsonFloat}: a float with an integral value; `bigint`: an int of any size.
 */
export type JsonValue = null | boolean | number | bigint | string | JsonFloat | JsonValue[] | JsonObject;

/** Wraps a number so that Python semantics treat it as a float, even when its value is integral. */
export function jsonFloat(value: number): JsonFloat | number {
  return Number.isInteger(value) ? new JsonFloat(value) : value;
}

const KEY_ORDER: unique symbol = Symbol.for("kimi-k2-toolkit.keyOrder");

/** An array index key (`"0"`..`"4294967294"`): JavaScript enumerates these first, in numeric order. */
function isArrayIndexKey(key: string): boolean {
  const len = key.length;
  if (len === 0 || len > 10) return false;
  const c0 = key.charCodeAt(0);
  if (c0 < 48 || c0 > 57 || (c0 === 48 && len > 1)) return false;
  for (let i = 1; i < len; i++) {
    const c = key.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return len < 10 || Number(key) < 4294967295;
}

/**
 * The keys of a plain object in Python's order: the order recorded by {@link parseJsonText} (or
 * {@link orderedObject}) when there is one and it still matches the object's keys, else
 * `Object.keys` order. An object mutated after parsing falls back to JavaScript order.
 */
export function objectKeys(obj: object): string[] {
  const keys = Object.keys(obj);
  const order = (obj as { [KEY_ORDER]?: string[] })[KEY_ORDER];
  if (order !== undefined && order.length === keys.length) return order;
  return keys;
}

/**
 * Builds a plain object from entries in the given order, recording that order when JavaScript would
 * enumerate the keys differently. Later duplicates overwrite the value but keep the first position
 * (as a Python dict does).
 */
export function orderedObject(entries: Iterable<readonly [string, JsonValue]>): { [key: string]: JsonValue } {
  const obj: { [key: string]: JsonValue } = {};
  let order: string[] | undefined;
  let needsOrder = false;
  let sawNonIndex = false;
  for (const [key, value] of entries) {
    if (Object.prototype.hasOwnProperty.call(obj, key)) {
      defineValue(obj, key, value);
      continue;
    }
    (order ??= []).push(key);
    if (isArrayIndexKey(key)) {
      // An index key after a non-index key is enumerated first by JavaScript; after another index
      // key it is enumerated in numeric order, which matches only if ascending.
      if (sawNonIndex) needsOrder = true;
      else if (order.length > 1 && Number(order[order.length - 2]) > Number(key)) needsOrder = true;
    } else {
      sawNonIndex = true;
    }
    defineValue(obj, key, value);
  }
  if (needsOrder && order) Object.defineProperty(obj, KEY_ORDER, { value: order, enumerable: false });
  return obj;
}

function defineValue(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/** The entries of a JSON object in Python order. */
export function objectEntries(obj: JsonObject): [string, JsonValue][] {
  if (obj instanceof Map) return [...obj];
  return objectKeys(obj).map((k) => [k, (obj as Record<string, JsonValue>)[k] as JsonValue]);
}

/** True for a JSON object (plain object or `Map`), false for arrays, wrappers and scalars. */
export function isJsonObject(value: unknown): value is JsonObject {
  if (value === null || typeof value !== "object") return false;
  if (value instanceof Map) return true;
  if (Array.isArray(value) || isJsonFloat(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

const NUMBER_RE = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;
// An integer of 16 digits or more (maybe beyond 2^53), an integer-like key (also one written with a
// \u escape), or the integer -0 (Python's int 0; JSON.parse gives -0).
const JSON_PARSE_RISKS = /\d{16}|"\d+"\s*:|\\u003\d|-0(?![.\deE])/;
// A digit before a fraction or an exponent: where a float literal may be integral.
const FLOAT_MARK_RE = /\d[.eE]/g;

/**
 * True when `JSON.parse` reads `text` exactly as {@link parseJsonText} does. They differ only on
 * floats with an integral value (`1.0`, `1e16`, `-0.0`), integers beyond 2^53, the integer `-0`
 * and integer-like keys; `NaN`/`Infinity` and syntax errors make JSON.parse throw. Duplicate keys
 * keep their first position and last value in both, and `__proto__` is an own key in both. The
 * scan also looks inside strings: a false alarm ("v1.0") only costs the full parse.
 *
 * @internal Exported for the test that checks both paths agree.
 */
export function jsonParseIsExact(text: string): boolean {
  if (JSON_PARSE_RISKS.test(text)) return false;
  FLOAT_MARK_RE.lastIndex = 0;
  for (let m = FLOAT_MARK_RE.exec(text); m !== null; m = FLOAT_MARK_RE.exec(text)) {
    let start = m.index;
    while (start > 0 && text.charCodeAt(start - 1) >= 48 && text.charCodeAt(start - 1) <= 57) start--;
    if (start > 0 && text.charCodeAt(start - 1) === 45) start--;
    NUMBER_RE.lastIndex = start;
    const literal = NUMBER_RE.exec(text);
    // No literal here ("01.5" inside a string): nothing JSON.parse would read as a number.
    if (literal === null) continue;
    if ((literal[1] !== undefined || literal[2] !== undefined) && Number.isInteger(Number(literal[0]))) return false;
    FLOAT_MARK_RE.lastIndex = Math.max(FLOAT_MARK_RE.lastIndex, start + literal[0].length);
  }
  return true;
}

/**
 * Parses JSON text the way Python's `json.loads` does, keeping floats, big integers and key order
 * (see the module comment). Like Python it accepts `NaN`, `Infinity` and `-Infinity`, and a
 * duplicated key keeps its first position with its last value.
 *
 * @throws {@link KimiK2Error} `invalid_request` naming the offset of the first syntax error.
 */
export function parseJsonText(text: string): JsonValue {
  // Most requests hold nothing JSON.parse would read differently, and it is 2-3 times faster.
  if (jsonParseIsExact(text)) {
    try {
      return JSON.parse(text) as JsonValue;
    } catch {
      // Invalid JSON, or NaN/Infinity: the full parser accepts Python's extensions and names the error.
    }
  }
  return parseJsonTextFully(text);
}

/**
 * {@link parseJsonText} without the `JSON.parse` fast path.
 *
 * @internal Exported for the test that checks both paths agree.
 */
export function parseJsonTextFully(text: string): JsonValue {
  let pos = 0;
  const n = text.length;

  const fail = (what: string): never => {
    throw new KimiK2Error("invalid_request", `invalid JSON at offset ${pos}: ${what}. Send the request as valid JSON.`, {
      details: { offset: pos },
    });
  };
  const skipWs = (): void => {
    while (pos < n) {
      const c = text.charCodeAt(pos);
      if (c === 32 || c === 10 || c === 13 || c === 9) pos++;
      else break;
    }
  };
  const parseString = (): string => {
    // pos is at the opening quote.
    let start = ++pos;
    let out = "";
    for (;;) {
      if (pos >= n) fail("unterminated string");
      const c = text.charCodeAt(pos);
      if (c === 34) {
        out += text.slice(start, pos++);
        return out;
      }
      if (c === 92) {
        out += text.slice(start, pos);
        const e = text[pos + 1];
        switch (e) {
          case '"': out += '"'; break;
          case "\\": out += "\\"; break;
          case "/": out += "/"; break;
          case "b": out += "\b"; break;
          case "f": out += "\f"; break;
          case "n": out += "\n"; break;
          case "r": out += "\r"; break;
          case "t": out += "\t"; break;
          case "u": {
            const hex = text.slice(pos + 2, pos + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("invalid \\u escape");
            out += String.fromCharCode(parseInt(hex, 16));
            pos += 4;
            break;
          }
          default:
            fail("invalid escape");
        }
        pos += 2;
        start = pos;
        continue;
      }
      if (c < 0x20) fail("control character in string");
      pos++;
    }
  };
  const parseValue = (depth: number): JsonValue => {
    if (depth > 10_000) fail("nesting too deep");
    skipWs();
    if (pos >= n) fail("unexpected end of input");
    const c = text.charCodeAt(pos);
    if (c === 34) return parseString();
    if (c === 123) {
      pos++;
      const entries: [string, JsonValue][] = [];
      skipWs();
      if (text.charCodeAt(pos) === 125) {
        pos++;
        return {};
      }
      for (;;) {
        skipWs();
        if (text.charCodeAt(pos) !== 34) fail("expected a string key");
        const key = parseString();
        skipWs();
        if (text.charCodeAt(pos) !== 58) fail("expected ':'");
        pos++;
        entries.push([key, parseValue(depth + 1)]);
        skipWs();
        const d = text.charCodeAt(pos);
        if (d === 44) {
          pos++;
          continue;
        }
        if (d === 125) {
          pos++;
          return orderedObject(entries);
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === 91) {
      pos++;
      const items: JsonValue[] = [];
      skipWs();
      if (text.charCodeAt(pos) === 93) {
        pos++;
        return items;
      }
      for (;;) {
        items.push(parseValue(depth + 1));
        skipWs();
        const d = text.charCodeAt(pos);
        if (d === 44) {
          pos++;
          continue;
        }
        if (d === 93) {
          pos++;
          return items;
        }
        fail("expected ',' or ']'");
      }
    }
    if (text.startsWith("true", pos)) return (pos += 4), true;
    if (text.startsWith("false", pos)) return (pos += 5), false;
    if (text.startsWith("null", pos)) return (pos += 4), null;
    if (text.startsWith("NaN", pos)) return (pos += 3), NaN;
    if (text.startsWith("Infinity", pos)) return (pos += 8), Infinity;
    if (text.startsWith("-Infinity", pos)) return (pos += 9), -Infinity;
    NUMBER_RE.lastIndex = pos;
    const m = NUMBER_RE.exec(text);
    if (!m) return fail("unexpected character");
    pos = NUMBER_RE.lastIndex;
    const lit = m[0];
    if (m[1] === undefined && m[2] === undefined) {
      const v = Number(lit);
      if (Number.isSafeInteger(v)) return v === 0 ? 0 : v;
      // Python 3.11's json.loads refuses integers of more than 4300 digits (int max str digits).
      if (lit.length - (lit.startsWith("-") ? 1 : 0) > 4300) {
        pos -= lit.length;
        fail(`an integer of ${lit.length - (lit.startsWith("-") ? 1 : 0)} digits exceeds Python's limit of 4300 digits for integer string conversion`);
      }
      return BigInt(lit);
    }
    return jsonFloat(Number(lit));
  };

  const value = parseValue(0);
  skipWs();
  if (pos < n) fail("extra data after the JSON value");
  return value;
}
