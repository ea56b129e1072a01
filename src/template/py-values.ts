/**
 * The values the Jinja engine computes with, modelled on the Python objects Jinja2 sees.
 *
 * Scalars are JavaScript values: `null` is None, booleans are bools, an integral `number` or a
 * `bigint` is an int (a `number` when it is a safe integer, never `-0`), a non-integral `number` or a
 * {@link JsonFloat} is a float. A `string` is text the template itself wrote (markup); a {@link TStr}
 * is text that came, wholly or partly, from the request (see {@link TStr}). Arrays are lists; the
 * other Python types have a class here.
 *
 * @packageDocumentation
 */
import { KimiK2Error } from "../errors.js";
import type { Segment } from "./segments.js";
import { JsonFloat } from "./json-value.js";

export { JsonFloat };

/**
 * A string with provenance. `parts === null`: all of it came from the request. Otherwise `parts`
 * lists markup and content pieces whose texts concatenate to `text` (adjacent parts differ in kind,
 * none is empty). `safe` marks a Jinja2 `Markup` string (made by `|safe` or `|escape`).
 */
export class TStr {
  constructor(
    readonly text: string,
    readonly parts: readonly Segment[] | null,
    readonly safe = false,
  ) {}
}

/** A Python tuple. */
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/**
 * A Python dict with string keys (the only keys JSON and the supported templates produce).
 * `keysContent`: its keys came from the request, so printing them yields content.
 */
export class PyDict {
  constructor(
    readonly map: Map<string, PyValue>,
    readonly keysContent: boolean,
  ) {}
}

/** A Python `range` (reusable, prints as `range(a, b)`). */
export class PyRange {
  constructor(
    readonly start: number,
    readonly stop: number,
    readonly step: number,
  ) {}
  get length(): number {
    const { start, stop, step } = this;
    if (step > 0) return stop > start ? Math.ceil((stop - start) / step) : 0;
    return start > stop ? Math.ceil((start - stop) / -step) : 0;
  }
  at(i: number): number {
    return this.start + i * this.step;
  }
}

/** A `jinja2.utils.Namespace`: attribute storage that `{% set ns.x = ... %}` may assign. */
export class PyNamespace {
  constructor(readonly map: Map<string, PyValue>) {}
}

/** A dict view (`d.items()`, `d.keys()`, `d.values()`): iterable, sized, not subscriptable. */
export class PyView {
  constructor(
    readonly kind: "dict_items" | "dict_keys" | "dict_values",
    readonly items: PyValue[],
  ) {}
}

/**
 * A single-use, lazy Python iterator (what `|map`, `|select`, `|reverse`, `|unique`... return):
 * items are computed as they are consumed, so an error in an item nobody reads never raises;
 * iterating consumes it; `len()` fails; printing it shows a memory address (unsupported here).
 */
export class PyIter {
  private done = false;
  constructor(
    private readonly source: Iterator<PyValue>,
    readonly typeName: string,
  ) {}
  /** The next item, or `undefined` when exhausted. */
  next(): PyValue | undefined {
    if (this.done) return undefined;
    const r = this.source.next();
    if (r.done) {
      this.done = true;
      return undefined;
    }
    return r.value;
  }
  /** Takes the remaining items (consuming them). */
  drain(): PyValue[] {
    const out: PyValue[] = [];
    for (let v = this.next(); v !== undefined; v = this.next()) out.push(v);
    return out;
  }
}

/** Positional and keyword arguments of a call. */
export interface CallArgs {
  args: PyValue[];
  kwargs: Map<string, PyValue> | null;
  /** Some keyword names came from request data (a `**` spread of a request dict). */
  kwargsFromRequest?: boolean;
}

/** Anything callable from a template: macros, globals, bound methods, `loop.cycle`... */
export class PyCallable {
  constructor(
    readonly name: string,
    readonly kind: "macro" | "function" | "method",
    readonly call: (a: CallArgs) => PyValue,
    /** For macros: the names `{% call %}` blocks and error messages need. */
    readonly params: readonly string[] = [],
  ) {}
}

/**
 * Jinja2's `Undefined`: prints as empty, iterates as empty, is false; using it in arithmetic, calling
 * it or reading an attribute of it raises. `error` is the exception Python would raise then
 * (`SecurityError` for the sandbox's unsafe attributes).
 */
export class PyUndefined {
  constructor(
    readonly hint: string,
    readonly errorType: "UndefinedError" | "SecurityError" = "UndefinedError",
  ) {}
}

/** The state of a `{% for %}` loop as `loop.*` exposes it. */
export class PyLoop {
  index0 = 0;
  private lastChanged: PyValue[] | undefined;
  constructor(
    readonly items: PyValue[],
    readonly depth0: number,
  ) {}
  /** `loop.changed(*values)`: true when the values differ from the previous call's. */
  changed(values: PyValue[], eq: (a: PyValue, b: PyValue) => boolean): boolean {
    const prev = this.lastChanged;
    this.lastChanged = values;
    if (prev === undefined || prev.length !== values.length) return true;
    return !values.every((v, i) => eq(v, prev[i] as PyValue));
  }
}

/** A `cycler(...)` object. */
export class PyCycler {
  pos = 0;
  constructor(readonly items: PyValue[]) {}
}

