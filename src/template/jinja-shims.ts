/**
 * Token rewrites that let `@huggingface/jinja`'s parser express Jinja2 grammar it lacks, in a form the
 * Jinja engine's compiler recognises:
 *
 * - tests become filters named `__kimi_test__NAME` / `__kimi_test_not__NAME`, so tests take arguments
 *   (`x is divisibleby(3)`, `x is sameas none`) and bind where Jinja2 binds them (with filters);
 * - a grouping parenthesis becomes a call of `__kimi_paren__`, so the compiler knows where the source
 *   had parentheses and can apply Jinja2's precedence (`~` binds tighter than `+`/`-`) and chained
 *   comparisons (`a < b < c`), which the parser flattens left to right;
 * - `()` and `(x,)` become calls of `__kimi_tuple__` (the parser needs two items for a tuple);
 * - Hugging Face's `{% generation %}` tags are removed (they only mark assistant spans).
 *
 * @packageDocumentation
 */
import { KimiK2Error } from "../errors.js";
import type { HfToken } from "./jinja-lexer.js";

/** Filter-name prefix of a rewritten test. */
export const TEST_PREFIX = "__kimi_test__";
/** Filter-name prefix of a rewritten negated test. */
export const TEST_NOT_PREFIX = "__kimi_test_not__";
/** Callee name marking a parenthesised expression. */
export const PAREN_MARK = "__kimi_paren__";
/** Callee name building a tuple of its arguments. */
export const TUPLE_MARK = "__kimi_tuple__";

// Statements Jinja2 knows but `@huggingface/jinja`'s parser does not.
const UNSUPPORTED_STATEMENTS = new Set(["with", "block", "extends", "include", "import", "from", "autoescape", "trans", "pluralize", "print"]);
// Names after which `(` starts a grouping rather than a call.
const KEYWORDS = new Set(["and", "or", "not", "in", "is", "if", "else", "elif", "for", "set", "recursive"]);
const OPENERS: Record<string, string> = { OpenParen: "CloseParen", OpenSquareBracket: "CloseSquareBracket", OpenCurlyBracket: "CloseCurlyBracket" };

/** Index of the token closing the bracket at `open`. */
function matching(tokens: readonly HfToken[], open: number): number {
  const stack: string[] = [];
  for (let i = open; i < tokens.length; i++) {
    const t = (tokens[i] as HfToken).type;
    const closer = OPENERS[t];
    if (closer !== undefined) stack.push(closer);
    else if (t === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return i;
    }
  }
  return tokens.length - 1;
}

/** End (exclusive) of a primary expression plus its postfix chain starting at `i` (Jinja2's single test argument). */
function primaryPostfixEnd(tokens: readonly HfToken[], i: number): number {
  const first = tokens[i] as HfToken;
  let j: number;
  if (first.type in OPENERS) j = matching(tokens, i) + 1;
  else if (first.type === "StringLiteral") {
    j = i + 1;
    while (tokens[j]?.type === "StringLiteral") j++;
  } else j = i + 1;
  for (;;) {
    const t = tokens[j];
    if (t?.type === "Dot" && (tokens[j + 1]?.type === "Identifier" || tokens[j + 1]?.type === "NumericLiteral")) j += 2;
    else if (t?.type === "OpenSquareBracket" || t?.type === "OpenParen") j = matching(tokens, j) + 1;
    else return j;
  }
}

