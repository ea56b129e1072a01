/**
 * Attribute and item access as Jinja2's `ImmutableSandboxedEnvironment` performs it:
 * `obj.name` prefers a Python attribute (so `message.items` is the dict method), `obj[key]` prefers
 * the item; a missing one is `Undefined`; attributes starting with `_` are refused and methods that
 * mutate a list or dict (`append`, `pop`, `update`...) are "unsafe": reading them gives an undefined
 * value that raises `SecurityError` when used.
 *
 * @packageDocumentation
 */
import { contentStr, dictKeys, iterate, keepMarkup, pyEq, sliceStr, type Str } from "./jinja-ops.js";
import { STR_METHOD_NAMES, strMethod } from "./jinja-str-methods.js";
import {
  JsonFloat,
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
  type CallArgs,
  failUndefined,
  isStr,
  pyRaise,
  strText,
  typeName,
  unsupported,
  type PyValue,
} from "./py-values.js";

const DICT_SAFE = new Set(["get", "items", "keys", "values", "copy", "fromkeys"]);
const DICT_UNSAFE = new Set(["clear", "pop", "popitem", "setdefault", "update"]);
const LIST_SAFE = new Set(["count", "index", "copy"]);
const LIST_UNSAFE = new Set(["append", "clear", "extend", "insert", "pop", "remove", "reverse", "sort"]);
const NUMBER_ATTRS = new Set(["as_integer_ratio", "bit_count", "bit_length", "conjugate", "denominator", "from_bytes", "imag", "numerator", "real", "to_bytes", "fromhex", "hex", "is_integer"]);

function unsafe(obj: PyValue, attr: string): PyUndefined {
  return new PyUndefined(`access to attribute '${attr}' of '${typeName(obj)}' object is unsafe.`, "SecurityError");
}

function missingAttr(obj: PyValue, name: string): PyUndefined {
  return new PyUndefined(`'${typeName(obj) === "dict" ? "dict object" : typeName(obj) + " object"}' has no attribute '${name}'`);
}

function noArgs(a: CallArgs, name: string): void {
  if (a.args.length > 0 || (a.kwargs && a.kwargs.size > 0)) pyRaise("TypeError", `${name}() takes no arguments (${a.args.length} given)`);
}

function method(name: string, fn: (a: CallArgs) => PyValue): PyCallable {
  return new PyCallable(name, "method", fn);
}

function seqIndex(items: PyValue[], a: CallArgs, what: string): number {
  const [x, start, end] = a.args;
  const n = items.length;
  const norm = (v: PyValue | undefined, d: number): number => {
    if (v === undefined) return d;
    let k = Number(v);
    if (k < 0) k = Math.max(0, k + n);
    return Math.min(k, n);
  };
  for (let i = norm(start, 0); i < norm(end, n); i++) if (pyEq(items[i] as PyValue, x as PyValue)) return i;
  return pyRaise("ValueError", `${what}.index(x): x not in ${what}`);
}

function dictMethod(d: PyDict, name: string): PyValue {
  switch (name) {
    case "get":
      return method(name, (a) => {
        if (a.args.length < 1 || a.args.length > 2) pyRaise("TypeError", `get expected at most 2 arguments, got ${a.args.length}`);
        const key = a.args[0] as PyValue;
        const found = isStr(key) ? d.map.get(strText(key)) : undefined;
        return found !== undefined ? found : a.args.length > 1 ? (a.args[1] as PyValue) : null;
      });
    case "items":
      return method(name, (a) => {
        noArgs(a, name);
        return new PyView("dict_items", [...d.map].map(([k, v]) => new PyTuple([d.keysContent ? contentStr(k) : k, v])));
      });
    case "keys":
      return method(name, (a) => (noArgs(a, name), new PyView("dict_keys", dictKeys(d))));
    case "values":
      return method(name, (a) => (noArgs(a, name), new PyView("dict_values", [...d.map.values()])));
    case "copy":
      return method(name, (a) => (noArgs(a, name), new PyDict(new Map(d.map), d.keysContent)));
  }
  return method(name, () => unsupported(`the dict.${name}() method`));
}

function listMethod(items: PyValue[], isTuple: boolean, name: string): PyValue {
  const what = isTuple ? "tuple" : "list";
  switch (name) {
    case "count":
      return method(name, (a) => items.filter((x) => pyEq(x, a.args[0] as PyValue)).length);
    case "index":
      return method(name, (a) => seqIndex(items, a, what));
    case "copy":
      return method(name, (a) => (noArgs(a, name), items.slice()));
  }
  return unsupported(`the ${what}.${name}() method`);
}

