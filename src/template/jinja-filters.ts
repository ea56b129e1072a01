/**
 * Jinja2 3.1's built-in filters with Python semantics, and Hugging Face's `tojson`. Filters Jinja2
 * has but this engine cannot reproduce exactly (`random`, `urlize`, `wordwrap`...) raise
 * `template_unsupported` when a template reaches them.
 *
 * @packageDocumentation
 */
import { attributePath, envGetattr } from "./jinja-attrs.js";
import {
  assertHashable,
  concatStr,
  keepMarkup,
  contentStr,
  derivedStr,
  fromParts,
  iterate,
  pyIterate,
  partsOf,
  pyArith,
  pyCompare,
  pyEq,
  pyLen,
  toStr,
  truthy,
  type Str,
} from "./jinja-ops.js";
import { callStrMethod } from "./jinja-str-methods.js";
import { TESTS, setFilterNames, type Test } from "./jinja-tests.js";
import { pyJsonDumps } from "./py-format.js";
import { parseFloatPy, toInt } from "./py-numbers.js";
import { pyPercent, pyRoundFloat } from "./py-strformat.js";
import { lowerCaseCharAt } from "./py-unicode.js";
import {
  JsonFloat,
  PyDict,
  PyIter,
  PyTuple,
  PyUndefined,
  TStr,
  type CallArgs,
  failUndefined,
  isFloat,
  isInt,
  isStr,
  mkFloat,
  mkInt,
  pyRaise,
  strText,
  typeName,
  unsupported,
  type PyValue,
} from "./py-values.js";

/** A filter: the value and the call's arguments. */
export type Filter = (value: PyValue, a: CallArgs) => PyValue;

/** Binds a call's arguments to named parameters with defaults, as Python does. */
export function bind(a: CallArgs, fname: string, params: readonly (readonly [string, PyValue | undefined])[]): PyValue[] {
  if (a.args.length > params.length) pyRaise("TypeError", `${fname}() takes at most ${params.length + 1} positional arguments`);
  const out: (PyValue | undefined)[] = params.map(([, d], i) => (i < a.args.length ? a.args[i] : d));
  if (a.kwargs) {
    for (const [k, v] of a.kwargs) {
      const i = params.findIndex(([p]) => p === k);
      if (i < 0) pyRaise("TypeError", `${fname}() got an unexpected keyword argument '${k}'`);
      if (i < a.args.length) pyRaise("TypeError", `${fname}() got multiple values for argument '${k}'`);
      out[i] = v;
    }
  }
  out.forEach((v, i) => {
    if (v === undefined) pyRaise("TypeError", `${fname}() missing required argument: '${(params[i] as readonly [string, unknown])[0]}'`);
  });
  return out as PyValue[];
}

const NO_ARGS: CallArgs = { args: [], kwargs: null };

function str(v: PyValue): Str {
  return toStr(v);
}

function ignoreCase(v: PyValue): PyValue {
  return isStr(v) ? strText(v).toLowerCase() : v;
}

/** Python's sorted() with Python's comparisons (stable). */
export function pySorted(items: PyValue[], key: (v: PyValue) => PyValue, reverse: boolean): PyValue[] {
  const keyed = items.map((v) => [key(v), v] as const);
  const lt = (a: PyValue, b: PyValue): boolean => pyCompare("<", a, b);
  // Python sorts with only '<'; reverse=True keeps equal items in their original order.
  const idx = keyed.map((_, i) => i);
  idx.sort((i, j) => {
    const a = (keyed[i] as readonly [PyValue, PyValue])[0];
    const b = (keyed[j] as readonly [PyValue, PyValue])[0];
    if (reverse ? lt(b, a) : lt(a, b)) return -1;
    if (reverse ? lt(a, b) : lt(b, a)) return 1;
    return i - j;
  });
  return idx.map((i) => (keyed[i] as readonly [PyValue, PyValue])[1]);
}