function rewriteTests(tokens: HfToken[]): HfToken[] {
  const out: HfToken[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as HfToken;
    const isTestKeyword = t.type === "Identifier" && t.value === "is" && out[out.length - 1]?.type !== "Dot";
    if (!isTestKeyword) {
      out.push(t);
      continue;
    }
    let j = i + 1;
    const negate = tokens[j]?.type === "Identifier" && tokens[j]?.value === "not";
    if (negate) j++;
    const name = tokens[j];
    if (name?.type !== "Identifier") {
      throw new KimiK2Error("template_error", "template syntax error: expected a test name after 'is'");
    }
    j++;
    if (tokens[j]?.type === "Dot") {
      throw new KimiK2Error("template_unsupported", `the Jinja engine does not support dotted test names (is ${name.value}.…)`, {
        details: { construct: "dotted test name" },
      });
    }
    out.push({ value: "|", type: "Pipe" }, { value: (negate ? TEST_NOT_PREFIX : TEST_PREFIX) + name.value, type: "Identifier" });
    const next = tokens[j];
    if (next?.type === "OpenParen") {
      // Arguments in parentheses: the filter call syntax is the same.
      i = j - 1;
      continue;
    }
    const takesArg =
      next !== undefined &&
      (next.type === "StringLiteral" ||
        next.type === "NumericLiteral" ||
        next.type === "OpenSquareBracket" ||
        next.type === "OpenCurlyBracket" ||
        (next.type === "Identifier" && next.value !== "else" && next.value !== "or" && next.value !== "and"));
    if (!takesArg) {
      i = j - 1;
      continue;
    }
    if (next.type === "Identifier" && next.value === "is") {
      throw new KimiK2Error("template_error", "template syntax error: You cannot chain multiple tests with is");
    }
    const end = primaryPostfixEnd(tokens, j);
    out.push({ value: "(", type: "OpenParen" }, ...rewriteTests(tokens.slice(j, end)), { value: ")", type: "CloseParen" });
    i = end - 1;
  }
  return out;
}

function markParens(tokens: HfToken[]): HfToken[] {
  const out: HfToken[] = [];
  // Marks are inserted by position; compute them on the original sequence.
  const marks = new Map<number, string>();
  for (let i = 0; i < tokens.length; i++) {
    if ((tokens[i] as HfToken).type !== "OpenParen") continue;
    const prev = tokens[i - 1];
    const isCall =
      prev !== undefined &&
      ((prev.type === "Identifier" && !KEYWORDS.has(prev.value)) ||
        prev.type === "StringLiteral" ||
        prev.type === "NumericLiteral" ||
        prev.type === "CloseParen" ||
        prev.type === "CloseSquareBracket" ||
        prev.type === "CloseCurlyBracket");
    if (isCall) continue;
    const close = matching(tokens, i);
    let commas = 0;
    let trailingComma = false;
    for (let k = i + 1; k < close; k++) {
      const t = (tokens[k] as HfToken).type;
      if (t in OPENERS) {
        k = matching(tokens, k);
        trailingComma = false;
        continue;
      }
      if (t === "Comma") {
        commas++;
        trailingComma = true;
      } else trailingComma = false;
    }
    if (close === i + 1 || trailingComma) marks.set(i, TUPLE_MARK);
    else if (commas === 0) marks.set(i, PAREN_MARK);
  }
  tokens.forEach((t, i) => {
    const mark = marks.get(i);
    if (mark !== undefined) out.push({ value: mark, type: "Identifier" });
    out.push(t);
  });
  return out;
}

/** Index of the CloseStatement ending the statement whose tokens start at `from`. */
function statementEnd(tokens: readonly HfToken[], from: number): number {
  let j = from;
  while (j < tokens.length && (tokens[j] as HfToken).type !== "CloseStatement") j++;
  return j;
}

/** Refuses `{% filter a|b %}` (the parser reads one filter there). */
function refuseChainedFilterBlock(tokens: readonly HfToken[], from: number): void {
  const end = statementEnd(tokens, from);
  let depth = 0;
  for (let j = from; j < end; j++) {
    const t = (tokens[j] as HfToken).type;
    if (t in OPENERS) depth++;
    else if (t === "CloseParen" || t === "CloseSquareBracket" || t === "CloseCurlyBracket") depth--;
    else if (t === "Pipe" && depth === 0) {
      throw new KimiK2Error("template_unsupported", "the Jinja engine does not support a chain of filters in a {% filter %} block; nest one {% filter %} block per filter", {
        details: { construct: "{% filter a|b %}" },
      });
    }
  }
}

/** Jinja2 refuses `{% macro m(a,) %}` (a parameter list cannot end with a comma); the parser accepts it. */
function rejectTrailingParameterComma(tokens: readonly HfToken[], from: number): void {
  if (tokens[from + 1]?.type !== "OpenParen") return;
  const close = matching(tokens, from + 1);
  if (tokens[close - 1]?.type === "Comma") throw new KimiK2Error("template_error", "template syntax error: expected token 'name', got ')'");
}

