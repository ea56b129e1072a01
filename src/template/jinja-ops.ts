/**
 * Python semantics of the operators, truth values, comparisons and iteration the Jinja engine uses,
 * and the provenance rules for strings (which parts of a string came from the request).
 *
 * Provenance: a markup `string` stays markup through concatenation and slicing; any text derived
 * from a non-string value (a number printed, a list's repr, `tojson`) is content, because its origin
 * cannot be proven to be the template (see the README).
 *
 * @packageDocumentation
 */
import type { Segment } from "./segments.js";
import { compareCodePoints, decompose, pyStr } from "./py-format.js";
import {
  JsonFloat,
  PyDict,
  PyIter,
  PyRange,
  PyTuple,
  PyUndefined,
  PyView,
  TStr,
  failUndefined,
  floatValue,
  isFloat,
  isInt,
  isSeq,
  isStr,
  mkFloat,
  mkInt,
  pyRaise,
  seqItems,
  strText,
  typeName,
  unsupported,
  type PyValue,
} from "./py-values.js";

/** A str value: markup text or text with provenance. */
export type Str = string | TStr;

// ---------------------------------------------------------------------------------------------
// Strings with provenance

/** The markup/content pieces of a str value. */
export function partsOf(s: Str): readonly Segment[] {
  if (typeof s === "string") return s ? [{ text: s, kind: "markup" }] : [];
  if (s.parts !== null) return s.parts;
  return s.text ? [{ text: s.text, kind: "content" }] : [];
}

/** A str value made of pieces: merged, empty pieces dropped; a plain `string` when all markup. */
export function fromParts(parts: readonly Segment[], safe = false): Str {
  const merged: Segment[] = [];
  let text = "";
  for (const p of parts) {
    if (!p.text) continue;
    text += p.text;
    const last = merged[merged.length - 1];
    if (last !== undefined && last.kind === p.kind) last.text += p.text;
    else merged.push({ text: p.text, kind: p.kind });
  }
  if (merged.length === 0) return safe ? new TStr("", [], true) : "";
  if (merged.length === 1 && (merged[0] as Segment).kind === "markup") return safe ? new TStr(text, merged, true) : text;
  if (merged.length === 1) return new TStr(text, null, safe);
  return new TStr(text, merged, safe);
}

/** Request text: all content. */
export function contentStr(text: string): Str {
  return text ? new TStr(text, null) : "";
}

/** True when every character of the value came from the template. */
export function isMarkupOnly(s: Str): boolean {
  return typeof s === "string" || (s.parts !== null && s.parts.every((p) => p.kind === "markup"));
}

/** Concatenation keeping provenance. */
export function concatStr(a: Str, b: Str): Str {
  if (typeof a === "string" && typeof b === "string") return a + b;
  if (a === "") return b instanceof TStr && b.safe ? new TStr(b.text, b.parts) : b;
  if (b === "") return a instanceof TStr && a.safe ? new TStr(a.text, a.parts) : a;
  if (a instanceof TStr && b instanceof TStr && a.parts === null && b.parts === null) return new TStr(a.text + b.text, null);
  return fromParts([...partsOf(a), ...partsOf(b)]);
}

/** A derived text whose provenance is the given inputs': markup only when all inputs are markup. */
export function derivedStr(text: string, inputs: readonly Str[]): Str {
  return inputs.every(isMarkupOnly) ? text : contentStr(text);
}

/** `s[start:end]` by UTF-16 offsets, keeping provenance. */
export function sliceStr(s: Str, start: number, end: number): Str {
  if (typeof s === "string") return s.slice(start, end);
  if (s.parts === null) return contentStr(s.text.slice(start, end));
  const out: Segment[] = [];
  let off = 0;
  for (const p of s.parts) {
    const a = Math.max(start, off);
    const b = Math.min(end, off + p.text.length);
    if (a < b) out.push({ text: p.text.slice(a - off, b - off), kind: p.kind });
    off += p.text.length;
  }
  return fromParts(out);
}

/**
 * markupsafe's `Markup` returns `Markup` from its string-method overrides (`upper`, `strip`,
 * `center`, `[i]`, `[a:b]`...): `out` computed from `input` stays safe when `input` was.
 */
