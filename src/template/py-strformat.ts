/**
 * Python string formatting: `str.format` with the format-spec mini-language, and printf-style `%`
 * (the `%` operator and Jinja2's `format` filter). Floats are formatted from their exact binary value
 * with round-half-even, as CPython does (JavaScript's `toFixed` rounds exact ties up).
 *
 * @packageDocumentation
 */
import { codePointLength, contentStr, isMarkupOnly, type Str } from "./jinja-ops.js";
import { envGetattr, envGetitem } from "./jinja-attrs.js";
import { decompose, pyRepr, pyStr } from "./py-format.js";
import {
  JsonFloat,
  PyDict,
  PyRange,
  PyTuple,
  PyUndefined,
  type CallArgs,
  failUndefined,
  intDecimal,
  isFloat,
  isInt,
  isStr,
  pyRaise,
  strText,
  typeName,
  unsupported,
  type PyValue,
} from "./py-values.js";

// ---------------------------------------------------------------------------------------------
// Exact float formatting

/** round_half_even(|x| * 10^shift) for finite x. */
function scaledRound(x: number, shift: number): bigint {
  const [m, e] = decompose(Math.abs(x));
  let num = m;
  let den = 1n;
  if (e >= 0) num <<= BigInt(e);
  else den <<= BigInt(-e);
  if (shift >= 0) num *= 10n ** BigInt(shift);
  else den *= 10n ** BigInt(-shift);
  const q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && (q & 1n) === 1n)) return q + 1n;
  return q;
}

/** Python's `round(x, ndigits)` for a float: the exact value rounded half to even. */
export function pyRoundFloat(x: number, ndigits: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const q = scaledRound(x, ndigits);
  const raw = ndigits >= 0 ? q.toString() : (q * 10n ** BigInt(-ndigits)).toString();
  const digits = ndigits > 0 ? raw.padStart(ndigits + 1, "0") : raw;
  const text = ndigits > 0 ? `${digits.slice(0, -ndigits)}.${digits.slice(-ndigits)}` : digits;
  const r = Number(text);
  return x < 0 ? -r : r;
}

function signOf(x: number): string {
  return x < 0 || Object.is(x, -0) ? "-" : "";
}

/** `'%.{prec}f' % x` without the sign. */
function fixedDigits(x: number, prec: number): string {
  const q = scaledRound(x, prec).toString().padStart(prec + 1, "0");
  return prec === 0 ? q : `${q.slice(0, q.length - prec)}.${q.slice(q.length - prec)}`;
}

/** `'%.{prec}e' % x` without the sign, as [mantissa digits, exponent]. */
function expParts(x: number, prec: number): [string, number] {
  if (x === 0) return ["0".repeat(prec + 1), 0];
  let e10 = Math.floor(Math.log10(Math.abs(x)));
  for (;;) {
    const q = scaledRound(x, prec - e10);
    const s = q.toString();
    if (s.length > prec + 1) {
      e10++;
      continue;
    }
    if (s.length < prec + 1) {
      e10--;
      continue;
    }
    return [s, e10];
  }
}

function expString(digits: string, e10: number, alt: boolean, upper: boolean): string {
  const mant = digits.length > 1 || alt ? `${digits[0]}.${digits.slice(1)}` : digits;
  const ee = Math.abs(e10);
  return `${mant}${upper ? "E" : "e"}${e10 < 0 ? "-" : "+"}${ee < 10 ? "0" : ""}${ee}`;
}

function nonFinite(x: number, upper: boolean): string | undefined {
  if (x !== x) return upper ? "NAN" : "nan";
  if (x === Infinity || x === -Infinity) return upper ? "INF" : "inf";
  return undefined;
}