function loopAttr(loop: PyLoop, name: string): PyValue {
  const i = loop.index0;
  const n = loop.items.length;
  switch (name) {
    case "index": return i + 1;
    case "index0": return i;
    case "revindex": return n - i;
    case "revindex0": return n - i - 1;
    case "first": return i === 0;
    case "last": return i === n - 1;
    case "length": return n;
    case "depth": return loop.depth0 + 1;
    case "depth0": return loop.depth0;
    case "previtem": return i > 0 ? (loop.items[i - 1] as PyValue) : new PyUndefined("there is no previous item");
    case "nextitem": return i < n - 1 ? (loop.items[i + 1] as PyValue) : new PyUndefined("there is no next item");
    case "cycle":
      return method(name, (a) => {
        if (a.args.length === 0) pyRaise("TypeError", "no items for cycling given");
        return a.args[i % a.args.length] as PyValue;
      });
    case "changed":
      return method(name, (a) => loop.changed(a.args, pyEq));
  }
  return new PyUndefined(`'LoopContext object' has no attribute '${name}'`);
}

/**
 * `obj.name` in the sandbox.
 *
 * @throws a Python `UndefinedError` when `obj` is undefined.
 */
export function envGetattr(obj: PyValue, name: string): PyValue {
  if (obj instanceof PyUndefined) return failUndefined(obj);
  if (name.startsWith("__") && name.endsWith("__") && name.length > 4) return unsafe(obj, name);
  if (obj instanceof PyDict) {
    if (DICT_SAFE.has(name)) return dictMethod(obj, name);
    if (DICT_UNSAFE.has(name)) return unsafe(obj, name);
    const v = obj.map.get(name);
    return v !== undefined ? v : missingAttr(obj, name);
  }
  if (isStr(obj)) {
    if (STR_METHOD_NAMES.has(name)) return strMethod(obj, name);
    return missingAttr(obj, name);
  }
  if (Array.isArray(obj) || obj instanceof PyTuple) {
    const isTuple = obj instanceof PyTuple;
    const items = isTuple ? obj.items : obj;
    if (LIST_SAFE.has(name) && !(isTuple && name === "copy")) return listMethod(items, isTuple, name);
    if (!isTuple && LIST_UNSAFE.has(name)) return unsafe(obj, name);
    return missingAttr(obj, name);
  }
  if (obj instanceof PyNamespace) {
    const v = obj.map.get(name);
    return v !== undefined ? v : missingAttr(obj, name);
  }
  if (obj instanceof PyLoop) return loopAttr(obj, name);
  if (obj instanceof PyCycler) {
    if (name === "current") return obj.items[obj.pos] as PyValue;
    if (name === "next") {
      return method(name, () => {
        const v = obj.items[obj.pos] as PyValue;
        obj.pos = (obj.pos + 1) % obj.items.length;
        return v;
      });
    }
    if (name === "reset") return method(name, () => ((obj.pos = 0), null));
    return missingAttr(obj, name);
  }
  if (obj instanceof PyRange) {
    if (name === "start" || name === "stop" || name === "step") return obj[name];
    if (name === "count" || name === "index") return listMethod(iterate(obj), true, name);
    return missingAttr(obj, name);
  }
  if (obj === null || typeof obj === "boolean" || typeof obj === "number" || typeof obj === "bigint" || obj instanceof JsonFloat) {
    if (obj !== null && NUMBER_ATTRS.has(name)) return unsupported(`the numeric attribute .${name}`);
    return missingAttr(obj, name);
  }
  if (obj instanceof PyView || obj instanceof PyIter || obj instanceof PyCallable || obj instanceof PyJoiner) {
    return unsupported(`attribute .${name} of a ${typeName(obj)} object`);
  }
  return missingAttr(obj, name);
}

function indexOf(key: PyValue): number | undefined {
  if (typeof key === "boolean") return key ? 1 : 0;
  if (typeof key === "number" && Number.isInteger(key)) return key;
  if (typeof key === "bigint") return Number(key);
  return undefined;
}

/** The code point at index `i` of a str, keeping provenance (`undefined` when out of range). */
function charAt(s: Str, i: number): Str | undefined {
  const text = strText(s);
  if (!/[\ud800-\udfff]/.test(text)) {
    const k = i < 0 ? i + text.length : i;
    return k < 0 || k >= text.length ? undefined : sliceStr(s, k, k + 1);
  }
  const cps = Array.from(text);
  const k = i < 0 ? i + cps.length : i;
  if (k < 0 || k >= cps.length) return undefined;
  let off = 0;
  for (let j = 0; j < k; j++) off += (cps[j] as string).length;
  return sliceStr(s, off, off + (cps[k] as string).length);
}

/**
 * `obj[key]` in the sandbox.
 *
 * @throws a Python `UndefinedError` when `obj` is undefined.
 */
