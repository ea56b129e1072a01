/**
 * Python `str` methods as templates call them (`content.strip()`, `name.split('.')`...), with code
 * point semantics and provenance: slices of a string keep their origin, texts computed from it are
 * content unless every input was markup.
 *
 * @packageDocumentation
 */
import {
  codePointLength,
  concatStr,
  derivedStr,
  fromParts,
  isMarkupOnly,
  iterate,
  partsOf,
  sliceStr,
  type Str,
} from "./jinja-ops.js";
import { pyFormatMethod } from "./py-strformat.js";
import { PY_LINE_BREAKS, isPyWhitespace, pyCapitalize, pyTitle } from "./py-unicode.js";
import {
  PyCallable,
  PyTuple,
  TStr,
  type CallArgs,
  isInt,
  isStr,
  pyRaise,
  strText,
  typeName,
  unsupported,
  type PyValue,
} from "./py-values.js";

/** Every public method name of Python's `str` (3.11). */
export const STR_METHOD_NAMES = new Set([
  "capitalize", "casefold", "center", "count", "encode", "endswith", "expandtabs", "find", "format", "format_map",
  "index", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier", "islower", "isnumeric",
  "isprintable", "isspace", "istitle", "isupper", "join", "ljust", "lower", "lstrip", "maketrans", "partition",
  "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit", "rstrip", "split",
  "splitlines", "startswith", "strip", "swapcase", "title", "translate", "upper", "zfill",
]);

const SURROGATE = /[\ud800-\udfff]/;