/** Formats a float's magnitude for a presentation type (`f e g %` or `""` with a precision). */
function floatBody(x: number, type: string, prec: number | undefined, alt: boolean): string {
  const upper = type === "F" || type === "E" || type === "G";
  const nf = nonFinite(x, upper);
  if (nf !== undefined) return nf;
  switch (type) {
    case "f":
    case "F":
    case "%": {
      const s = fixedDigits(x, prec ?? 6);
      return alt && !s.includes(".") ? s + "." : s;
    }
    case "e":
    case "E": {
      const [d, e] = expParts(x, prec ?? 6);
      return expString(d, e, alt, upper);
    }
    case "g":
    case "G":
    case "": {
      // "" with a precision: like g, but fixed notation keeps at least one digit after the point.
      let p = prec ?? 6;
      if (p === 0) p = 1;
      const [d, e] = expParts(x, p - 1);
      let out: string;
      if (e >= -4 && e < p) {
        out = fixedDigits(x, p - 1 - e);
        if (!alt && out.includes(".")) out = out.replace(/0+$/, "").replace(/\.$/, type === "" ? ".0" : "");
        else if (type === "" && !out.includes(".")) out += ".0";
      } else {
        let m = d;
        if (!alt) m = m.replace(/0+$/, "") || "0";
        out = expString(m, e, alt, upper);
      }
      return out;
    }
  }
  return unsupported(`the float presentation type '${type}'`);
}

// ---------------------------------------------------------------------------------------------
// Format spec mini-language

interface Spec {
  fill: string;
  align: string;
  sign: string;
  alt: boolean;
  zero: boolean;
  width: number;
  grouping: string;
  precision: number | undefined;
  type: string;
}