/** Jinja2's key function: `make_multi_attrgetter` (sort: comma-separated attributes) or `make_attrgetter`. */
function keyFn(attribute: PyValue, caseSensitive: boolean, multi = false): (v: PyValue) => PyValue {
  const parts: PyValue[] = attribute === null ? [] : multi && isStr(attribute) && strText(attribute).includes(",") ? strText(attribute).split(",") : [attribute];
  const get = (v: PyValue): PyValue => {
    if (parts.length === 0) return v;
    if (parts.length === 1) return attributePath(v, parts[0] as PyValue);
    return new PyTuple(parts.map((p) => attributePath(v, p)));
  };
  if (caseSensitive) return get;
  return (v) => {
    const k = get(v);
    return k instanceof PyTuple ? new PyTuple(k.items.map(ignoreCase)) : ignoreCase(k);
  };
}

function jinjaTitle(s: Str): Str {
  const text = strText(s);
  // Jinja2's do_title: split at runs of [-\s({[<], uppercase each piece's first character.
  const pieces = text.split(/([-\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000({[<]+)/);
  let out = "";
  for (const item of pieces) {
    if (!item) continue;
    const cps = Array.from(item);
    let rest = "";
    for (let i = 1; i < cps.length; i++) rest += lowerCaseCharAt(cps.slice(1), i - 1);
    out += (cps[0] as string).toUpperCase() + rest;
  }
  return derivedStr(out, [s]);
}

function htmlEscape(v: PyValue): TStr {
  if (v instanceof TStr && v.safe) return v;
  const s = toStr(v);
  const esc = (t: string): string => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&#34;").replace(/'/g, "&#39;");
  const parts = partsOf(s).map((p) => ({ text: esc(p.text), kind: p.kind }));
  const r = fromParts(parts, true);
  return r instanceof TStr ? r : new TStr(r, [{ text: r, kind: "markup" }], true);
}

function indentFilter(value: PyValue, a: CallArgs): PyValue {
  const [width, first, blank] = bind(a, "indent", [["width", 4], ["first", false], ["blank", false]]);
  if (!isStr(width as PyValue) && !isInt(width as PyValue) && typeof width !== "boolean") {
    return pyRaise("TypeError", `can't multiply sequence by non-int of type '${typeName(width as PyValue)}'`);
  }
  // Jinja2 appends "\n" to the value itself: anything but a string raises there.
  if (value instanceof PyUndefined) return failUndefined(value);
  if (!isStr(value)) return pyRaise("TypeError", `unsupported operand type(s) for +=: '${typeName(value)}' and 'str'`);
  const s = value;
  const ind: Str = isStr(width as PyValue) ? (width as Str) : " ".repeat(Math.max(0, Number(width)));
  const lines = callStrMethod(concatStr(s, "\n"), "splitlines", NO_ARGS) as Str[];
  let rv: Str;
  if (truthy(blank as PyValue)) {
    rv = "";
    lines.forEach((l, i) => (rv = i === 0 ? l : concatStr(concatStr(concatStr(rv, "\n"), ind), l)));
  } else {
    rv = lines[0] ?? "";
    for (let i = 1; i < lines.length; i++) {
      const l = lines[i] as Str;
      rv = concatStr(concatStr(rv, "\n"), strText(l) ? concatStr(ind, l) : l);
    }
  }
  if (truthy(first as PyValue)) rv = concatStr(ind, rv);
  return keepMarkup(value, rv);
}

function tojson(value: PyValue, a: CallArgs): PyValue {
  const [ensureAscii, indent, separators, sortKeys] = bind(a, "tojson", [["ensure_ascii", false], ["indent", null], ["separators", null], ["sort_keys", false]]);
  let seps: [PyValue, PyValue] | null = null;
  if (separators !== null) {
    // JSONEncoder.__init__ unpacks any iterable of two items (a string "ab", a dict's two keys...).
    const items = iterate(separators as PyValue);
    if (items.length !== 2) return pyRaise("ValueError", `${items.length > 2 ? "too many" : "not enough"} values to unpack (expected 2${items.length < 2 ? `, got ${items.length}` : ""})`);
    seps = items as [PyValue, PyValue];
  }
  // JSONEncoder.encode returns a string's JSON at once: indent, separators and sort_keys are never read.
  if (isStr(value)) return contentStr(pyJsonDumps(value, { ensureAscii: truthy(ensureAscii as PyValue) }));
  let ind: number | string | null = null;
  if (indent !== null) {
    if (isStr(indent as PyValue)) ind = strText(indent as Str);
    else if (isInt(indent as PyValue) || typeof indent === "boolean") ind = Number(indent);
    else return pyRaise("TypeError", `can't multiply sequence by non-int of type '${typeName(indent as PyValue)}'`);
  }
  if (seps !== null && !(isStr(seps[0]) && isStr(seps[1]))) {
    // Without an indent the C encoder checks the types up front; with one, Python's own encoder
    // fails only where it writes a separator, which depends on the value's shape.
    if (ind !== null) return unsupported("tojson separators that are not strings together with an indent");
    const bad = isStr(seps[0]) ? seps[1] : seps[0];
    return pyRaise("TypeError", `make_encoder() argument ${isStr(seps[0]) ? 6 : 5} must be str, not ${typeName(bad)}`);
  }
  const sepText: [string, string] | null = seps === null ? null : [strText(seps[0] as Str), strText(seps[1] as Str)];
  const text = pyJsonDumps(value, { ensureAscii: truthy(ensureAscii as PyValue), indent: ind, separators: sepText, sortKeys: truthy(sortKeys as PyValue) });
  return contentStr(text);
}

/** A lazy generator result, as Jinja2's generator filters return. */
function generator(items: () => Iterable<PyValue>): PyIter {
  return new PyIter(items()[Symbol.iterator](), "generator");
}

function selectOrReject(value: PyValue, a: CallArgs, select: boolean, byAttr: boolean, fname: string): PyValue {
  return generator(function* () {
    // Jinja2: `if value:` first, then the arguments are read when iteration starts.
    if (!truthy(value)) return;
    const args = a.args.slice();
    let attr: PyValue = null;
    if (byAttr) {
      if (args.length === 0) pyRaise("FilterArgumentError", "Missing parameter for attribute name");
      attr = args.shift() as PyValue;
    }
    let test: (v: PyValue) => boolean = truthy;
    if (args.length > 0) {
      const name = args.shift() as PyValue;
      const fn = isStr(name) ? TESTS[strText(name)] : undefined;
      if (fn === undefined) pyRaise("TemplateRuntimeError", `No test named ${isStr(name) ? `'${strText(name)}'` : "given"}.`);
      const rest = { args, kwargs: a.kwargs };
      test = (v) => (fn as Test)(v, rest);
    }
    for (const item of pyIterate(value)) {
      if (test(byAttr ? attributePath(item, attr) : item) === select) yield item;
    }
  });
}

function minmax(value: PyValue, a: CallArgs, fname: string): PyValue {
  const [cs, attribute] = bind(a, fname, [["case_sensitive", false], ["attribute", null]]);
  const items = iterate(value);
  if (items.length === 0) return new PyUndefined("No aggregated item, sequence was empty.");
  const key = keyFn(attribute as PyValue, truthy(cs as PyValue));
  let best = items[0] as PyValue;
  let bestKey = key(best);
  for (const it of items.slice(1)) {
    const k = key(it);
    if (fname === "min" ? pyCompare("<", k, bestKey) : pyCompare(">", k, bestKey)) {
      best = it;
      bestKey = k;
    }
  }
  return best;
}

function roundFilter(value: PyValue, a: CallArgs): PyValue {
  const [precision, method] = bind(a, "round", [["precision", 0], ["method", "common"]]);
  const m = isStr(method as PyValue) ? strText(method as Str) : "";
  if (m !== "common" && m !== "ceil" && m !== "floor") return pyRaise("FilterArgumentError", "method must be common, ceil or floor");
  if (m === "common" && precision === null) {
    // round(x, None) is round(x): an int.
    if (isInt(value)) return value;
    if (typeof value === "boolean") return value ? 1 : 0;
    if (!isFloat(value)) return pyRaise("TypeError", `type ${typeName(value)} doesn't define __round__ method`);
    const r = pyRoundFloat(Number(value), 0);
    if (Number.isNaN(r)) return pyRaise("ValueError", "cannot convert float NaN to integer");
    if (!Number.isFinite(r)) return pyRaise("OverflowError", "cannot convert float infinity to integer");
    return mkInt(Number.isSafeInteger(r) ? r : BigInt(r));
  }
  if (m === "common" && !isInt(precision as PyValue) && typeof precision !== "boolean") {
    return pyRaise("TypeError", `'${typeName(precision as PyValue)}' object cannot be interpreted as an integer`);
  }
  if (m !== "common" && precision === null) return pyRaise("TypeError", "unsupported operand type(s) for ** or pow(): 'int' and 'NoneType'");
  if (m !== "common" && !isInt(precision as PyValue) && typeof precision !== "boolean") {
    // 10 ** precision: a float or None precision goes through a float power.
    return unsupported(`round(method='${m}') with a precision that is not an int`);
  }
  const p = Number(precision);
  if (m === "common") {
    if (isInt(value) || typeof value === "boolean") {
      if (p >= 0) return typeof value === "boolean" ? (value ? 1 : 0) : value;
      return unsupported("round() of an int to a negative precision");
    }
    if (!isFloat(value)) return pyRaise("TypeError", `type ${typeName(value)} doesn't define __round__ method`);
    return mkFloat(pyRoundFloat(Number(value), p));
  }
  const x = Number(typeof value === "boolean" ? (value ? 1 : 0) : value instanceof JsonFloat ? value.value : value);
  const scale = 10 ** p;
  return mkFloat((m === "ceil" ? Math.ceil(x * scale) : Math.floor(x * scale)) / scale);
}

function unsupportedFilter(name: string): Filter {
  return () => unsupported(`the |${name} filter`);
}

/** Jinja2's filters by name. */
export const FILTERS: Record<string, Filter> = {
  abs: (v, a) => {
    bind(a, "abs", []);
    if (typeof v === "boolean") return v ? 1 : 0;
    if (isInt(v)) return typeof v === "bigint" ? mkInt(v < 0n ? -v : v) : Math.abs(v);
    if (isFloat(v)) return mkFloat(Math.abs(Number(v)));
    return pyRaise("TypeError", `bad operand type for abs(): '${typeName(v)}'`);
  },
  attr: (v, a) => {
    const [name] = bind(a, "attr", [["name", undefined]]);
    if (!isStr(name as PyValue)) return new PyUndefined("attribute name must be a string");
    // Jinja2's attr filter looks up the attribute only, never the item.
    if (v instanceof PyDict && !["get", "items", "keys", "values", "copy", "fromkeys", "clear", "pop", "popitem", "setdefault", "update"].includes(strText(name as Str))) {
      return new PyUndefined(`'dict object' has no attribute '${strText(name as Str)}'`);
    }
    return envGetattr(v, strText(name as Str));
  },
  batch: (v, a) => {
    const [count, fill] = bind(a, "batch", [["linecount", undefined], ["fill_with", null]]);
    const n = Number(count);
    return generator(function* () {
      let tmp: PyValue[] = [];
      for (const item of pyIterate(v)) {
        if (tmp.length === n) {
          yield tmp;
          tmp = [];
        }
        tmp.push(item);
      }
      if (tmp.length) {
        if (fill !== null) while (tmp.length < n) tmp.push(fill as PyValue);
        yield tmp;
      }
    });
  },
  capitalize: (v, a) => (bind(a, "capitalize", []), keepMarkup(v, callStrMethod(str(v), "capitalize", NO_ARGS))),
  center: (v, a) => {
    const [w] = bind(a, "center", [["width", 80]]);
    return keepMarkup(v, callStrMethod(str(v), "center", { args: [w as PyValue], kwargs: null }));
  },
  count: (v, a) => (bind(a, "count", []), pyLen(v)),
  default: (v, a) => {
    const [dflt, boolean] = bind(a, "default", [["default_value", ""], ["boolean", false]]);
    return v instanceof PyUndefined || (truthy(boolean as PyValue) && !truthy(v)) ? (dflt as PyValue) : v;
  },
  dictsort: (v, a) => {
    const [cs, by, reverse] = bind(a, "dictsort", [["case_sensitive", false], ["by", "key"], ["reverse", false]]);
    if (!(v instanceof PyDict)) return pyRaise("TypeError", "dictsort requires a mapping");
    const pos = isStr(by as PyValue) && strText(by as Str) === "value" ? 1 : isStr(by as PyValue) && strText(by as Str) === "key" ? 0 : pyRaise("FilterArgumentError", "You can only sort by either \"key\" or \"value\"");
    const items = [...v.map].map(([k, val]) => new PyTuple([v.keysContent ? contentStr(k) : k, val]));
    const caseSensitive = truthy(cs as PyValue);
    return pySorted(items, (t) => {
      const x = (t as PyTuple).items[pos] as PyValue;
      return caseSensitive ? x : ignoreCase(x);
    }, truthy(reverse as PyValue));
  },
  escape: (v, a) => (bind(a, "escape", []), htmlEscape(v)),
  first: (v, a) => {
    bind(a, "first", []);
    const first = v instanceof PyIter ? v.next() : iterate(v)[0];
    return first !== undefined ? first : new PyUndefined("No first item, sequence was empty.");
  },
  float: (v, a) => {
    const [dflt] = bind(a, "float", [["default", mkFloat(0)]]);
    // float(Undefined) raises UndefinedError, which the filter does not catch.
    if (v instanceof PyUndefined) return failUndefined(v);
    if (isStr(v)) {
      const f = parseFloatPy(strText(v));
      return f === undefined ? (dflt as PyValue) : mkFloat(f);
    }
    if (typeof v === "bigint" && !Number.isFinite(Number(v))) return pyRaise("OverflowError", "int too large to convert to float");
    if (typeof v === "boolean" || isInt(v) || isFloat(v)) return mkFloat(Number(typeof v === "boolean" ? (v ? 1 : 0) : v instanceof JsonFloat ? v.value : v));
    return dflt as PyValue;
  },
  forceescape: (v, a) => (bind(a, "forceescape", []), htmlEscape(v instanceof TStr ? new TStr(v.text, v.parts) : v)),
  format: (v, a) => {
    if (v instanceof TStr && v.safe) return unsupported("|format on a Markup string", "Markup escapes the arguments");
    if (a.args.length > 0 && a.kwargs && a.kwargs.size > 0) return pyRaise("FilterArgumentError", "can't handle positional and keyword arguments at the same time");
    const rhs: PyValue = a.kwargs && a.kwargs.size > 0 ? new PyDict(new Map(a.kwargs), false) : new PyTuple(a.args);
    return pyPercent(str(v), rhs);
  },
  indent: indentFilter,
  int: (v, a) => {
    const [dflt, base] = bind(a, "int", [["default", 0], ["base", 10]]);
    // int(Undefined) raises UndefinedError, which the filter does not catch.
    if (v instanceof PyUndefined) return failUndefined(v);
    return toInt(v, dflt as PyValue, Number(base));
  },
  items: (v, a) => {
    bind(a, "items", []);
    if (v instanceof PyUndefined) return generator(() => []);
    if (!(v instanceof PyDict)) return pyRaise("TypeError", "Can only get item pairs from a mapping.");
    return generator(() => [...v.map].map(([k, val]) => new PyTuple([v.keysContent ? contentStr(k) : k, val])));
  },
  join: (v, a) => {
    const [d, attribute] = bind(a, "join", [["d", ""], ["attribute", null]]);
    let items = [...pyIterate(v)];
    if (attribute !== null) items = items.map((x) => attributePath(x, attribute as PyValue));
    const sep = str(d as PyValue);
    let acc: Str = "";
    items.forEach((x, i) => (acc = i === 0 ? str(x) : concatStr(concatStr(acc, sep), str(x))));
    return acc;
  },
  last: (v, a) => {
    bind(a, "last", []);
    if (v instanceof PyIter) return pyRaise("TypeError", `'${v.typeName}' object is not reversible`);
    const items = iterate(v);
    // reversed() indexes the value: the last character of a Markup string is Markup.
    return items.length ? keepMarkup(v, items[items.length - 1] as PyValue) : new PyUndefined("No last item, sequence was empty.");
  },
  length: (v, a) => (bind(a, "length", []), pyLen(v)),
  list: (v, a) => (bind(a, "list", []), iterate(v).slice()),
  lower: (v, a) => (bind(a, "lower", []), keepMarkup(v, callStrMethod(str(v), "lower", NO_ARGS))),
  map: (v, a) =>
    generator(function* () {
      if (!truthy(v)) return;
      let func: (x: PyValue) => PyValue;
      if (a.args.length === 0 && a.kwargs?.has("attribute")) {
        const kw = new Map(a.kwargs);
        const attr = kw.get("attribute") as PyValue;
        const dflt = kw.get("default") ?? null;
        kw.delete("attribute");
        kw.delete("default");
        if (kw.size > 0) pyRaise("FilterArgumentError", `Unexpected keyword argument '${kw.keys().next().value}'`);
        func = (x) => attributePath(x, attr, dflt);
      } else {
        const [name, ...rest] = a.args;
        if (name === undefined) pyRaise("FilterArgumentError", "map requires a filter argument");
        const f = isStr(name as PyValue) ? FILTERS[strText(name as Str)] : undefined;
        if (f === undefined) pyRaise("TemplateRuntimeError", `No filter named ${isStr(name as PyValue) ? `'${strText(name as Str)}'` : "given"}.`);
        const call = { args: rest, kwargs: a.kwargs };
        func = (x) => (f as Filter)(x, call);
      }
      for (const x of pyIterate(v)) yield func(x);
    }),
  max: (v, a) => minmax(v, a, "max"),
  min: (v, a) => minmax(v, a, "min"),
  reject: (v, a) => selectOrReject(v, a, false, false, "reject"),
  rejectattr: (v, a) => selectOrReject(v, a, false, true, "rejectattr"),
  replace: (v, a) => {
    const [o, n, c] = bind(a, "replace", [["old", undefined], ["new", undefined], ["count", null]]);
    return callStrMethod(str(v), "replace", { args: [str(o as PyValue), str(n as PyValue), c === null ? -1 : (c as PyValue)], kwargs: null });
  },
  reverse: (v, a) => {
    bind(a, "reverse", []);
    if (isStr(v)) return keepMarkup(v, derivedStr(Array.from(strText(v)).reverse().join(""), [v]));
    if (v instanceof PyIter) return iterate(v).slice().reverse();
    const items = iterate(v).slice().reverse();
    return new PyIter(items[Symbol.iterator](), Array.isArray(v) ? "list_reverseiterator" : "reversed");
  },
  round: roundFilter,
  safe: (v, a) => {
    bind(a, "safe", []);
    const s = str(v);
    return new TStr(strText(s), typeof s === "string" ? [{ text: s, kind: "markup" }] : s.parts, true);
  },
  select: (v, a) => selectOrReject(v, a, true, false, "select"),
  selectattr: (v, a) => selectOrReject(v, a, true, true, "selectattr"),
  slice: (v, a) => {
    const [slices, fill] = bind(a, "slice", [["slices", undefined], ["fill_with", null]]);
    return generator(function* () {
      const seq = iterate(v);
      if (!isInt(slices as PyValue) && typeof slices !== "boolean") {
        return pyRaise("TypeError", `'${typeName(slices as PyValue)}' object cannot be interpreted as an integer`);
      }
      const n = Number(slices);
      if (n === 0) return pyRaise("ZeroDivisionError", "integer division or modulo by zero");
      const per = Math.floor(seq.length / n);
      const extra = seq.length % n;
      let offset = 0;
      for (let i = 0; i < n; i++) {
        const start = offset + i * per;
        if (i < extra) offset++;
        const chunk = seq.slice(start, offset + (i + 1) * per);
        if (fill !== null && i >= extra) chunk.push(fill as PyValue);
        yield chunk;
      }
    });
  },
  sort: (v, a) => {
    const [reverse, cs, attribute] = bind(a, "sort", [["reverse", false], ["case_sensitive", false], ["attribute", null]]);
    return pySorted(iterate(v), keyFn(attribute as PyValue, truthy(cs as PyValue), true), truthy(reverse as PyValue));
  },
  string: (v, a) => (bind(a, "string", []), v instanceof TStr && v.safe ? v : str(v)),
  sum: (v, a) => {
    const [attribute, start] = bind(a, "sum", [["attribute", null], ["start", 0]]);
    let acc = start as PyValue;
    for (const x of iterate(v)) {
      const item = attribute === null ? x : attributePath(x, attribute as PyValue);
      if (isStr(acc)) return pyRaise("TypeError", "sum() can't sum strings [use ''.join(seq) instead]");
      acc = pyArith("+", acc, item);
    }
    return acc;
  },
  title: (v, a) => (bind(a, "title", []), jinjaTitle(str(v))),
  tojson,
  trim: (v, a) => {
    const [chars] = bind(a, "trim", [["chars", null]]);
    if (chars !== null && v instanceof TStr && v.safe) return unsupported("|trim(chars) on a Markup string", "Markup escapes the characters");
    return keepMarkup(v, callStrMethod(str(v), "strip", { args: chars === null ? [] : [chars as PyValue], kwargs: null }));
  },
  truncate: (v, a) => {
    const [length, killwords, end, leeway] = bind(a, "truncate", [["length", 255], ["killwords", false], ["end", "..."], ["leeway", null]]);
    if (v instanceof TStr && v.safe) return unsupported("|truncate on a Markup string", "Markup escapes the ending");
    if (!isStr(end as PyValue) || !isInt(length as PyValue) || (leeway !== null && !isInt(leeway as PyValue))) {
      return unsupported("|truncate with a length, leeway or end of another type");
    }
    const endS = end as Str;
    const endLen = Array.from(strText(endS)).length;
    const len = Number(length);
    const lw = leeway === null ? 5 : Number(leeway);
    if (len < endLen) return pyRaise("AssertionError", `expected length >= ${endLen}, got ${len}`);
    if (lw < 0) return pyRaise("AssertionError", `expected leeway >= 0, got ${lw}`);
    // Jinja2 measures the value itself with len(): a short list comes back unchanged, a long one
    // fails on the slicing that follows, and values without a length raise.
    if (!isStr(v)) {
      if (v instanceof PyUndefined) return v;
      if (!Array.isArray(v) && !(v instanceof PyTuple) && !(v instanceof PyDict)) return pyRaise("TypeError", `object of type '${typeName(v)}' has no len()`);
      if (pyLen(v) <= len + lw) return v;
      return unsupported("|truncate of a long list, tuple or dict");
    }
    const s = v;
    const cps = Array.from(strText(s));
    if (cps.length <= len + lw) return s;
    const head = cps.slice(0, len - endLen).join("");
    if (truthy(killwords as PyValue)) return derivedStr(head + strText(endS), [s, endS]);
    const cut = head.lastIndexOf(" ");
    return derivedStr((cut >= 0 ? head.slice(0, cut) : head) + strText(endS), [s, endS]);
  },
  unique: (v, a) => {
    const [cs, attribute] = bind(a, "unique", [["case_sensitive", false], ["attribute", null]]);
    const key = keyFn(attribute as PyValue, truthy(cs as PyValue));
    return generator(function* () {
      const seen: PyValue[] = [];
      for (const x of pyIterate(v)) {
        const k = key(x);
        assertHashable(k);
        if (!seen.some((s) => pyEq(s, k))) {
          seen.push(k);
          yield x;
        }
      }
    });
  },
  upper: (v, a) => (bind(a, "upper", []), keepMarkup(v, callStrMethod(str(v), "upper", NO_ARGS))),
  wordcount: (v, a) => (bind(a, "wordcount", []), (strText(str(v)).match(/[\p{L}\p{N}_]+/gu) ?? []).length),
  filesizeformat: unsupportedFilter("filesizeformat"),
  groupby: unsupportedFilter("groupby"),
  pprint: unsupportedFilter("pprint"),
  random: unsupportedFilter("random"),
  striptags: unsupportedFilter("striptags"),
  urlencode: unsupportedFilter("urlencode"),
  urlize: unsupportedFilter("urlize"),
  wordwrap: unsupportedFilter("wordwrap"),
  xmlattr: unsupportedFilter("xmlattr"),
};
FILTERS.d = FILTERS.default as Filter;
FILTERS.e = FILTERS.escape as Filter;
setFilterNames(new Set(Object.keys(FILTERS)));