/**
 * Jinja2 refuses to compile a for loop that assigns the name `loop` anywhere inside it (its target,
 * a `{% set %}` in its body or else block, a nested loop's target), even inside a macro defined there.
 */
function rejectLoopAssignments(tokens: readonly HfToken[]): void {
  let forDepth = 0;
  const fail = (): never => {
    throw new KimiK2Error("template_error", "template syntax error: Can't assign to special loop variable in for-loop target");
  };
  /** True when the tokens from `from` to the first `stop` (or the statement's end) name `loop` as a target. */
  const assignsLoop = (from: number, stop: (t: HfToken) => boolean): boolean => {
    for (let j = from; j < tokens.length; j++) {
      const t = tokens[j] as HfToken;
      if (t.type === "CloseStatement" || stop(t)) return false;
      if (t.type === "Identifier" && t.value === "loop" && tokens[j - 1]?.type !== "Dot") return true;
    }
    return false;
  };
  for (let i = 0; i < tokens.length; i++) {
    if ((tokens[i] as HfToken).type !== "OpenStatement") continue;
    const name = tokens[i + 1];
    if (name?.type !== "Identifier") continue;
    if (name.value === "for") {
      if (assignsLoop(i + 2, (t) => t.type === "Identifier" && t.value === "in")) fail();
      forDepth++;
    } else if (name.value === "endfor") forDepth--;
    else if (name.value === "set" && forDepth > 0 && assignsLoop(i + 2, (t) => t.type === "Equals")) fail();
  }
}

// Token types that end an expression: a `recursive` after one is the for loop's keyword, not a name.
const EXPRESSION_ENDS = new Set(["Identifier", "StringLiteral", "NumericLiteral", "CloseParen", "CloseSquareBracket", "CloseCurlyBracket"]);
const NOT_EXPRESSION_ENDS = new Set(["in", "if", "and", "or", "not", "is"]);

/** Refuses `{% for ... recursive %}` (the parser cannot read it, and `loop(...)` would need it). */
function refuseRecursiveLoop(tokens: readonly HfToken[], from: number): void {
  let j = from;
  while (j < tokens.length && (tokens[j] as HfToken).type !== "CloseStatement") j++;
  const last = tokens[j - 1];
  const before = tokens[j - 2];
  if (last?.type === "Identifier" && last.value === "recursive" && before !== undefined && EXPRESSION_ENDS.has(before.type) && !(before.type === "Identifier" && NOT_EXPRESSION_ENDS.has(before.value))) {
    throw new KimiK2Error("template_unsupported", "the Jinja engine does not support recursive for loops ({% for ... recursive %})", {
      details: { construct: "{% for ... recursive %}" },
    });
  }
}

/**
 * Applies the rewrites described in the module comment.
 *
 * @throws {@link KimiK2Error} `template_unsupported` for Jinja2 statements the parser cannot read.
 */
export function shimTokens(tokens: HfToken[]): HfToken[] {
  const kept: HfToken[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as HfToken;
    if (t.type === "OpenStatement") {
      const name = tokens[i + 1];
      if (name?.type === "Identifier") {
        if ((name.value === "generation" || name.value === "endgeneration") && tokens[i + 2]?.type === "CloseStatement") {
          i += 2;
          continue;
        }
        if (name.value === "for") refuseRecursiveLoop(tokens, i + 2);
        if (name.value === "filter") refuseChainedFilterBlock(tokens, i + 2);
        if (name.value === "macro") rejectTrailingParameterComma(tokens, i + 2);
        if (UNSUPPORTED_STATEMENTS.has(name.value) || name.value.startsWith("end") && UNSUPPORTED_STATEMENTS.has(name.value.slice(3))) {
          throw new KimiK2Error("template_unsupported", `the Jinja engine does not support the {% ${name.value} %} statement`, {
            details: { construct: `{% ${name.value} %}` },
          });
        }
      }
    }
    kept.push(t);
  }
  rejectLoopAssignments(kept);
  return markParens(rewriteTests(kept));
}