export function envGetitem(obj: PyValue, key: PyValue): PyValue {
  if (obj instanceof PyUndefined) return failUndefined(obj);
  if (obj instanceof PyDict) {
    if (isStr(key)) {
      const v = obj.map.get(strText(key));
      if (v !== undefined) return v;
    }
  } else if (Array.isArray(obj) || obj instanceof PyTuple || obj instanceof PyRange) {
    const i = indexOf(key);
    if (i !== undefined) {
      const n = obj instanceof PyRange ? obj.length : Array.isArray(obj) ? obj.length : obj.items.length;
      const k = i < 0 ? i + n : i;
      if (k >= 0 && k < n) return obj instanceof PyRange ? obj.at(k) : Array.isArray(obj) ? (obj[k] as PyValue) : (obj.items[k] as PyValue);
      return new PyUndefined(`${typeName(obj)} object has no element ${i}`);
    }
  } else if (isStr(obj)) {
    const i = indexOf(key);
    if (i !== undefined) {
      const c = charAt(obj, i);
      return c === undefined ? new PyUndefined(`str object has no element ${i}`) : keepMarkup(obj, c);
    }
  }
  // Python's item lookup failed (or does not apply): Jinja2 falls back to the attribute.
  if (isStr(key)) return envGetattr(obj, strText(key));
  return new PyUndefined(`${typeName(obj)} object has no element ${typeof key === "string" ? key : typeName(key)}`);
}

function sliceIndex(v: PyValue): number | undefined {
  if (v === null || v instanceof PyUndefined) return undefined;
  const i = indexOf(v);
  if (i === undefined) return pyRaise("TypeError", "slice indices must be integers or None or have an __index__ method");
  return i;
}

/** Python's `slice.indices(len)`: the positions a slice selects. */
function slicePositions(n: number, startV: PyValue, stopV: PyValue, stepV: PyValue): number[] {
  const step = sliceIndex(stepV) ?? 1;
  if (step === 0) return pyRaise("ValueError", "slice step cannot be zero");
  const adjust = (v: number | undefined, dflt: number, lo: number, hi: number): number => {
    if (v === undefined) return dflt;
    if (v < 0) return Math.max(v + n, lo);
    return Math.min(v, hi);
  };
  const out: number[] = [];
  if (step > 0) {
    const start = adjust(sliceIndex(startV), 0, 0, n);
    const stop = adjust(sliceIndex(stopV), n, 0, n);
    for (let i = start; i < stop; i += step) out.push(i);
  } else {
    const start = adjust(sliceIndex(startV), n - 1, -1, n - 1);
    const stop = adjust(sliceIndex(stopV), -1, -1, n - 1);
    for (let i = start; i > stop; i += step) out.push(i);
  }
  return out;
}

/** `obj[start:stop:step]`. */
export function envSlice(obj: PyValue, start: PyValue, stop: PyValue, step: PyValue): PyValue {
  if (obj instanceof PyUndefined) return failUndefined(obj);
  if (isStr(obj)) {
    const text = strText(obj);
    const hasSurrogates = /[\ud800-\udfff]/.test(text);
    const cps = hasSurrogates ? Array.from(text) : null;
    const n = cps ? cps.length : text.length;
    const pos = slicePositions(n, start, stop, step);
    const stepN = sliceIndex(step) ?? 1;
    if (stepN === 1) {
      if (pos.length === 0) return keepMarkup(obj, "");
      const unit = (k: number): number => {
        if (!cps) return k;
        let off = 0;
        for (let j = 0; j < k; j++) off += (cps[j] as string).length;
        return off;
      };
      return keepMarkup(obj, sliceStr(obj, unit(pos[0] as number), unit((pos[pos.length - 1] as number) + 1)));
    }
    const chars = cps ?? Array.from(text);
    const out = pos.map((k) => chars[k] as string).join("");
    return keepMarkup(obj, obj instanceof TStr && !(obj.parts !== null && obj.parts.every((p) => p.kind === "markup")) ? contentStr(out) : out);
  }
  if (Array.isArray(obj) || obj instanceof PyTuple || obj instanceof PyRange) {
    const items = Array.isArray(obj) ? obj : obj instanceof PyTuple ? obj.items : iterate(obj);
    const picked = slicePositions(items.length, start, stop, step).map((k) => items[k] as PyValue);
    if (obj instanceof PyRange) {
      return unsupported("slicing a range", "Python returns another range object");
    }
    return obj instanceof PyTuple ? new PyTuple(picked) : picked;
  }
  return pyRaise("TypeError", `'${typeName(obj)}' object is not subscriptable`);
}

/**
 * Jinja2's `make_attrgetter`, used by `map(attribute=...)`, `sort(attribute=...)`, `selectattr`...:
 * `a.b.0` looks up each part in turn (digits as integers); `dflt` (when not None) replaces an
 * undefined step. Looking further into an undefined value raises, as in Python.
 */
export function attributePath(obj: PyValue, path: PyValue, dflt: PyValue = null): PyValue {
  const parts: PyValue[] = isStr(path) ? strText(path).split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p)) : [path];
  let v = obj;
  for (const part of parts) {
    v = envGetitem(v, part);
    if (dflt !== null && v instanceof PyUndefined) v = dflt;
  }
  return v;
}

/** True when a value is a callable Jinja2 would accept (`is callable`). */
export function isCallable(v: PyValue): boolean {
  return v instanceof PyCallable || v instanceof PyJoiner;
}