/** A `joiner(sep)` object. */
export class PyJoiner {
  used = false;
  constructor(readonly sep: PyValue) {}
}

/** Every value the engine computes with. */
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | JsonFloat
  | TStr
  | PyValue[]
  | PyTuple
  | PyDict
  | PyRange
  | PyNamespace
  | PyView
  | PyIter
  | PyCallable
  | PyUndefined
  | PyLoop
  | PyCycler
  | PyJoiner;

/**
 * An exception raised while rendering, named after the Python exception Jinja2 would raise. It
 * becomes a {@link KimiK2Error} `template_error` at the engine's boundary.
 */
export class PyError extends Error {
  constructor(
    readonly pyType: string,
    message: string,
  ) {
    super(message);
    this.name = pyType;
  }
}

/** Throws a {@link PyError}. */
export function pyRaise(pyType: string, message: string): never {
  throw new PyError(pyType, message);
}

/** Throws `template_unsupported`: the template needs something this engine cannot reproduce exactly. */
export function unsupported(construct: string, hint = ""): never {
  throw new KimiK2Error(
    "template_unsupported",
    `the Jinja engine does not support ${construct}${hint ? `: ${hint}` : ""}. ` +
      "Rendering it would not match Python Jinja2 byte for byte, so it refuses instead; " +
      "rewrite that part of the template, or render with the Python reference.",
    { details: { construct } },
  );
}

/** True for str values (markup strings and {@link TStr}). */
export function isStr(v: PyValue): v is string | TStr {
  return typeof v === "string" || v instanceof TStr;
}

/** The text of a str value. */
export function strText(v: string | TStr): string {
  return typeof v === "string" ? v : v.text;
}

/** True for Python ints (bool excluded). */
export function isInt(v: PyValue): v is number | bigint {
  return (typeof v === "number" && Number.isInteger(v)) || typeof v === "bigint";
}

/** True for Python floats. */
export function isFloat(v: PyValue): v is number | JsonFloat {
  return (typeof v === "number" && !Number.isInteger(v)) || v instanceof JsonFloat;
}

/** The numeric value of a float. */
export function floatValue(v: number | JsonFloat): number {
  return typeof v === "number" ? v : v.value;
}

/** Makes a float value (wrapping integral results so they stay floats). */
export function mkFloat(x: number): number | JsonFloat {
  return Number.isInteger(x) ? new JsonFloat(x) : x;
}

/** Normalises an int result: safe integers as `number` (never `-0`), others as `bigint`. */
export function mkInt(x: number | bigint): number | bigint {
  if (typeof x === "bigint") {
    return x >= -9007199254740991n && x <= 9007199254740991n ? Number(x) : x;
  }
  if (Number.isSafeInteger(x)) return x === 0 ? 0 : x;
  return BigInt(x);
}

/** True for lists and tuples (Python sequences other than str). */
export function isSeq(v: PyValue): v is PyValue[] | PyTuple {
  return Array.isArray(v) || v instanceof PyTuple;
}

/** The items of a list or tuple. */
export function seqItems(v: PyValue[] | PyTuple): PyValue[] {
  return Array.isArray(v) ? v : v.items;
}

/** The Python type name of a value, for error messages. */
export function typeName(v: PyValue): string {
  if (v === null) return "NoneType";
  switch (typeof v) {
    case "boolean":
      return "bool";
    case "number":
      return Number.isInteger(v) ? "int" : "float";
    case "bigint":
      return "int";
    case "string":
      return "str";
  }
  if (v instanceof TStr) return v.safe ? "Markup" : "str";
  if (v instanceof JsonFloat) return "float";
  if (Array.isArray(v)) return "list";
  if (v instanceof PyTuple) return "tuple";
  if (v instanceof PyDict) return "dict";
  if (v instanceof PyRange) return "range";
  if (v instanceof PyNamespace) return "Namespace";
  if (v instanceof PyView) return v.kind;
  if (v instanceof PyIter) return v.typeName;
  if (v instanceof PyCallable) return v.kind === "macro" ? "Macro" : "function";
  if (v instanceof PyUndefined) return "Undefined";
  if (v instanceof PyLoop) return "LoopContext";
  if (v instanceof PyCycler) return "Cycler";
  return "Joiner";
}

/**
 * Python 3.11's limit on decimal conversions of ints (`sys.get_int_max_str_digits()`): `str()`,
 * `repr()`, `json.dumps` and `int(text)` raise ValueError beyond 4300 digits.
 */
export const INT_MAX_STR_DIGITS = 4300;

/** An int's decimal digits as Python writes them, or Python's ValueError beyond {@link INT_MAX_STR_DIGITS}. */
export function intDecimal(v: bigint): string {
  const text = v.toString();
  if (text.length - (v < 0n ? 1 : 0) > INT_MAX_STR_DIGITS) {
    pyRaise("ValueError", `Exceeds the limit (${INT_MAX_STR_DIGITS} digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit`);
  }
  return text;
}

/** Raises the error a use of an undefined value raises in Jinja2. */
export function failUndefined(u: PyUndefined): never {
  return pyRaise(u.errorType, u.hint);
}