const SPEC_RE = /^(?:(.)?([<>=^]))?([-+ ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/su;

function parseSpec(spec: string): Spec {
  const m = SPEC_RE.exec(spec);
  if (!m) return pyRaise("ValueError", `Invalid format specifier '${spec}'`);
  if (m[4]) unsupported("the 'z' format option");
  return {
    // A '0' before the width makes '0' the fill unless one is given; it makes '=' the alignment only
    // where none is given and the default is '>' (numbers), see `align` (Python 3.10+).
    fill: m[1] ?? (m[6] ? "0" : " "),
    align: m[2] ?? "",
    sign: m[3] ?? "-",
    alt: m[5] !== undefined,
    zero: m[6] !== undefined,
    width: m[7] ? Number(m[7]) : 0,
    grouping: m[8] ?? "",
    precision: m[9] !== undefined ? Number(m[9]) : undefined,
    type: m[10] ?? "",
  };
}

function group(intDigits: string, sep: string, every: number): string {
  if (!sep) return intDigits;
  let out = "";
  for (let i = intDigits.length; i > 0; i -= every) out = intDigits.slice(Math.max(0, i - every), i) + (out ? sep + out : "");
  return out;
}

function align(body: string, signStr: string, s: Spec, defaultAlign: string): string {
  const total = codePointLength(signStr + body);
  const padN = Math.max(0, s.width - total);
  const a = s.align || (s.zero && defaultAlign === ">" ? "=" : defaultAlign);
  if (a === "=") return signStr + s.fill.repeat(padN) + body;
  const text = signStr + body;
  if (a === "<") return text + s.fill.repeat(padN);
  if (a === ">") return s.fill.repeat(padN) + text;
  const left = Math.floor(padN / 2);
  return s.fill.repeat(left) + text + s.fill.repeat(padN - left);
}

/** Python's `format(value, spec)` for the value types templates format. */
export function pyFormatValue(v: PyValue, spec: string): string {
  if (spec === "") return pyStr(v);
  const s = parseSpec(spec);
  if (isStr(v)) {
    if (s.sign !== "-" || s.alt || s.grouping || (s.type && s.type !== "s") || s.align === "=") {
      return pyRaise("ValueError", "Invalid format specifier for object of type 'str'");
    }
    let t = strText(v);
    if (s.precision !== undefined) t = Array.from(t).slice(0, s.precision).join("");
    return align(t, "", s, "<");
  }
  const isNum = isInt(v) || typeof v === "boolean" || isFloat(v);
  if (!isNum) return pyRaise("TypeError", `unsupported format string passed to ${typeName(v)}.__format__`);
  if (s.type === "n") return unsupported("the 'n' (locale) format type");
  if ((isInt(v) || typeof v === "boolean") && "bcdoxX".includes(s.type || "d")) {
    if (s.precision !== undefined) return pyRaise("ValueError", "Precision not allowed in integer format specifier");
    const n = typeof v === "boolean" ? (v ? 1n : 0n) : BigInt(v as number | bigint);
    const neg = n < 0n;
    const mag = neg ? -n : n;
    let body: string;
    let prefix = "";
    switch (s.type || "d") {
      case "b": body = mag.toString(2); prefix = s.alt ? "0b" : ""; break;
      case "o": body = mag.toString(8); prefix = s.alt ? "0o" : ""; break;
      case "x": body = mag.toString(16); prefix = s.alt ? "0x" : ""; break;
      case "X": body = mag.toString(16).toUpperCase(); prefix = s.alt ? "0X" : ""; break;
      case "c": body = String.fromCodePoint(Number(mag)); break;
      default: body = intDecimal(mag);
    }
    body = group(body, s.grouping, s.type && s.type !== "d" ? 4 : 3);
    const signStr = (neg ? "-" : s.sign === "+" ? "+" : s.sign === " " ? " " : "") + prefix;
    return align(body, signStr, s, ">");
  }
  if (s.type && !"eEfFgG%".includes(s.type)) {
    // An int-only type on a float, or 's' on a number: Python refuses.
    return pyRaise("ValueError", `Unknown format code '${s.type}' for object of type '${typeName(v)}'`);
  }
  const x = typeof v === "boolean" ? (v ? 1 : 0) : typeof v === "bigint" ? Number(v) : v instanceof JsonFloat ? v.value : (v as number);
  let type = s.type;
  let prec = s.precision;
  let val = x;
  if (type === "%") val = x * 100;
  if (type === "" && prec === undefined) {
    // No type, no precision: str() of the float (an int converts to float only with a type).
    const r = isFloat(v as PyValue) ? pyStr(v as PyValue) : String(x);
    const neg = r.startsWith("-");
    const body = neg ? r.slice(1) : r;
    const [ip, fp] = body.split(".") as [string, string | undefined];
    const grouped = /^\d+$/.test(ip) ? group(ip, s.grouping, 3) + (fp !== undefined ? "." + fp : "") : body;
    return align(grouped, neg ? "-" : s.sign === "+" ? "+" : s.sign === " " ? " " : "", s, ">");
  }
  if (type === "" && !isFloat(v as PyValue)) type = "g";
  let body = floatBody(val, type, prec, s.alt);
  if (s.grouping && /^\d/.test(body)) {
    const m = /^(\d+)(.*)$/s.exec(body) as RegExpExecArray;
    body = group(m[1] as string, s.grouping, 3) + m[2];
  }
  if (type === "%") body += "%";
  prec = undefined;
  const neg = signOf(val) === "-" && body !== "nan" && body !== "NAN";
  const signStr = neg ? "-" : s.sign === "+" ? "+" : s.sign === " " ? " " : "";
  return align(body, signStr, s, ">");
}

// ---------------------------------------------------------------------------------------------
// str.format

/** Python's `str.format(*args, **kwargs)` through the sandbox's attribute rules. */
export function pyFormatMethod(self: Str, a: CallArgs): Str {
  const fmt = strText(self);
  let out = "";
  let auto = 0;
  let mode: "" | "auto" | "manual" = "";
  const inputs: Str[] = [self];
  let derivedFromNonStr = false;
  for (let i = 0; i < fmt.length; ) {
    const ch = fmt[i] as string;
    if (ch === "}") {
      if (fmt[i + 1] === "}") {
        out += "}";
        i += 2;
        continue;
      }
      return pyRaise("ValueError", "Single '}' encountered in format string");
    }
    if (ch !== "{") {
      out += ch;
      i++;
      continue;
    }
    if (fmt[i + 1] === "{") {
      out += "{";
      i += 2;
      continue;
    }
    const close = fmt.indexOf("}", i);
    if (close < 0) return pyRaise("ValueError", "Single '{' encountered in format string");
    const field = fmt.slice(i + 1, close);
    if (field.includes("{")) return unsupported("nested replacement fields in str.format");
    i = close + 1;
    const m = /^([^.[!:]*)((?:\.[^.[!:]+|\[[^\]]*\])*)(?:!([rsa]))?(?::(.*))?$/s.exec(field);
    if (!m) return pyRaise("ValueError", "unmatched '{' in format spec");
    const [, first = "", rest = "", conv, spec = ""] = m;
    let value: PyValue;
    if (first === "" || /^\d+$/.test(first)) {
      let idx: number;
      if (first === "") {
        if (mode === "manual") return pyRaise("ValueError", "cannot switch from manual field specification to automatic field numbering");
        mode = "auto";
        idx = auto++;
      } else {
        if (mode === "auto") return pyRaise("ValueError", "cannot switch from automatic field numbering to manual field specification");
        mode = "manual";
        idx = Number(first);
      }
      if (idx >= a.args.length) return pyRaise("IndexError", `Replacement index ${idx} out of range for positional args tuple`);
      value = a.args[idx] as PyValue;
    } else {
      const kw = a.kwargs?.get(first);
      if (kw === undefined) return pyRaise("KeyError", `'${first}'`);
      value = kw;
    }
    for (const part of rest.match(/\.[^.[]+|\[[^\]]*\]/g) ?? []) {
      if (part.startsWith(".")) value = envGetattr(value, part.slice(1));
      else {
        const key = part.slice(1, -1);
        value = envGetitem(value, /^\d+$/.test(key) ? Number(key) : key);
      }
    }
    if (conv === "r") value = pyRepr(value);
    else if (conv === "a") value = asciiRepr(value);
    else if (conv === "s") value = pyStr(value);
    if (isStr(value)) inputs.push(value);
    else derivedFromNonStr = true;
    out += pyFormatValue(value, spec);
  }
  return contentOrMarkup(out, inputs, derivedFromNonStr);
}

function contentOrMarkup(text: string, inputs: Str[], forceContent: boolean): Str {
  if (!forceContent && inputs.every(isMarkupOnly)) return text;
  return contentStr(text);
}

function asciiRepr(v: PyValue): string {
  return pyRepr(v).replace(/[^\x00-\x7f]/gu, (c) => {
    const cp = c.codePointAt(0) as number;
    if (cp <= 0xff) return "\\x" + cp.toString(16).padStart(2, "0");
    if (cp <= 0xffff) return "\\u" + cp.toString(16).padStart(4, "0");
    return "\\U" + cp.toString(16).padStart(8, "0");
  });
}

// ---------------------------------------------------------------------------------------------
// printf-style %

const PERCENT_RE = /%(?:\(([^)]*)\))?([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])?/gs;

/** Python's `format % values`. */
export function pyPercent(fmtV: Str, rhs: PyValue): Str {
  const fmt = strText(fmtV);
  const isMapping = rhs instanceof PyDict;
  // Python skips the "not all arguments converted" check when the right side has __getitem__
  // (PyMapping_Check): a list, a range or Undefined after a format without conversions is fine.
  const mappingLike = isMapping || Array.isArray(rhs) || rhs instanceof PyRange || rhs instanceof PyUndefined;
  const args = rhs instanceof PyTuple ? rhs.items : [rhs];
  let argi = 0;
  let nonStrInput = false;
  const inputs: Str[] = [fmtV];
  const next = (): PyValue => {
    if (argi >= args.length) return pyRaise("TypeError", "not enough arguments for format string");
    return args[argi++] as PyValue;
  };
  let out = "";
  let last = 0;
  PERCENT_RE.lastIndex = 0;
  for (let m = PERCENT_RE.exec(fmt); m; m = PERCENT_RE.exec(fmt)) {
    out += fmt.slice(last, m.index);
    last = PERCENT_RE.lastIndex;
    const [, key, flags = "", widthS, precS, type] = m;
    if (type === undefined) return pyRaise("ValueError", "incomplete format");
    if (type === "%" && m[0] === "%%") {
      out += "%";
      continue;
    }
    const width = widthS === "*" ? Number(next()) : widthS ? Number(widthS) : 0;
    const prec = precS === "*" ? Number(next()) : precS !== undefined ? Number(precS) : undefined;
    let value: PyValue;
    if (key !== undefined) {
      if (rhs instanceof PyUndefined) return failUndefined(rhs);
      if (Array.isArray(rhs) || rhs instanceof PyRange) return pyRaise("TypeError", `${typeName(rhs)} indices must be integers or slices, not str`);
      if (!isMapping) return pyRaise("TypeError", "format requires a mapping");
      const got = (rhs as PyDict).map.get(key);
      if (got === undefined) return pyRaise("KeyError", `'${key}'`);
      value = got;
    } else value = isMapping && args.length === 1 ? rhs : next();
    if (type === "%") {
      // Only a bare "%%" is a literal: with a key, flags, width or precision Python takes an
      // argument and then refuses the conversion.
      return pyRaise("ValueError", `unsupported format character '%' (0x25) at index ${codePointLength(fmt.slice(0, last)) - 1}`);
    }
    if (isStr(value)) inputs.push(value);
    else nonStrInput = true;
    const left = flags.includes("-");
    let body: string;
    let signStr = "";
    if (type === "s" || type === "r" || type === "a") {
      body = type === "s" ? pyStr(value) : type === "r" ? pyRepr(value) : asciiRepr(value);
      if (prec !== undefined) body = Array.from(body).slice(0, prec).join("");
    } else if (type === "c") {
      body = isStr(value) ? strText(value) : String.fromCodePoint(Number(value));
    } else {
      if (!(isInt(value) || typeof value === "boolean" || isFloat(value))) {
        return pyRaise("TypeError", `%${type} format: a real number is required, not ${typeName(value)}`);
      }
      const spec = `${flags.includes("+") ? "+" : flags.includes(" ") ? " " : ""}${flags.includes("#") ? "#" : ""}${prec !== undefined ? "." + prec : ""}`;
      if ("diu".includes(type)) {
        const n = isFloat(value) ? Math.trunc(Number(value)) : value;
        body = pyFormatValue(typeof n === "number" && !Number.isSafeInteger(n) ? BigInt(n) : (n as PyValue), spec.replace(/\.\d+/, "") + "d");
      } else if ("oxX".includes(type)) {
        if (isFloat(value)) return pyRaise("TypeError", `%${type} format: an integer is required, not float`);
        body = pyFormatValue(value, spec.replace(/\.\d+/, "") + type);
      } else {
        body = pyFormatValue(isFloat(value) ? value : Number(value), spec + type);
      }
      if (body.startsWith("-") || body.startsWith("+") || body.startsWith(" ")) {
        signStr = body[0] as string;
        body = body.slice(1);
      }
    }
    const padN = Math.max(0, width - codePointLength(signStr + body));
    if (left) out += signStr + body + " ".repeat(padN);
    else if (flags.includes("0") && !"srac".includes(type)) out += signStr + "0".repeat(padN) + body;
    else out += " ".repeat(padN) + signStr + body;
  }
  out += fmt.slice(last);
  if (!mappingLike && argi < args.length) return pyRaise("TypeError", "not all arguments converted during string formatting");
  return contentOrMarkup(out, inputs, nonStrInput);
}
