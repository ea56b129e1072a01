/**
 * Python's `int(text, base)` and `float(text)`, and Jinja2's `|int` conversion with its fallbacks,
 * for the Jinja engine's `|int` and `|float` filters.
 *
 * @packageDocumentation
 */
import { INT_MAX_STR_DIGITS, isFloat, isInt, isStr, mkInt, pyRaise, strText, unsupported, type PyValue } from "./py-values.js";

const PY_WS_EDGES = /^[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

/** Python strips Unicode whitespace and accepts any decimal digits (`int('١٢')` is 12). */
function numericText(s: string, what: string): string {
  const t = s.replace(PY_WS_EDGES, "");
  if (/[^\x00-\x7f]/.test(t) && /\p{Nd}/u.test(t)) return unsupported(`${what} of a string with non-ASCII digits`);
  return t;
}

/** Python's `float(x)` for strings (whitespace, underscores, inf/nan words). */
export function parseFloatPy(s: string): number | undefined {
  const t = numericText(s, "float()").replace(/(\d)_(?=\d)/g, "$1");
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return undefined;
  return Number(t);
}

/** Python's `int(s, base)` for strings, or undefined when it raises ValueError. */
function parseIntPy(s: string, base: number): number | bigint | undefined {
  let t = numericText(s, "int()");
  let sign = 1n;
  if (t.startsWith("+") || t.startsWith("-")) {
    if (t.startsWith("-")) sign = -1n;
    t = t.slice(1);
  }
  let b = base;
  const prefix = /^0([xob])/i.exec(t);
  if (prefix && (b === 0 || b === { x: 16, o: 8, b: 2 }[(prefix[1] as string).toLowerCase()])) {
    b = { x: 16, o: 8, b: 2 }[(prefix[1] as string).toLowerCase()] as number;
    t = t.slice(2).replace(/^_/, "");
  } else if (b === 0) {
    if (/^0+(_?0)*$/.test(t)) return 0;
    if (t.startsWith("0")) return undefined;
    b = 10;
  }
  if (!/^[0-9a-z]+(_[0-9a-z]+)*$/i.test(t)) return undefined;
  const digits = t.replace(/_/g, "").toLowerCase();
  // Python 3.11 refuses to read more than 4300 digits in a base that is not a power of two.
  if (digits.length > INT_MAX_STR_DIGITS && (b & (b - 1)) !== 0) return undefined;
  let v = 0n;
  for (const c of digits) {
    const d = parseInt(c, 36);
    if (d >= b) return undefined;
    v = v * BigInt(b) + BigInt(d);
  }
  return mkInt(sign * v);
}

/** Jinja2's `|int`: `int(value, base)`, else `int(float(value))`, else the default. */
export function toInt(value: PyValue, dflt: PyValue, base: number): PyValue {
  if (isStr(value)) {
    const r = parseIntPy(strText(value), base);
    if (r !== undefined) return r;
    // Jinja2's fallback int(float(value)) catches OverflowError too: "inf" gives the default.
    const f = parseFloatPy(strText(value));
    if (f === undefined || !Number.isFinite(f)) return dflt;
    return mkInt(BigInt(Math.trunc(f)));
  }
  if (typeof value === "boolean") return value ? 1 : 0;
  if (isInt(value)) return value;
  if (isFloat(value)) {
    const f = Number(value);
    if (f !== f) return dflt;
    if (!Number.isFinite(f)) return pyRaise("OverflowError", "cannot convert float infinity to integer");
    return mkInt(BigInt(Math.trunc(f)));
  }
  return dflt;
}
