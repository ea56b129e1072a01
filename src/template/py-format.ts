/**
 * Python's text forms of values: `str()`, `repr()`, float `repr`, and `json.dumps` with every keyword
 * Hugging Face's `tojson` accepts (`ensure_ascii`, `indent`, `separators`, `sort_keys`).
 *
 * These accept both request values ({@link JsonValue}: plain objects, `Map`s) and the Jinja engine's
 * values ({@link PyValue}).
 *
 * @packageDocumentation
 */
import { JsonFloat, isJsonFloat, objectKeys } from "./json-value.js";
import {
  PyCallable,
  PyCycler,
  PyDict,
  PyIter,
  PyJoiner,
  PyLoop,
  PyNamespace,
  PyRange,
  PyTuple,
  PyUndefined,
  PyView,
  TStr,
  intDecimal,
  pyRaise,
  typeName,
  unsupported,
  type PyValue,
} from "./py-values.js";

/** A finite double's exact value as `[mantissa, exponent]`: `|x| = mantissa * 2^exponent`. */
export function decompose(x: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const e = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (e === 0) return [m, -1074];
  m |= 1n << 52n;
  return [m, e - 1075];
}

/** Python's `repr(float)` (also its `str()`): shortest round-trip digits, Python's notation. */
export function pyFloatRepr(x: number): string {
  if (x !== x) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  // toExponential() without an argument gives the shortest digits that round-trip, as Python does.
  const e = x.toExponential();
  const sign = x < 0 ? "-" : "";
  const ePos = e.indexOf("e");
  const mant = e.slice(x < 0 ? 1 : 0, ePos);
  const exp = Number(e.slice(ePos + 1));
  const digits = mant.length > 1 ? mant[0] + mant.slice(2) : mant;
  // Python switches to exponent notation when the exponent is below -4 or at least 16.
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const ee = Math.abs(exp);
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${ee < 10 ? "0" : ""}${ee}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${"0".repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

// Python's str.isprintable(): false for categories Cc, Cf, Cs, Co, Cn, Zl, Zp and Zs other than space.
// Python's Unicode database may be older than the JavaScript engine's: characters assigned in between
// count as printable here and are escaped by that Python (see the README).
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

/** Python's `repr(str)`. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === quote || ch === "\\") out += "\\" + ch;
    else if (ch === "\t") out += "\\t";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (c < 0x20 || c === 0x7f) out += "\\x" + hex(c, 2);
    else if (c < 0x7f) out += ch;
    else if (!NON_PRINTABLE.test(ch)) out += ch;
    else if (c <= 0xff) out += "\\x" + hex(c, 2);
    else if (c <= 0xffff) out += "\\u" + hex(c, 4);
    else out += "\\U" + hex(c, 8);
  }
  return out + quote;
}

/** Python's `str(value)`, as `{{ value }}` prints it. */
export function pyStr(v: PyValue): string {
  if (typeof v === "string") return v;
  if (v instanceof TStr) return v.text;
  if (v instanceof PyUndefined) return "";
  return pyRepr(v);
}

/** Python's `repr(value)`. */
export function pyRepr(v: PyValue): string {
  switch (typeof v) {
    case "string":
      return pyStrRepr(v);
    case "boolean":
      return v ? "True" : "False";
    case "number":
      return Number.isInteger(v) ? String(v) : pyFloatRepr(v);
    case "bigint":
      return intDecimal(v);
  }
  if (v === null) return "None";
  if (v instanceof TStr) return v.safe ? `Markup(${pyStrRepr(v.text)})` : pyStrRepr(v.text);
  if (v instanceof JsonFloat) return pyFloatRepr(v.value);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(", ")}]`;
  if (v instanceof PyTuple) {
    return v.items.length === 1 ? `(${pyRepr(v.items[0] as PyValue)},)` : `(${v.items.map(pyRepr).join(", ")})`;
  }
  if (v instanceof PyDict) return dictRepr(v.map);
  if (v instanceof PyUndefined) return "Undefined";
  if (v instanceof PyRange) {
    return v.step === 1 ? `range(${v.start}, ${v.stop})` : `range(${v.start}, ${v.stop}, ${v.step})`;
  }
  if (v instanceof PyNamespace) return `<Namespace ${dictRepr(v.map)}>`;
  if (v instanceof PyView) {
    return `${v.kind}([${v.items.map(pyRepr).join(", ")}])`;
  }
  if (v instanceof PyLoop) return `<LoopContext ${v.index0 + 1}/${v.items.length}>`;
  // Python prints these with a memory address: no output can match it.
  if (v instanceof PyIter || v instanceof PyCallable || v instanceof PyCycler || v instanceof PyJoiner) {
    return unsupported(`printing a ${typeName(v)} object`, "Python prints its memory address");
  }
  return unsupported(`printing a ${typeName(v)}`);
}

function dictRepr(map: Map<string, PyValue>): string {
  const parts: string[] = [];
  for (const [k, val] of map) parts.push(`${pyStrRepr(k)}: ${pyRepr(val)}`);
  return `{${parts.join(", ")}}`;
}

/** Options of Python's `json.dumps` as `tojson` passes them. */
export interface JsonDumpsOptions {
  /** Escape every non-ASCII character as `\uXXXX` (default false, as Hugging Face sets it). */
  ensureAscii?: boolean;
  /** Pretty-print: a number of spaces or an indent string; `null` for one line. */
  indent?: number | string | null;
  /** `[itemSeparator, keySeparator]`; default `[", ", ": "]`, or `[",", ": "]` with `indent`. */
  separators?: readonly [string, string] | null;
  /** Sort object keys by code point. */
  sortKeys?: boolean;
}

const ESCAPE_SHORT: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};
// ensure_ascii=False escapes only quote, backslash and C0 controls; lone surrogates pass through.
const ESCAPE_UNICODE = /["\\\x00-\x1f]/g;
// ensure_ascii=True escapes everything outside printable ASCII, one UTF-16 unit at a time.
const ESCAPE_ASCII = /["\\]|[^\x20-\x7e]/g;

function escapeJsonChar(ch: string): string {
  return ESCAPE_SHORT[ch] ?? "\\u" + hex(ch.charCodeAt(0), 4);
}

/** A JSON string literal as Python's `json.dumps` writes it. */
export function pyJsonString(s: string, ensureAscii: boolean): string {
  const re = ensureAscii ? ESCAPE_ASCII : ESCAPE_UNICODE;
  re.lastIndex = 0;
  if (!re.test(s)) return `"${s}"`;
  re.lastIndex = 0;
  return `"${s.replace(re, escapeJsonChar)}"`;
}

/** Compares strings by code point, as Python does (JavaScript's `<` compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 && y < 0xd800) return x - y;
    // A surrogate is involved: compare the code points the differing units belong to (a lone
    // surrogate is its own code point, 0xD800..0xDFFF; a pair is above 0xFFFF).
    const p = i > 0 && (a.charCodeAt(i - 1) & 0xfc00) === 0xd800 ? i - 1 : i;
    return codePointAt(a, p) - codePointAt(b, p);
  }
  return a.length - b.length;
}

function codePointAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if ((c & 0xfc00) === 0xd800 && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if ((d & 0xfc00) === 0xdc00) return 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
  }
  return c;
}

/** Sorts keys by code point, in place (the default sort compares UTF-16 units, which differs only above U+D7FF). */
function sortKeysPy(keys: string[]): string[] {
  for (const k of keys) {
    for (let i = 0; i < k.length; i++) if (k.charCodeAt(i) >= 0xd800) return keys.sort(compareCodePoints);
  }
  if (keys.length > 12) return keys.sort();
  // Schemas have a handful of keys per object: insertion sort beats Array.prototype.sort there.
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > k) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}

/** Python's repr of a float as json.dumps writes it (non-finite values as JavaScript literals). */
function jsonFloat(v: number): string {
  if (v !== v) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  const a = Math.abs(v);
  // JavaScript and Python print the same digits between 1e-4 and 1e16, except integral values.
  if (a >= 1e-4 && a < 1e16 && !Number.isInteger(v)) return String(v);
  return pyFloatRepr(v);
}

const MAX_DEPTH = 5000;
const NEEDS_ESCAPE = /["\\\x00-\x1f]/;

/**
 * One `json.dumps` call: appends to `out` as it walks the value (fewer intermediate strings than
 * returning and joining each level's text).
 */
class JsonWriter {
  out = "";
  /** `itemSep` followed by the newline and indent of each level (only the item separator without indent). */
  private readonly breaks: string[] = [];
  constructor(
    private readonly ensureAscii: boolean,
    private readonly indent: string | null,
    private readonly itemSep: string,
    private readonly keySep: string,
    private readonly sortKeys: boolean,
  ) {}

  /** The newline and indent before an item at `level` (empty on one line). */
  private lineBreak(level: number): string {
    if (this.indent === null) return "";
    return (this.breaks[level] ??= "\n" + this.indent.repeat(level));
  }

  private string(t: string): void {
    if (this.ensureAscii) this.out += pyJsonString(t, true);
    else if (NEEDS_ESCAPE.test(t)) this.out += pyJsonString(t, false);
    else this.out += '"' + t + '"';
  }

  value(v: unknown, level: number): void {
    switch (typeof v) {
      case "string":
        this.string(v);
        return;
      case "number":
        this.out += Number.isInteger(v) ? (v === 0 ? "0" : String(v)) : jsonFloat(v);
        return;
      case "bigint":
        this.out += intDecimal(v);
        return;
      case "boolean":
        this.out += v ? "true" : "false";
        return;
      case "object":
        break;
      default:
        pyRaise("TypeError", `Object of type ${typeof v} is not JSON serializable`);
    }
    if (v === null) {
      this.out += "null";
      return;
    }
    if (level > MAX_DEPTH) pyRaise("ValueError", "Circular reference detected");
    let map: Map<string, unknown> | undefined;
    let obj: Record<string, unknown> | undefined;
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) obj = v as Record<string, unknown>;
    else if (Array.isArray(v) || v instanceof PyTuple) {
      this.array(Array.isArray(v) ? v : v.items, level);
      return;
    } else if (v instanceof TStr) {
      this.string(v.text);
      return;
    } else if (isJsonFloat(v)) {
      this.out += pyFloatRepr(v.value);
      return;
    } else if (v instanceof PyDict) map = v.map;
    else if (v instanceof Map) map = v as Map<string, unknown>;
    else pyRaise("TypeError", `Object of type ${typeName(v as PyValue)} is not JSON serializable`);
    // Sorting needs only the key set (any order), in an array of our own.
    let keys = map ? [...map.keys()] : this.sortKeys ? Object.keys(obj as object) : objectKeys(obj as object);
    if (keys.length === 0) {
      this.out += "{}";
      return;
    }
    if (this.sortKeys) keys = sortKeysPy(keys);
    const inner = this.lineBreak(level + 1);
    this.out += "{" + inner;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as string;
      if (i > 0) this.out += this.itemSep + inner;
      this.string(k);
      this.out += this.keySep;
      this.value(map ? map.get(k) : (obj as Record<string, unknown>)[k], level + 1);
    }
    this.out += this.lineBreak(level) + "}";
  }

  private array(items: readonly unknown[], level: number): void {
    if (items.length === 0) {
      this.out += "[]";
      return;
    }
    const inner = this.lineBreak(level + 1);
    this.out += "[" + inner;
    for (let i = 0; i < items.length; i++) {
      if (i > 0) this.out += this.itemSep + inner;
      this.value(items[i], level + 1);
    }
    this.out += this.lineBreak(level) + "]";
  }
}

/**
 * Python's `json.dumps(value, ensure_ascii, indent, separators, sort_keys)`.
 *
 * @throws a Python `TypeError` (as {@link pyRaise}) for values JSON cannot represent
 *   (Undefined, namespaces, callables...), and `ValueError` for circular structures.
 */
export function pyJsonDumps(value: unknown, options: JsonDumpsOptions = {}): string {
  const indentOpt = options.indent ?? null;
  const indent = indentOpt === null ? null : typeof indentOpt === "string" ? indentOpt : " ".repeat(Math.max(0, indentOpt));
  const [itemSep, keySep] = options.separators ?? (indent === null ? [", ", ": "] : [",", ": "]);
  const w = new JsonWriter(options.ensureAscii === true, indent, itemSep, keySep, options.sortKeys === true);
  w.value(value, 0);
  return w.out;
}
