/**
 * A Jinja2-exact lexer that emits `@huggingface/jinja` tokens.
 *
 * `@huggingface/jinja`'s own lexer approximates Jinja2's whitespace rules with regular expressions
 * (its `trim_blocks` matches `%}` inside text, it keeps `\r\n`, it strips only ASCII whitespace, it
 * has no `{%+`, `{% raw %}`, Python string escapes or `1e3`/`0x1F` numbers). Whitespace is where a
 * rendering stops being byte-exact, so this module re-implements Jinja2 3.1's lexer rules as Hugging
 * Face configures them (`trim_blocks`, `lstrip_blocks`, newlines normalised to `\n`, one trailing
 * newline dropped) and hands the result to `@huggingface/jinja`'s parser.
 *
 * @packageDocumentation
 */
import { KimiK2Error } from "../errors.js";

/** A token as `@huggingface/jinja`'s parser consumes it. */
export interface HfToken {
  value: string;
  type: string;
}

// Python's `\s` and str.isspace() for str patterns (JavaScript's \s adds U+FEFF and lacks \x1c-\x1f, \x85).
const PY_WS_CLASS = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_WS_RUN = new RegExp(`[${PY_WS_CLASS}]+`, "y");
const PY_WS_ONLY = new RegExp(`^[${PY_WS_CLASS}]+$`);
const PY_WS_TRAIL = new RegExp(`[${PY_WS_CLASS}]+$`);