export function keepMarkup(input: PyValue, out: PyValue): PyValue {
  if (!(input instanceof TStr && input.safe) || !isStr(out)) return out;
  if (out instanceof TStr) return out.safe ? out : new TStr(out.text, out.parts ?? [{ text: out.text, kind: "content" }], true);
  return new TStr(out, [{ text: out, kind: "markup" }], true);
}

/** Python's `str(value)` with provenance: strings keep theirs, everything else is content. */
export function toStr(v: PyValue): Str {
  if (typeof v === "string") return v;
  if (v instanceof TStr) return v.safe ? new TStr(v.text, v.parts) : v;
  if (v instanceof PyUndefined) return "";
  return contentStr(pyStr(v));
}

/** The code points of a str value, each with its provenance. */
export function strChars(s: Str): Str[] {
  if (typeof s === "string") return Array.from(s);
  if (s.parts === null) return Array.from(s.text, (c) => new TStr(c, null));
  const out: Str[] = [];
  for (const p of s.parts) for (const c of p.text) out.push(p.kind === "markup" ? c : new TStr(c, null));
  // A surrogate pair split across parts is two lone surrogates in Python too; nothing to merge.
  return out;
}

// ---------------------------------------------------------------------------------------------
// Truth, length, iteration

/** Python truthiness (`bool(value)`). */
export function truthy(v: PyValue): boolean {
  switch (typeof v) {
    case "boolean":
      return v;
    case "string":
      return v.length > 0;
    case "number":
      return v !== 0 && v === v;
    case "bigint":
      return v !== 0n;
  }
  if (v === null) return false;
  if (v instanceof TStr) return v.text.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof PyDict) return v.map.size > 0;
  if (v instanceof PyUndefined) return false;
  if (v instanceof JsonFloat) return v.value !== 0;
  if (v instanceof PyTuple) return v.items.length > 0;
  if (v instanceof PyRange) return v.length > 0;
  if (v instanceof PyView) return v.items.length > 0;
  return true;
}

/** Python's `len(value)`. */
export function pyLen(v: PyValue): number {
  if (isStr(v)) return codePointLength(strText(v));
  if (Array.isArray(v)) return v.length;
  if (v instanceof PyDict) return v.map.size;
  if (v instanceof PyTuple) return v.items.length;
  if (v instanceof PyRange) return v.length;
  if (v instanceof PyView) return v.items.length;
  if (v instanceof PyUndefined) return 0;
  return pyRaise("TypeError", `object of type '${typeName(v)}' has no len()`);
}

/** Number of code points (Python's `len(str)`). */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** Dict keys as values: content when the dict came from the request. */
export function dictKeys(d: PyDict): PyValue[] {
  const keys = [...d.map.keys()];
  return d.keysContent ? keys.map(contentStr) : keys;
}

/** Python's `iter(value)`, lazily: a PyIter is consumed item by item, everything else is materialised. */
export function* pyIterate(v: PyValue): Generator<PyValue> {
  if (v instanceof PyIter) {
    for (let x = v.next(); x !== undefined; x = v.next()) yield x;
    return;
  }
  yield* iterate(v);
}

/** The items Python's `iter(value)` yields (consuming an iterator). */
export function iterate(v: PyValue): PyValue[] {
  if (Array.isArray(v)) return v;
  if (v instanceof PyTuple) return v.items;
  if (v instanceof PyDict) return dictKeys(v);
  if (isStr(v)) return strChars(v);
  if (v instanceof PyUndefined) return [];
  if (v instanceof PyRange) {
    const out: number[] = [];
    for (let i = 0, n = v.length; i < n; i++) out.push(v.at(i));
    return out;
  }
  if (v instanceof PyView) return v.items;
  if (v instanceof PyIter) return v.drain();
  return pyRaise("TypeError", `'${typeName(v)}' object is not iterable`);
}

// ---------------------------------------------------------------------------------------------
// Equality and ordering

type Num = number | bigint;

/** The numeric value of an int, float or bool, or undefined. */
function numOf(v: PyValue): Num | undefined {
  if (typeof v === "number" || typeof v === "bigint") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v instanceof JsonFloat) return v.value;
  return undefined;
}