/** UTF-16 offset of code point index `cp` in `s` (clamped). */
function unitOffset(s: string, cp: number): number {
  if (!SURROGATE.test(s)) return Math.min(cp, s.length);
  let off = 0;
  for (let i = 0; i < cp && off < s.length; i++) {
    const c = s.charCodeAt(off);
    off += c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(off + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
  }
  return off;
}

/** Code point index of UTF-16 offset `off`. */
function cpIndex(s: string, off: number): number {
  return SURROGATE.test(s) ? codePointLength(s.slice(0, off)) : off;
}

/**
 * Python's index adjustment for `start`/`end` arguments (code points): negative values count from
 * the end (floored at 0), `end` is capped at the length, but `start` is not, so a start beyond the
 * end gives `start > end` and the callers' "not found" (`'abc'.find('', 5)` is -1, not 3).
 */
function clampRange(len: number, start: PyValue | undefined, end: PyValue | undefined): [number, number] {
  const norm = (v: PyValue | undefined, dflt: number): number => {
    if (v === undefined || v === null) return dflt;
    if (!isInt(v) && typeof v !== "boolean") return pyRaise("TypeError", "slice indices must be integers or None or have an __index__ method");
    const n = Number(v);
    return n < 0 ? Math.max(0, n + len) : n;
  };
  return [norm(start, 0), Math.min(norm(end, len), len)];
}

function needStr(v: PyValue | undefined, what: string): Str {
  if (v === undefined || !isStr(v)) return pyRaise("TypeError", `${what} must be str, not ${v === undefined ? "nothing" : typeName(v)}`);
  return v;
}

function positional(a: CallArgs, method: string, max: number, min = 0, kw: readonly string[] = []): (PyValue | undefined)[] {
  const out: (PyValue | undefined)[] = a.args.slice();
  if (a.kwargs) {
    for (const [k, v] of a.kwargs) {
      const idx = kw.indexOf(k);
      if (idx < 0) return pyRaise("TypeError", `${method}() takes no keyword argument '${k}'`);
      out[idx] = v;
    }
  }
  if (a.args.length > max) return pyRaise("TypeError", `${method}() takes at most ${max} arguments (${a.args.length} given)`);
  if (a.args.length < min && !a.kwargs) return pyRaise("TypeError", `${method}() takes at least ${min} argument(s) (${a.args.length} given)`);
  return out;
}

function stripStr(self: Str, chars: PyValue | undefined, left: boolean, right: boolean): Str {
  const text = strText(self);
  let test: (ch: string) => boolean;
  if (chars === undefined || chars === null) test = isPyWhitespace;
  else {
    const set = new Set(Array.from(strText(needStr(chars, "strip arg"))));
    test = (ch) => set.has(ch);
  }
  const cps = Array.from(text);
  let i = 0;
  let j = cps.length;
  if (left) while (i < j && test(cps[i] as string)) i++;
  if (right) while (j > i && test(cps[j - 1] as string)) j--;
  return sliceStr(self, unitOffset(text, i), unitOffset(text, j));
}

/** Python's `str.split` / `str.rsplit`. */
function splitStr(self: Str, sepV: PyValue | undefined, maxV: PyValue | undefined, fromRight: boolean): Str[] {
  const text = strText(self);
  const max = maxV === undefined ? -1 : Number(maxV);
  const ranges: [number, number][] = [];
  if (sepV === undefined || sepV === null) {
    // CPython's split_whitespace / rsplit_whitespace: runs of whitespace separate, and the
    // remainder after maxsplit splits keeps its whitespace on the far side.
    const cps = Array.from(text);
    const offs: number[] = [0];
    for (const c of cps) offs.push((offs[offs.length - 1] as number) + c.length);
    const at = (k: number): number => offs[k] as number;
    const ws = (k: number): boolean => isPyWhitespace(cps[k] as string);
    let budget = max < 0 ? Infinity : max;
    const len = cps.length;
    if (!fromRight) {
      let i = 0;
      while (budget-- > 0) {
        while (i < len && ws(i)) i++;
        if (i === len) break;
        const j = i++;
        while (i < len && !ws(i)) i++;
        ranges.push([at(j), at(i)]);
      }
      if (i < len) {
        while (i < len && ws(i)) i++;
        if (i !== len) ranges.push([at(i), at(len)]);
      }
    } else {
      let i = len - 1;
      while (budget-- > 0) {
        while (i >= 0 && ws(i)) i--;
        if (i < 0) break;
        const j = i--;
        while (i >= 0 && !ws(i)) i--;
        ranges.unshift([at(i + 1), at(j + 1)]);
      }
      if (i >= 0) {
        while (i >= 0 && ws(i)) i--;
        if (i >= 0) ranges.unshift([at(0), at(i + 1)]);
      }
    }
  } else {
    const sep = strText(needStr(sepV, "separator"));
    if (sep === "") return pyRaise("ValueError", "empty separator");
    const cuts: number[] = [];
    if (!fromRight) {
      let from = 0;
      for (;;) {
        if (max >= 0 && cuts.length >= max) break;
        const at = text.indexOf(sep, from);
        if (at < 0) break;
        cuts.push(at);
        from = at + sep.length;
      }
      let start = 0;
      for (const c of cuts) {
        ranges.push([start, c]);
        start = c + sep.length;
      }
      ranges.push([start, text.length]);
    } else {
      let from = text.length;
      for (;;) {
        if (max >= 0 && cuts.length >= max) break;
        if (from < sep.length) break;
        const at = text.lastIndexOf(sep, from - sep.length);
        if (at < 0) break;
        cuts.unshift(at);
        from = at;
      }
      let start = 0;
      for (const c of cuts) {
        ranges.push([start, c]);
        start = c + sep.length;
      }
      ranges.push([start, text.length]);
    }
  }
  return ranges.map(([s, e]) => sliceStr(self, s, e));
}

function splitLines(self: Str, keepends: boolean): Str[] {
  const text = strText(self);
  const out: Str[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (PY_LINE_BREAKS.has(ch)) {
      const brLen = ch === "\r" && text[i + 1] === "\n" ? 2 : 1;
      out.push(sliceStr(self, start, keepends ? i + brLen : i));
      i += brLen;
      start = i;
    } else i++;
  }
  if (start < text.length) out.push(sliceStr(self, start, text.length));
  return out;
}

/** Python's `str.find` family in code points (`-1` when absent). */
function findStr(text: string, sub: string, start: PyValue | undefined, end: PyValue | undefined, fromRight: boolean): number {
  const len = codePointLength(text);
  const [s, e] = clampRange(len, start, end);
  if (s > e) return -1;
  const us = unitOffset(text, s);
  const ue = unitOffset(text, e);
  const hay = text.slice(us, ue);
  if (SURROGATE.test(hay) || SURROGATE.test(sub)) {
    // Compare by code points so a lone surrogate never matches half of a pair.
    const h = Array.from(hay);
    const nd = Array.from(sub);
    const hits: number[] = [];
    for (let k = 0; k + nd.length <= h.length; k++) if (nd.every((c, m) => h[k + m] === c)) hits.push(k);
    if (hits.length === 0) return -1;
    return s + (fromRight ? (hits[hits.length - 1] as number) : (hits[0] as number));
  }
  const at = fromRight ? hay.lastIndexOf(sub) : hay.indexOf(sub);
  return at < 0 ? -1 : s + cpIndex(hay, at);
}

function countStr(text: string, sub: string, start: PyValue | undefined, end: PyValue | undefined): number {
  const len = codePointLength(text);
  const [s, e] = clampRange(len, start, end);
  if (s > e) return 0;
  const hay = Array.from(text).slice(s, e);
  if (sub === "") return hay.length + 1;
  const nd = Array.from(sub);
  let n = 0;
  for (let k = 0; k + nd.length <= hay.length; ) {
    if (nd.every((c, m) => hay[k + m] === c)) {
      n++;
      k += nd.length;
    } else k++;
  }
  return n;
}

function replaceStr(self: Str, oldV: Str, newV: Str, countV: PyValue | undefined): Str {
  const text = strText(self);
  const old = strText(oldV);
  const rep = strText(newV);
  let count = countV === undefined || countV === null ? -1 : Number(countV);
  let out: string;
  if (old === "") {
    // Python inserts the replacement before every code point and at the end.
    const cps = Array.from(text);
    out = "";
    for (const c of cps) {
      if (count !== 0) {
        out += rep;
        count--;
      }
      out += c;
    }
    if (count !== 0) out += rep;
  } else if (count < 0) out = text.split(old).join(rep);
  else {
    const pieces = text.split(old);
    out = pieces[0] as string;
    for (let k = 1; k < pieces.length; k++) out += (k <= count ? rep : old) + pieces[k];
  }
  return derivedStr(out, [self, oldV, newV]);
}

function affixTest(self: Str, arg: PyValue | undefined, start: PyValue | undefined, end: PyValue | undefined, atEnd: boolean, method: string): boolean {
  const cps = Array.from(strText(self));
  const [s, e] = clampRange(cps.length, start, end);
  const window = s > e ? null : cps.slice(s, e).join("");
  const candidates = arg instanceof PyTuple ? arg.items : [arg];
  for (const c of candidates) {
    if (c === undefined || !isStr(c)) {
      return pyRaise("TypeError", `${method} first arg must be str or a tuple of str, not ${c === undefined ? "nothing" : typeName(c)}`);
    }
    if (window === null) continue;
    const t = strText(c);
    if (atEnd ? window.endsWith(t) : window.startsWith(t)) return true;
  }
  return false;
}

function pad(self: Str, widthV: PyValue | undefined, fillV: PyValue | undefined, mode: "center" | "ljust" | "rjust"): Str {
  if (widthV === undefined || !isInt(widthV)) return pyRaise("TypeError", `${mode}() argument must be int`);
  const fill = fillV === undefined ? " " : strText(needStr(fillV, "fill character"));
  if (codePointLength(fill) !== 1) return pyRaise("TypeError", "The fill character must be exactly one character long");
  const text = strText(self);
  const len = codePointLength(text);
  const width = Number(widthV);
  if (width <= len) return self;
  const marg = width - len;
  let left: number;
  if (mode === "ljust") left = 0;
  else if (mode === "rjust") left = marg;
  else left = Math.floor(marg / 2) + (marg & width & 1);
  const fillKind = fillV === undefined || isMarkupOnly(fillV as Str) ? "markup" : "content";
  return fromParts([
    { text: fill.repeat(left), kind: fillKind },
    ...partsOf(self),
    { text: fill.repeat(marg - left), kind: fillKind },
  ]);
}

const PRED: Record<string, (cps: string[]) => boolean> = {
  isalpha: (c) => c.length > 0 && c.every((x) => /\p{L}/u.test(x)),
  isalnum: (c) => c.length > 0 && c.every((x) => /[\p{L}\p{Nd}]/u.test(x) || numericKind(x) !== "no"),
  isascii: (c) => c.every((x) => x.charCodeAt(0) < 0x80),
  isdecimal: (c) => c.length > 0 && c.every((x) => /\p{Nd}/u.test(x)),
  isspace: (c) => c.length > 0 && c.every(isPyWhitespace),
  isupper: (c) => casePredicate(c, /\p{Uppercase}/u, /[\p{Lowercase}\p{Lt}]/u),
  islower: (c) => casePredicate(c, /\p{Lowercase}/u, /[\p{Uppercase}\p{Lt}]/u),
  isidentifier: (c) => c.length > 0 && /^[\p{ID_Start}_][\p{ID_Continue}]*$/u.test(c.join("")),
  isprintable: (c) => c.every((x) => x === " " || !/[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u.test(x)),
};

function casePredicate(cps: string[], yes: RegExp, no: RegExp): boolean {
  let cased = false;
  for (const c of cps) {
    if (no.test(c)) return false;
    if (yes.test(c)) cased = true;
  }
  return cased;
}

/** Whether a character is numeric for Python: "digit" (Nd), "no", or "unknown" (a numeric type JS cannot tell). */
function numericKind(ch: string): "decimal" | "no" | "unknown" {
  if (/\p{Nd}/u.test(ch)) return "decimal";
  // Python's isdigit/isnumeric also accept characters with a Numeric_Type (superscripts, CJK numerals),
  // which JavaScript regular expressions cannot query.
  if (/[\p{No}\p{Nl}\p{Lo}]/u.test(ch)) return ch.charCodeAt(0) < 0x80 ? "no" : "unknown";
  return "no";
}

function numericPredicate(cps: string[], method: string): boolean {
  if (cps.length === 0) return false;
  let answer = true;
  for (const c of cps) {
    const k = numericKind(c);
    if (k === "no") answer = false;
    else if (k === "unknown") return unsupported(`str.${method}() on ${JSON.stringify(c)}`, "its numeric type is not available in JavaScript");
  }
  return answer;
}

/** Calls the str method `name` on `self`. */
export function callStrMethod(self: Str, name: string, a: CallArgs): PyValue {
  const text = strText(self);
  switch (name) {
    case "upper": positional(a, name, 0); return derivedStr(text.toUpperCase(), [self]);
    case "lower": positional(a, name, 0); return derivedStr(text.toLowerCase(), [self]);
    case "title": positional(a, name, 0); return derivedStr(pyTitle(text), [self]);
    case "capitalize": positional(a, name, 0); return derivedStr(pyCapitalize(text), [self]);
    case "swapcase": {
      positional(a, name, 0);
      const out = Array.from(text, (c) => (/\p{Uppercase}/u.test(c) ? c.toLowerCase() : /\p{Lowercase}/u.test(c) ? c.toUpperCase() : c)).join("");
      return derivedStr(out, [self]);
    }
    case "strip":
    case "lstrip":
    case "rstrip": {
      const [chars] = positional(a, name, 1);
      return stripStr(self, chars, name !== "rstrip", name !== "lstrip");
    }
    case "split":
    case "rsplit": {
      const [sep, max] = positional(a, name, 2, 0, ["sep", "maxsplit"]);
      return splitStr(self, sep, max, name === "rsplit");
    }
    case "splitlines": {
      const [keep] = positional(a, name, 1, 0, ["keepends"]);
      return splitLines(self, keep !== undefined && keep !== null && keep !== false && keep !== 0);
    }
    case "startswith":
    case "endswith": {
      const [arg, s, e] = positional(a, name, 3, 1);
      return affixTest(self, arg, s, e, name === "endswith", name);
    }
    case "find":
    case "rfind":
    case "index":
    case "rindex": {
      const [sub, s, e] = positional(a, name, 3, 1);
      const r = findStr(text, strText(needStr(sub, "substring")), s, e, name.startsWith("r"));
      if (r < 0 && name.endsWith("index")) return pyRaise("ValueError", "substring not found");
      return r;
    }
    case "count": {
      const [sub, s, e] = positional(a, name, 3, 1);
      return countStr(text, strText(needStr(sub, "substring")), s, e);
    }
    case "replace": {
      const [o, nw, c] = positional(a, name, 3, 2);
      return replaceStr(self, needStr(o, "replace() argument 1"), needStr(nw, "replace() argument 2"), c);
    }
    case "join": {
      const [it] = positional(a, name, 1, 1);
      const items = iterate(it as PyValue);
      let acc: Str = "";
      items.forEach((x, i) => {
        if (!isStr(x)) pyRaise("TypeError", `sequence item ${i}: expected str instance, ${typeName(x)} found`);
        acc = i === 0 ? x : concatStr(concatStr(acc, self), x);
      });
      return acc;
    }
    case "center":
    case "ljust":
    case "rjust": {
      const [w, f] = positional(a, name, 2, 1);
      return pad(self, w, f, name);
    }
    case "zfill": {
      const [w] = positional(a, name, 1, 1);
      if (w === undefined || !isInt(w)) return pyRaise("TypeError", "zfill() argument must be int");
      const cps = Array.from(text);
      const width = Number(w);
      if (width <= cps.length) return self;
      const fillN = width - cps.length;
      const signed = cps[0] === "+" || cps[0] === "-";
      const out = signed ? (cps[0] as string) + "0".repeat(fillN) + cps.slice(1).join("") : "0".repeat(fillN) + text;
      return derivedStr(out, [self]);
    }
    case "partition":
    case "rpartition": {
      const [sepV] = positional(a, name, 1, 1);
      const sep = strText(needStr(sepV, "separator"));
      if (sep === "") return pyRaise("ValueError", "empty separator");
      const at = name === "partition" ? text.indexOf(sep) : text.lastIndexOf(sep);
      if (at < 0) return name === "partition" ? new PyTuple([self, "", ""]) : new PyTuple(["", "", self]);
      return new PyTuple([sliceStr(self, 0, at), sliceStr(self, at, at + sep.length), sliceStr(self, at + sep.length, text.length)]);
    }
    case "removeprefix":
    case "removesuffix": {
      const [affV] = positional(a, name, 1, 1);
      const aff = strText(needStr(affV, `${name}() argument`));
      if (aff === "") return self;
      if (name === "removeprefix") return text.startsWith(aff) ? sliceStr(self, aff.length, text.length) : self;
      return text.endsWith(aff) ? sliceStr(self, 0, text.length - aff.length) : self;
    }
    case "isdigit":
    case "isnumeric":
      positional(a, name, 0);
      return numericPredicate(Array.from(text), name);
    case "istitle": {
      positional(a, name, 0);
      let cased = false;
      let prevCased = false;
      for (const c of text) {
        if (/[\p{Uppercase}\p{Lt}]/u.test(c)) {
          if (prevCased) return false;
          prevCased = true;
          cased = true;
        } else if (/\p{Lowercase}/u.test(c)) {
          if (!prevCased) return false;
          prevCased = true;
          cased = true;
        } else prevCased = false;
      }
      return cased;
    }
    case "format":
      return pyFormatMethod(self, a);
  }
  const pred = PRED[name];
  if (pred !== undefined) {
    positional(a, name, 0);
    return pred(Array.from(text));
  }
  return unsupported(`the str.${name}() method`);
}

/** A bound str method, as `value.name` returns it. */
export function strMethod(self: Str, name: string): PyCallable {
  if (self instanceof TStr && self.safe) {
    // markupsafe's Markup escapes the arguments of most of its methods (replace, join, format...).
    return new PyCallable(name, "method", () => unsupported(`calling .${name}() on a Markup string (made by |safe or |escape)`, "Markup escapes the method's arguments"));
  }
  return new PyCallable(name, "method", (a) => callStrMethod(self, name, a));
}