const FLOAT_RE = /(?:\d+_)*\d+(?:(?:\.(?:\d+_)*\d+)?[eE][+-]?(?:\d+_)*\d+|\.(?:\d+_)*\d+)/y;
const INTEGER_RE = /0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|0[xX](?:_?[\da-fA-F])+|[1-9](?:_?\d)*|0(?:_?0)*/y;
const NAME_RE = /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}\u00b7\u0387\u1369-\u1371\u19da]+/uy;
const IDENT_RE = /^[\p{ID_Start}_][\p{ID_Continue}\u00b7\u0387\u1369-\u1371\u19da]*$/u;
const STRING_RE = /'([^'\\]*(?:\\[\s\S][^'\\]*)*)'|"([^"\\]*(?:\\[\s\S][^"\\]*)*)"/y;
const OPERATORS = ["//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"];
const OP_TYPE: Record<string, string> = {
  "(": "OpenParen",
  ")": "CloseParen",
  "[": "OpenSquareBracket",
  "]": "CloseSquareBracket",
  "{": "OpenCurlyBracket",
  "}": "CloseCurlyBracket",
  ",": "Comma",
  ".": "Dot",
  ":": "Colon",
  "|": "Pipe",
  "=": "Equals",
  "==": "ComparisonBinaryOperator",
  "!=": "ComparisonBinaryOperator",
  "<": "ComparisonBinaryOperator",
  ">": "ComparisonBinaryOperator",
  "<=": "ComparisonBinaryOperator",
  ">=": "ComparisonBinaryOperator",
  "+": "AdditiveBinaryOperator",
  "-": "AdditiveBinaryOperator",
  "~": "AdditiveBinaryOperator",
  "*": "MultiplicativeBinaryOperator",
  "/": "MultiplicativeBinaryOperator",
  "//": "MultiplicativeBinaryOperator",
  "%": "MultiplicativeBinaryOperator",
  "**": "ExponentiationBinaryOperator",
};
const CLOSER: Record<string, string> = { "(": ")", "[": "]", "{": "}" };

function syntaxError(message: string, source: string, pos: number): never {
  const line = source.slice(0, pos).split("\n").length;
  throw new KimiK2Error("template_error", `template syntax error at line ${line}: ${message}`, {
    details: { line, offset: pos },
  });
}

/** Jinja2's newline handling: every `\r\n`, `\r`, `\n` becomes `\n`, and one trailing newline goes. */
export function normalizeTemplateSource(source: string): string {
  const lines = source.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.join("\n");
}

/**
 * Decodes a Jinja2 string literal body as Python does
 * (`value.encode("ascii", "backslashreplace").decode("unicode-escape")`).
 */
function unescapePython(body: string, source: string, pos: number): string {
  if (!body.includes("\\")) return body;
  // Non-ASCII characters become \x/\u/\U escape text first, so a backslash before one is kept literally.
  let ascii = "";
  for (const ch of body) {
    const c = ch.codePointAt(0) as number;
    if (c < 0x80) ascii += ch;
    else if (c <= 0xff) ascii += "\\x" + c.toString(16).padStart(2, "0");
    else if (c <= 0xffff) ascii += "\\u" + c.toString(16).padStart(4, "0");
    else ascii += "\\U" + c.toString(16).padStart(8, "0");
  }
  let out = "";
  for (let i = 0; i < ascii.length; i++) {
    const ch = ascii[i] as string;
    if (ch !== "\\") {
      out += ch;
      continue;
    }
    const e = ascii[++i];
    if (e === undefined) syntaxError("\\ at end of string", source, pos);
    switch (e) {
      case "\n": break;
      case "\\": out += "\\"; break;
      case "'": out += "'"; break;
      case '"': out += '"'; break;
      case "a": out += "\x07"; break;
      case "b": out += "\b"; break;
      case "f": out += "\f"; break;
      case "n": out += "\n"; break;
      case "r": out += "\r"; break;
      case "t": out += "\t"; break;
      case "v": out += "\v"; break;
      case "x":
      case "u":
      case "U": {
        const len = e === "x" ? 2 : e === "u" ? 4 : 8;
        const hex = ascii.slice(i + 1, i + 1 + len);
        if (hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) syntaxError(`truncated \\${e} escape`, source, pos);
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff) syntaxError("illegal Unicode character", source, pos);
        out += String.fromCodePoint(cp);
        i += len;
        break;
      }
      case "N":
        throw new KimiK2Error("template_unsupported", "the Jinja engine does not support \\N{...} escapes in string literals", {
          details: { construct: "\\N{...}" },
        });
      default:
        if (e >= "0" && e <= "7") {
          let oct = e;
          while (oct.length < 3 && (ascii[i + 1] ?? "") >= "0" && (ascii[i + 1] ?? "") <= "7") oct += ascii[++i];
          out += String.fromCodePoint(parseInt(oct, 8));
        } else {
          // Python keeps an unknown escape as written (with a DeprecationWarning).
          out += "\\" + e;
        }
    }
  }
  return out;
}

function numberToken(lit: string, isFloat: boolean, source: string, pos: number): HfToken {
  const clean = lit.replace(/_/g, "");
  if (!isFloat) {
    const big = BigInt(clean);
    if (big > 9007199254740991n) {
      throw new KimiK2Error("template_unsupported", `the Jinja engine does not support integer literals above 2^53 (${lit})`, {
        details: { construct: "big integer literal" },
      });
    }
    return { value: String(Number(big)), type: "NumericLiteral" };
  }
  const v = Number(clean);
  if (!Number.isFinite(v)) {
    // Jinja2 reads it as inf, then prints `inf` where it folds constants and writes the name `inf`
    // into the generated Python (a NameError at run time) where it does not.
    throw new KimiK2Error("template_unsupported", `the Jinja engine does not support float literals that overflow to infinity (${lit})`, {
      details: { construct: "infinite float literal" },
    });
  }
  // The parser makes a FloatLiteral only when the text contains a dot.
  let text = String(v);
  if (!text.includes(".")) text = text.includes("e") ? text.replace("e", ".0e") : text + ".0";
  return { value: text, type: "NumericLiteral" };
}

/**
 * Tokenizes a template as Jinja2 3.1 does with Hugging Face's settings and returns
 * `@huggingface/jinja` tokens (comments dropped, `{% raw %}` bodies as text).
 *
 * @throws {@link KimiK2Error} `template_error` for syntax errors Jinja2 reports while lexing.
 */
export function lexTemplate(rawSource: string): HfToken[] {
  const src = normalizeTemplateSource(rawSource);
  const n = src.length;
  const tokens: HfToken[] = [];
  let pos = 0;
  let lineStarting = true;

  const pushText = (text: string, sign: string, isVariable: boolean): void => {
    if (sign === "-") {
      text = text.replace(PY_WS_TRAIL, "");
    } else if (sign !== "+" && !isVariable) {
      // lstrip_blocks: drop the spaces between the start of the line and a block or comment tag.
      const lPos = text.lastIndexOf("\n") + 1;
      if ((lPos > 0 || lineStarting) && PY_WS_ONLY.test(text.slice(lPos))) text = text.slice(0, lPos);
    }
    if (text) tokens.push({ value: text, type: "Text" });
  };
  const skipWs = (): string => {
    PY_WS_RUN.lastIndex = pos;
    const m = PY_WS_RUN.exec(src);
    if (!m) return "";
    pos = PY_WS_RUN.lastIndex;
    return m[0];
  };
  // The end of a block or comment tag: `+%}`, `-%}` plus whitespace, or `%}` plus one newline.
  const blockEnd = (close: string): boolean => {
    if (src.startsWith("+" + close, pos)) {
      pos += 3;
      lineStarting = false;
      return true;
    }
    if (src.startsWith("-" + close, pos)) {
      pos += 3;
      const ws = skipWs();
      lineStarting = ws ? ws.endsWith("\n") : false;
      return true;
    }
    if (src.startsWith(close, pos)) {
      pos += 2;
      lineStarting = src[pos] === "\n";
      if (lineStarting) pos++;
      return true;
    }
    return false;
  };

  while (pos < n) {
    // Find the next tag start: {{, {%, {#.
    let tagPos = pos;
    for (;;) {
      tagPos = src.indexOf("{", tagPos);
      if (tagPos < 0 || tagPos + 1 >= n) {
        tagPos = -1;
        break;
      }
      const c = src[tagPos + 1];
      if (c === "{" || c === "%" || c === "#") break;
      tagPos++;
    }
    if (tagPos < 0) {
      tokens.push({ value: src.slice(pos), type: "Text" });
      break;
    }
    const kind = src[tagPos + 1] as "{" | "%" | "#";
    const signChar = src[tagPos + 2];
    const sign = signChar === "-" || signChar === "+" ? signChar : "";
    const text = src.slice(pos, tagPos);
    pos = tagPos + 2 + sign.length;

    if (kind === "%") {
      // {% raw %}: everything up to {% endraw %} is text.
      const rawBegin = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*raw[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*(-%\}[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*|%\})/y;
      rawBegin.lastIndex = pos;
      const rb = rawBegin.exec(src);
      if (rb) {
        pushText(text, sign, false);
        pos = rawBegin.lastIndex;
        const endRe = /\{%([-+]?)[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*endraw[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*(?=[-+]?%\})/g;
        endRe.lastIndex = pos;
        const em = endRe.exec(src);
        if (!em) syntaxError("Missing end of raw directive", src, pos);
        lineStarting = rb[1] !== undefined && rb[1].endsWith("\n");
        pushText(src.slice(pos, em.index), em[1] ?? "", false);
        pos = endRe.lastIndex;
        blockEnd("%}");
        continue;
      }
    }

    if (kind === "#") {
      pushText(text, sign, false);
      // The comment ends at the first #}, optionally preceded by + or -.
      const end = src.indexOf("#}", pos);
      if (end < 0) syntaxError("Missing end of comment tag", src, pos);
      const before = src[end - 1];
      pos = before === "-" || before === "+" ? end - 1 : end;
      if (pos < tagPos + 2 + sign.length) pos = end;
      blockEnd("#}");
      continue;
    }

    const isVariable = kind === "{";
    pushText(text, sign, isVariable);
    tokens.push({ value: isVariable ? "{{" : "{%", type: isVariable ? "OpenExpression" : "OpenStatement" });
    const balance: string[] = [];
    for (;;) {
      if (pos >= n) syntaxError(`unexpected end of template, expected '${isVariable ? "}}" : "%}"}'`, src, pos);
      if (balance.length === 0) {
        if (isVariable) {
          if (src.startsWith("-}}", pos)) {
            pos += 3;
            const ws = skipWs();
            lineStarting = ws.endsWith("\n");
            break;
          }
          if (src.startsWith("}}", pos)) {
            pos += 2;
            lineStarting = false;
            break;
          }
        } else if (blockEnd("%}")) {
          break;
        }
      }
      if (skipWs()) continue;
      FLOAT_RE.lastIndex = pos;
      let m = src[pos - 1] === "." ? null : FLOAT_RE.exec(src);
      if (m) {
        tokens.push(numberToken(m[0], true, src, pos));
        pos = FLOAT_RE.lastIndex;
        continue;
      }
      INTEGER_RE.lastIndex = pos;
      m = INTEGER_RE.exec(src);
      if (m) {
        tokens.push(numberToken(m[0], false, src, pos));
        pos = INTEGER_RE.lastIndex;
        continue;
      }
      NAME_RE.lastIndex = pos;
      m = NAME_RE.exec(src);
      if (m) {
        if (!IDENT_RE.test(m[0])) syntaxError("Invalid character in identifier", src, pos);
        tokens.push({ value: m[0], type: "Identifier" });
        pos = NAME_RE.lastIndex;
        continue;
      }
      STRING_RE.lastIndex = pos;
      m = STRING_RE.exec(src);
      if (m) {
        tokens.push({ value: unescapePython(m[1] ?? m[2] ?? "", src, pos), type: "StringLiteral" });
        pos = STRING_RE.lastIndex;
        continue;
      }
      const op = OPERATORS.find((o) => src.startsWith(o, pos));
      if (op === undefined) syntaxError(`unexpected char ${JSON.stringify(src[pos])}`, src, pos);
      if (op === "(" || op === "[" || op === "{") balance.push(CLOSER[op] as string);
      else if (op === ")" || op === "]" || op === "}") {
        const expected = balance.pop();
        if (expected === undefined) syntaxError(`unexpected '${op}'`, src, pos);
        if (expected !== op) syntaxError(`unexpected '${op}', expected '${expected}'`, src, pos);
      }
      const type = OP_TYPE[op];
      if (type === undefined) syntaxError(`unexpected '${op}'`, src, pos);
      tokens.push({ value: op, type });
      pos += op.length;
    }
    tokens.push({ value: isVariable ? "}}" : "%}", type: isVariable ? "CloseExpression" : "CloseStatement" });
  }
  return tokens;
}
