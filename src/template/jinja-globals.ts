/**
 * The globals a Hugging Face chat template sees: Jinja2's defaults as the sandbox exposes them
 * (`range` capped at 100,000 items, `dict`, `namespace`, `cycler`, `joiner`, `lipsum`) and Hugging
 * Face's `raise_exception` and `strftime_now`.
 *
 * @packageDocumentation
 */
import { derivedStr, isMarkupOnly, iterate } from "./jinja-ops.js";
import { pyStr } from "./py-format.js";
import {
  PyCallable,
  PyCycler,
  PyDict,
  PyJoiner,
  PyNamespace,
  PyRange,
  type CallArgs,
  isInt,
  isStr,
  pyRaise,
  strText,
  typeName,
  unsupported,
  type PyValue,
} from "./py-values.js";

const MAX_RANGE = 100_000;

function intArg(v: PyValue): number {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (!isInt(v)) return pyRaise("TypeError", `'${typeName(v)}' object cannot be interpreted as an integer`);
  return Number(v);
}

function dictFrom(a: CallArgs, what: string): Map<string, PyValue> {
  if (a.args.length > 1) pyRaise("TypeError", `${what} expected at most 1 argument, got ${a.args.length}`);
  const map = new Map<string, PyValue>();
  const src = a.args[0];
  if (src instanceof PyDict) for (const [k, v] of src.map) map.set(k, v);
  else if (src !== undefined) {
    for (const pair of iterate(src)) {
      const kv = iterate(pair);
      if (kv.length !== 2) pyRaise("ValueError", `dictionary update sequence element has length ${kv.length}; 2 is required`);
      const [k, v] = kv as [PyValue, PyValue];
      if (!isStr(k)) return unsupported("dict keys that are not strings");
      map.set(strText(k), v);
    }
  }
  if (a.kwargs) for (const [k, v] of a.kwargs) map.set(k, v);
  return map;
}

function keysFromRequest(a: CallArgs): boolean {
  if (a.kwargsFromRequest) return true;
  const src = a.args[0];
  if (src instanceof PyDict) return src.keysContent;
  if (src === undefined) return false;
  return iterate(src).some((pair) => {
    const k = iterate(pair)[0];
    return k !== undefined && isStr(k) && !isMarkupOnly(k);
  });
}

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

function pad(n: number, w = 2, c = "0"): string {
  return String(n).padStart(w, c);
}

/** Python's `datetime.strftime` in the C locale for the directives templates use. */
export function strftime(d: Date, fmt: string): string {
  const dayOfYear = Math.floor((Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) - Date.UTC(d.getFullYear(), 0, 1)) / 86_400_000) + 1;
  return fmt.replace(/%([-]?)(.)/g, (whole, flag: string, c: string) => {
    const p = (n: number, w = 2): string => (flag === "-" ? String(n) : pad(n, w));
    switch (c) {
      case "a": return (DAYS[d.getDay()] as string).slice(0, 3);
      case "A": return DAYS[d.getDay()] as string;
      case "w": return String(d.getDay());
      case "d": return p(d.getDate());
      case "e": return flag === "-" ? String(d.getDate()) : pad(d.getDate(), 2, " ");
      case "b": case "h": return (MONTHS[d.getMonth()] as string).slice(0, 3);
      case "B": return MONTHS[d.getMonth()] as string;
      case "m": return p(d.getMonth() + 1);
      case "y": return p(d.getFullYear() % 100);
      case "Y": return String(d.getFullYear());
      case "H": return p(d.getHours());
      case "I": return p(d.getHours() % 12 === 0 ? 12 : d.getHours() % 12);
      case "p": return d.getHours() < 12 ? "AM" : "PM";
      case "M": return p(d.getMinutes());
      case "S": return p(d.getSeconds());
      case "f": return pad(d.getMilliseconds() * 1000, 6);
      case "j": return p(dayOfYear, 3);
      case "D": return `${pad(d.getMonth() + 1)}/${pad(d.getDate())}/${pad(d.getFullYear() % 100)}`;
      case "F": return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
      case "T": return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
      case "%": return flag ? whole : "%";
    }
    return unsupported(`the strftime directive %${flag}${c}`);
  });
}

/** Builds the global variables of a render. `now` supplies `strftime_now`'s clock. */
export function makeGlobals(now: () => Date): Map<string, PyValue> {
  const g = new Map<string, PyValue>();
  const fn = (name: string, call: (a: CallArgs) => PyValue): void => {
    g.set(name, new PyCallable(name, "function", call));
  };
  fn("range", (a) => {
    if (a.kwargs && a.kwargs.size) pyRaise("TypeError", "range() takes no keyword arguments");
    const nums = a.args.map(intArg);
    let r: PyRange;
    if (nums.length === 1) r = new PyRange(0, nums[0] as number, 1);
    else if (nums.length === 2 || nums.length === 3) {
      const step = nums[2] ?? 1;
      if (step === 0) pyRaise("ValueError", "range() arg 3 must not be zero");
      r = new PyRange(nums[0] as number, nums[1] as number, step);
    } else return pyRaise("TypeError", `range expected at most 3 arguments, got ${nums.length}`);
    if (r.length > MAX_RANGE) pyRaise("OverflowError", `Range too big. The sandbox blocks ranges larger than MAX_RANGE (${MAX_RANGE}).`);
    return r;
  });
  fn("dict", (a) => new PyDict(dictFrom(a, "dict"), keysFromRequest(a)));
  fn("namespace", (a) => new PyNamespace(dictFrom(a, "namespace")));
  fn("cycler", (a) => {
    if (a.args.length === 0) pyRaise("RuntimeError", "at least one item has to be provided");
    return new PyCycler(a.args.slice());
  });
  fn("joiner", (a) => {
    const sep = a.args.length > 0 ? a.args[0] : a.kwargs?.get("sep");
    return new PyJoiner(sep === undefined ? ", " : sep);
  });
  fn("lipsum", () => unsupported("lipsum()", "its output is random"));
  fn("raise_exception", (a) => pyRaise("TemplateError", a.args[0] === undefined ? "" : pyStr(a.args[0])));
  fn("strftime_now", (a) => {
    const f = a.args[0];
    if (f === undefined || !isStr(f)) return pyRaise("TypeError", "strftime_now() argument must be str");
    // The time is not request data, but the format may be: keep the format's provenance.
    return derivedStr(strftime(now(), strText(f)), [f]);
  });
  return g;
}