/** Exact comparison of two numbers (int or float); NaN when unordered. */
function cmpNum(a: Num, b: Num): number {
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : a === b ? 0 : NaN;
  if (typeof a === "bigint" && typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0;
  // One bigint, one number: compare exactly.
  const [x, y, flip] = typeof a === "bigint" ? [a, b as number, 1] : [b as bigint, a, -1];
  if (y !== y) return NaN;
  if (y === Infinity) return -flip;
  if (y === -Infinity) return flip;
  const t = BigInt(Math.trunc(y));
  if (x < t) return -flip;
  if (x > t) return flip;
  const frac = y - Math.trunc(y);
  return frac > 0 ? -flip : frac < 0 ? flip : 0;
}

/** Python `a == b`. */
export function pyEq(a: PyValue, b: PyValue): boolean {
  if (a === b) return !(typeof a === "number" && a !== a);
  const na = numOf(a);
  if (na !== undefined) {
    const nb = numOf(b);
    return nb !== undefined && cmpNum(na, nb) === 0;
  }
  if (isStr(a)) return isStr(b) && strText(a) === strText(b);
  if (a === null || b === null) return false;
  if (Array.isArray(a)) return Array.isArray(b) && seqEq(a, b);
  if (a instanceof PyTuple) return b instanceof PyTuple && seqEq(a.items, b.items);
  if (a instanceof PyDict) {
    if (!(b instanceof PyDict) || a.map.size !== b.map.size) return false;
    for (const [k, v] of a.map) {
      if (!b.map.has(k) || !pyEq(v, b.map.get(k) as PyValue)) return false;
    }
    return true;
  }
  if (a instanceof PyUndefined) return b instanceof PyUndefined;
  if (a instanceof PyRange && b instanceof PyRange) return seqEq(iterate(a), iterate(b));
  return false;
}

function seqEq(a: PyValue[], b: PyValue[]): boolean {
  return a.length === b.length && a.every((x, i) => pyEq(x, b[i] as PyValue));
}

const OP_NAMES: Record<string, string> = { "<": "<", ">": ">", "<=": "<=", ">=": ">=" };

/** Python's ordering: negative, zero or positive; raises TypeError for unorderable operands. */
function pyOrder(a: PyValue, b: PyValue, op: string): number {
  if (a instanceof PyUndefined) failUndefined(a);
  if (b instanceof PyUndefined) failUndefined(b);
  const na = numOf(a);
  const nb = numOf(b);
  if (na !== undefined && nb !== undefined) return cmpNum(na, nb);
  if (isStr(a) && isStr(b)) return compareCodePoints(strText(a), strText(b));
  if ((Array.isArray(a) && Array.isArray(b)) || (a instanceof PyTuple && b instanceof PyTuple)) {
    const x = seqItems(a as PyValue[]);
    const y = seqItems(b as PyValue[]);
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      if (!pyEq(x[i] as PyValue, y[i] as PyValue)) return pyOrder(x[i] as PyValue, y[i] as PyValue, op);
    }
    return x.length - y.length;
  }
  return pyRaise("TypeError", `'${OP_NAMES[op] ?? op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

/** Python comparison operators (`==`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `not in`). */
export function pyCompare(op: string, a: PyValue, b: PyValue): boolean {
  switch (op) {
    case "==":
      return pyEq(a, b);
    case "!=":
      return !pyEq(a, b);
    case "<":
      return pyOrder(a, b, op) < 0;
    case ">":
      return pyOrder(a, b, op) > 0;
    case "<=":
      return pyOrder(a, b, op) <= 0;
    case ">=":
      return pyOrder(a, b, op) >= 0;
    case "in":
      return pyContains(b, a);
    case "not in":
      return !pyContains(b, a);
  }
  return unsupported(`the operator ${op}`);
}

/** Raises Python's TypeError for a value that cannot be a dict key or set member (a tuple is hashable only if its items are). */
export function assertHashable(v: PyValue): void {
  if (Array.isArray(v) || v instanceof PyDict || (v instanceof PyView && v.kind !== "dict_values")) pyRaise("TypeError", `unhashable type: '${typeName(v)}'`);
  if (v instanceof PyTuple) for (const x of v.items) assertHashable(x);
}

/** Python's `item in container`. */
export function pyContains(container: PyValue, item: PyValue): boolean {
  if (isStr(container)) {
    if (!isStr(item)) return pyRaise("TypeError", `'in <string>' requires string as left operand, not ${typeName(item)}`);
    return strText(container).includes(strText(item));
  }
  if (container instanceof PyDict) {
    if (isStr(item)) return container.map.has(strText(item));
    assertHashable(item);
    return false;
  }
  if (isSeq(container) || container instanceof PyView || container instanceof PyRange || container instanceof PyIter || container instanceof PyUndefined) {
    // An iterator is consumed only up to the match, as in Python.
    for (const x of pyIterate(container)) if (pyEq(x, item)) return true;
    return false;
  }
  return pyRaise("TypeError", `argument of type '${typeName(container)}' is not iterable`);
}

// ---------------------------------------------------------------------------------------------
// Arithmetic

function isNumeric(v: PyValue): boolean {
  return typeof v === "number" || typeof v === "bigint" || typeof v === "boolean" || v instanceof JsonFloat;
}

function asIntValue(v: PyValue): Num {
  return typeof v === "boolean" ? (v ? 1 : 0) : (v as Num);
}

function toFloat(v: PyValue): number {
  if (typeof v === "bigint") {
    const f = Number(v);
    if (!Number.isFinite(f)) pyRaise("OverflowError", "int too large to convert to float");
    return f;
  }
  if (typeof v === "boolean") return v ? 1 : 0;
  return floatValue(v as number | JsonFloat);
}

function intArith(op: string, a: Num, b: Num): PyValue {
  if (typeof a === "number" && typeof b === "number") {
    let r: number;
    switch (op) {
      case "+": r = a + b; break;
      case "-": r = a - b; break;
      case "*": r = a * b; break;
      default: r = NaN;
    }
    if (Number.isSafeInteger(r)) return r === 0 ? 0 : r;
  }
  const x = BigInt(a);
  const y = BigInt(b);
  switch (op) {
    case "+":
      return mkInt(x + y);
    case "-":
      return mkInt(x - y);
    case "*":
      return mkInt(x * y);
    case "//": {
      if (y === 0n) return pyRaise("ZeroDivisionError", "integer division or modulo by zero");
      const q = x / y;
      return mkInt(q * y !== x && x < 0n !== y < 0n ? q - 1n : q);
    }
    case "%": {
      if (y === 0n) return pyRaise("ZeroDivisionError", "integer division or modulo by zero");
      const r = x % y;
      return mkInt(r !== 0n && r < 0n !== y < 0n ? r + y : r);
    }
    case "**": {
      if (y < 0n) {
        if (x === 0n) return pyRaise("ZeroDivisionError", "0.0 cannot be raised to a negative power");
        return mkFloat(floatPow(toFloat(mkInt(x)), Number(y)));
      }
      return mkInt(x ** y);
    }
  }
  return unsupported(`the operator ${op}`);
}

/** An odd mantissa and exponent: `x = m * 2^e` with m odd (or 0). */
function oddParts(x: number): [bigint, bigint] {
  let [m, e] = decompose(Math.abs(x));
  if (m === 0n) return [0n, 0n];
  let exp = BigInt(e);
  while ((m & 1n) === 0n) {
    m >>= 1n;
    exp += 1n;
  }
  return [m, exp];
}

/**
 * Python's float `**`. Libm `pow` implementations differ in the last bit for inexact results, so
 * only results that are exact (every implementation agrees then) are computed; others are refused.
 */
function floatPow(a: number, b: number): number {
  if (b === 0 || a === 1) return 1;
  const r = Math.pow(a, b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return r;
  if (!Number.isFinite(r)) return pyRaise("OverflowError", "(34, 'Numerical result out of range')");
  if (Number.isInteger(b) && Math.abs(b) <= 2048) {
    const [ma, ea] = oddParts(a);
    const [mr, er] = oddParts(r);
    const n = BigInt(Math.abs(b));
    const exact = b > 0 ? ma ** n === mr && ea * n === er && (a < 0 && b % 2 !== 0) === r < 0 : ma === 1n && mr === 1n && -ea * n === er;
    if (exact || (a === 0 && r === 0)) return r;
  }
  return unsupported("a float power with an inexact result", "C's pow and JavaScript's can differ in the last bit");
}

/** Python's float floor division and modulo (CPython's float_divmod). */
function floatDivmod(vx: number, wx: number): [number, number] {
  if (wx === 0) pyRaise("ZeroDivisionError", "float divmod()");
  let mod = vx % wx;
  let div = (vx - mod) / wx;
  if (mod) {
    if (wx < 0 !== mod < 0) {
      mod += wx;
      div -= 1;
    }
  } else {
    mod = wx < 0 ? -0 : 0;
  }
  let floordiv: number;
  if (div) {
    floordiv = Math.floor(div);
    if (div - floordiv > 0.5) floordiv += 1;
  } else {
    floordiv = vx / wx < 0 || Object.is(vx / wx, -0) ? -0 : 0;
  }
  return [floordiv, mod];
}

function floatArith(op: string, a: number, b: number): PyValue {
  switch (op) {
    case "+":
      return mkFloat(a + b);
    case "-":
      return mkFloat(a - b);
    case "*":
      return mkFloat(a * b);
    case "/":
      if (b === 0) return pyRaise("ZeroDivisionError", "float division by zero");
      return mkFloat(a / b);
    case "//":
      if (b === 0) return pyRaise("ZeroDivisionError", "float floor division by zero");
      return mkFloat(floatDivmod(a, b)[0]);
    case "%":
      if (b === 0) return pyRaise("ZeroDivisionError", "float modulo");
      return mkFloat(floatDivmod(a, b)[1]);
    case "**": {
      if (a === 0 && b < 0) return pyRaise("ZeroDivisionError", "0.0 cannot be raised to a negative power");
      if (a < 0 && !Number.isInteger(b) && Number.isFinite(b)) return unsupported("a negative number raised to a fractional power", "Python returns a complex number");
      return mkFloat(floatPow(a, b));
    }
  }
  return unsupported(`the operator ${op}`);
}

function repeat<T>(items: T[], times: Num): T[] {
  const n = Number(times);
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(...items);
  return out;
}

/** Python binary arithmetic: `+ - * / // % **`. */
export function pyArith(op: string, a: PyValue, b: PyValue): PyValue {
  if (a instanceof PyUndefined) failUndefined(a);
  if (b instanceof PyUndefined) failUndefined(b);
  if (isNumeric(a) && isNumeric(b)) {
    if (isFloat(a) || isFloat(b)) return floatArith(op, toFloat(a), toFloat(b));
    const x = asIntValue(a);
    const y = asIntValue(b);
    if (op === "/") {
      if (y === 0 || y === 0n) return pyRaise("ZeroDivisionError", "division by zero");
      if (typeof x === "bigint" || typeof y === "bigint") return unsupported("true division of integers above 2^53");
      return mkFloat(x / y);
    }
    return intArith(op, x, y);
  }
  if (op === "+") {
    if (isStr(a) && isStr(b)) {
      if ((a instanceof TStr && a.safe) || (b instanceof TStr && b.safe)) {
        return unsupported("'+' on a Markup string", "Markup escapes the other operand");
      }
      return concatStr(a, b);
    }
    if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
    if (a instanceof PyTuple && b instanceof PyTuple) return new PyTuple([...a.items, ...b.items]);
    if (isStr(a)) return pyRaise("TypeError", `can only concatenate str (not "${typeName(b)}") to str`);
    if (Array.isArray(a)) return pyRaise("TypeError", `can only concatenate list (not "${typeName(b)}") to list`);
  }
  if (op === "*") {
    const [seq, times] = isInt(b) || typeof b === "boolean" ? [a, asIntValue(b)] : isInt(a) || typeof a === "boolean" ? [b, asIntValue(a)] : [null, 0];
    if (seq !== null) {
      if (isStr(seq)) {
        const text = strText(seq).repeat(Math.max(0, Number(times)));
        return keepMarkup(seq, derivedStr(text, [seq]));
      }
      if (Array.isArray(seq)) return repeat(seq, times);
      if (seq instanceof PyTuple) return new PyTuple(repeat(seq.items, times));
    }
  }
  if (op === "%" && isStr(a)) return unsupported("printf-style '%' string formatting");
  return pyRaise("TypeError", `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

/** Python unary minus and plus. */
export function pyUnary(op: string, v: PyValue): PyValue {
  if (v instanceof PyUndefined) failUndefined(v);
  if (!isNumeric(v)) return pyRaise("TypeError", `bad operand type for unary ${op}: '${typeName(v)}'`);
  if (isFloat(v)) return mkFloat(op === "-" ? -toFloat(v) : toFloat(v));
  const x = asIntValue(v);
  if (op === "+") return x;
  return typeof x === "bigint" ? mkInt(-x) : mkInt(-x);
}

/** Jinja2's `~`: `str(a) + str(b)`. */
export function pyConcat(a: PyValue, b: PyValue): Str {
  return concatStr(toStr(a), toStr(b));
}
