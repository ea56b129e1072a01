/**
 * Compiles `@huggingface/jinja`'s syntax tree into closures that evaluate it with Jinja2's
 * semantics (scoping, macros, loops, Undefined) on Python-modelled values, writing markup and
 * content segments.
 *
 * @packageDocumentation
 */
import { KimiK2Error } from "../errors.js";
import { envGetattr, envGetitem, envSlice } from "./jinja-attrs.js";
import { FILTERS } from "./jinja-filters.js";
import {
  fromParts,
  iterate,
  pyArith,
  pyCompare,
  pyConcat,
  pyUnary,
  toStr,
  truthy,
  type Str,
} from "./jinja-ops.js";
import { PAREN_MARK, TEST_NOT_PREFIX, TEST_PREFIX, TUPLE_MARK } from "./jinja-shims.js";
import { TESTS } from "./jinja-tests.js";
import { pyPercent } from "./py-strformat.js";
import {
  PyCallable,
  PyDict,
  PyLoop,
  PyTuple,
  PyUndefined,
  TStr,
  type CallArgs,
  isStr,
  mkFloat,
  pyRaise,
  strText,
  typeName,
  unsupported,
  type PyValue,
} from "./py-values.js";
import { Out, Scope, assign, callValue, namesIn, type Node } from "./jinja-runtime.js";

type Expr = (s: Scope) => PyValue;
/** Runs a statement; returns 0, or BREAK / CONTINUE to unwind the enclosing loop. */
type Stmt = (s: Scope, out: Out) => number;
type Args = (s: Scope) => CallArgs;

const BREAK = 1;
const CONTINUE = 2;
const CONSTANTS: Record<string, PyValue> = { true: true, True: true, false: false, False: false, none: null, None: null };
const ADDITIVE = new Set(["+", "-", "~"]);
const COMPARISON = new Set(["==", "!=", "<", ">", "<=", ">=", "in", "not in"]);

/** Compiles a parsed template into a statement closure. */
export function compileProgram(program: Node): Stmt {
  const expr = (n: Node): Expr => compileExpr(n);
  // Loops enclosing the statement being compiled (a macro body starts a new count).
  let loopDepth = 0;
  const outsideLoops = <T>(f: () => T): T => {
    const saved = loopDepth;
    loopDepth = 0;
    try {
      return f();
    } finally {
      loopDepth = saved;
    }
  };

  function compileArgs(args: Node[]): Args {
    const parts = args.map((a) => {
      if (a.type === "KeywordArgumentExpression") return { kind: "kw" as const, name: a.key.value as string, e: expr(a.value) };
      if (a.type === "SpreadExpression") return { kind: "spread" as const, name: "", e: expr(a.argument) };
      if (a.type === "KeywordSpreadExpression") return { kind: "kwspread" as const, name: "", e: expr(a.argument) };
      return { kind: "pos" as const, name: "", e: expr(a) };
    });
    if (parts.every((p) => p.kind === "pos")) {
      const es = parts.map((p) => p.e);
      return (s) => ({ args: es.map((e) => e(s)), kwargs: null });
    }
    return (s) => {
      const args: PyValue[] = [];
      let kwargs: Map<string, PyValue> | null = null;
      let kwargsFromRequest = false;
      const addKw = (k: string, v: PyValue): void => {
        kwargs ??= new Map();
        if (kwargs.has(k)) pyRaise("TypeError", `got multiple values for keyword argument '${k}'`);
        kwargs.set(k, v);
      };
      for (const p of parts) {
        const v = p.e(s);
        if (p.kind === "pos") args.push(v);
        else if (p.kind === "spread") args.push(...iterate(v));
        else if (p.kind === "kw") addKw(p.name, v);
        else if (v instanceof PyDict) {
          if (v.keysContent) kwargsFromRequest = true;
          for (const [k, x] of v.map) addKw(k, x);
        }
        else pyRaise("TypeError", `argument after ** must be a mapping, not ${typeName(v)}`);
      }
      return { args, kwargs, kwargsFromRequest };
    };
  }

  function compileFilter(operand: Expr, filter: Node): Expr {
    // `x|f(a)()` or `x|f.attr`: the parser hangs calls and lookups after the filter on its node.
    if (filter.type === "CallExpression" && (filter.callee as Node).type !== "Identifier") {
      const inner = compileFilter(operand, filter.callee as Node);
      const args = compileArgs(filter.args as Node[]);
      return (s) => callValue(inner(s), args(s));
    }
    if (filter.type === "MemberExpression") {
      const inner = compileFilter(operand, filter.object as Node);
      return compileMember(inner, filter);
    }
    const isCall = filter.type === "CallExpression";
    const nameNode = (isCall ? filter.callee : filter) as Node;
    if (nameNode.type !== "Identifier") return unsupported(`a filter written as ${nameNode.type}`);
    const name = nameNode.value as string;
    const args = isCall ? compileArgs(filter.args as Node[]) : (): CallArgs => ({ args: [], kwargs: null });
    if (name.startsWith(TEST_PREFIX) || name.startsWith(TEST_NOT_PREFIX)) {
      const negate = name.startsWith(TEST_NOT_PREFIX);
      const testName = name.slice(negate ? TEST_NOT_PREFIX.length : TEST_PREFIX.length);
      const test = TESTS[testName];
      return (s) => {
        if (test === undefined) return pyRaise("TemplateRuntimeError", `No test named '${testName}'.`);
        const r = test(operand(s), args(s));
        return negate ? !r : r;
      };
    }
    const f = FILTERS[name];
    return (s) => {
      if (f === undefined) return pyRaise("TemplateAssertionError", `No filter named '${name}'.`);
      return f(operand(s), args(s));
    };
  }

  function compileMember(obj: Expr, n: Node): Expr {
    const prop = n.property as Node;
    if (n.computed && prop.type === "SliceExpression") {
      const none = (): PyValue => null;
      const [a, b, c] = [prop.start, prop.stop, prop.step].map((x: Node | undefined) => (x ? expr(x) : none));
      return (s) => envSlice(obj(s), (a as Expr)(s), (b as Expr)(s), (c as Expr)(s));
    }
    if (!n.computed) {
      if (prop.type === "IntegerLiteral") {
        const i = prop.value as number;
        return (s) => envGetitem(obj(s), i);
      }
      const name = prop.value as string;
      return (s) => envGetattr(obj(s), name);
    }
    const key = expr(prop);
    return (s) => envGetitem(obj(s), key(s));
  }

  function compileAdditive(node: Node): Expr {
    const operands: Node[] = [];
    const ops: string[] = [];
    let cur = node;
    while (cur.type === "BinaryExpression" && ADDITIVE.has(cur.operator.value)) {
      operands.unshift(cur.right);
      ops.unshift(cur.operator.value as string);
      cur = cur.left as Node;
    }
    operands.unshift(cur);
    // Jinja2 precedence: `~` binds tighter than `+` and `-`.
    const terms: Expr[] = [];
    const termOps: string[] = [];
    let group: Expr[] = [expr(operands[0] as Node)];
    const flush = (): void => {
      const g = group;
      terms.push(g.length === 1 ? (g[0] as Expr) : (s) => g.reduce<Str>((acc, e, i) => (i === 0 ? toStr(e(s)) : pyConcat(acc, e(s))), ""));
    };
    ops.forEach((op, i) => {
      const e = expr(operands[i + 1] as Node);
      if (op === "~") group.push(e);
      else {
        flush();
        termOps.push(op);
        group = [e];
      }
    });
    flush();
    if (terms.length === 1) return terms[0] as Expr;
    return (s) => {
      let v = (terms[0] as Expr)(s);
      for (let i = 1; i < terms.length; i++) v = pyArith(termOps[i - 1] as string, v, (terms[i] as Expr)(s));
      return v;
    };
  }

  function compileComparison(node: Node): Expr {
    const operands: Node[] = [];
    const ops: string[] = [];
    let cur = node;
    while (cur.type === "BinaryExpression" && COMPARISON.has(cur.operator.value)) {
      operands.unshift(cur.right);
      ops.unshift(cur.operator.value as string);
      cur = cur.left as Node;
    }
    operands.unshift(cur);
    const es = operands.map(expr);
    if (ops.length === 1) {
      const [a, b] = es as [Expr, Expr];
      const op = ops[0] as string;
      return (s) => pyCompare(op, a(s), b(s));
    }
    // Python's chained comparison: a < b < c means a < b and b < c, b evaluated once.
    return (s) => {
      let left = (es[0] as Expr)(s);
      for (let i = 0; i < ops.length; i++) {
        const right = (es[i + 1] as Expr)(s);
        if (!pyCompare(ops[i] as string, left, right)) return false;
        left = right;
      }
      return true;
    };
  }

  function compileExpr(n: Node): Expr {
    switch (n.type) {
      case "IntegerLiteral": {
        const v = n.value as number;
        return () => v;
      }
      case "FloatLiteral": {
        const v = mkFloat(n.value as number);
        return () => v;
      }
      case "StringLiteral": {
        const v = n.value as string;
        return () => v;
      }
      case "ArrayLiteral": {
        const es = (n.value as Node[]).map(expr);
        return (s) => es.map((e) => e(s));
      }
      case "TupleLiteral": {
        const es = (n.value as Node[]).map(expr);
        return (s) => new PyTuple(es.map((e) => e(s)));
      }
      case "ObjectLiteral": {
        const entries = [...(n.value as Map<Node, Node>)].map(([k, v]) => [expr(k), expr(v)] as const);
        return (s) => {
          const map = new Map<string, PyValue>();
          let keysContent = false;
          for (const [k, v] of entries) {
            const key = k(s);
            if (!isStr(key)) return unsupported("dict literals with keys that are not strings");
            if (!(typeof key === "string" || (key.parts !== null && key.parts.every((p) => p.kind === "markup")))) keysContent = true;
            map.set(strText(key), v(s));
          }
          return new PyDict(map, keysContent);
        };
      }
      case "Identifier": {
        const name = n.value as string;
        if (name in CONSTANTS) {
          const c = CONSTANTS[name] as PyValue;
          return () => c;
        }
        const missing = new PyUndefined(`'${name}' is undefined`);
        return (s) => {
          const v = s.lookup(name);
          return v === undefined ? missing : v;
        };
      }
      case "MemberExpression":
        return compileMember(expr(n.object), n);
      case "CallExpression": {
        const callee = n.callee as Node;
        if (callee.type === "Identifier" && (callee.value === PAREN_MARK || callee.value === TUPLE_MARK)) {
          const es = (n.args as Node[]).map(expr);
          if (callee.value === TUPLE_MARK) return (s) => new PyTuple(es.map((e) => e(s)));
          return es[0] as Expr;
        }
        const fn = expr(callee);
        const args = compileArgs(n.args as Node[]);
        return (s) => {
          const f = fn(s);
          return callValue(f, args(s));
        };
      }
      case "UnaryExpression": {
        const arg = expr(n.argument);
        const op = n.operator.value as string;
        if (op === "not") return (s) => !truthy(arg(s));
        return (s) => pyUnary(op, arg(s));
      }
      case "BinaryExpression": {
        const op = n.operator.value as string;
        if (op === "and" || op === "or") {
          const l = expr(n.left);
          const r = expr(n.right);
          return op === "and" ? (s) => (truthy(l(s)) ? r(s) : l(s)) : (s) => {
            const v = l(s);
            return truthy(v) ? v : r(s);
          };
        }
        if (ADDITIVE.has(op)) return compileAdditive(n);
        if (COMPARISON.has(op)) return compileComparison(n);
        const l = expr(n.left);
        const r = expr(n.right);
        if (op === "%") {
          return (s) => {
            const a = l(s);
            if (a instanceof TStr && a.safe) return unsupported("'%' formatting of a Markup string", "Markup escapes the arguments");
            return isStr(a) ? pyPercent(a, r(s)) : pyArith("%", a, r(s));
          };
        }
        return (s) => pyArith(op, l(s), r(s));
      }
      case "FilterExpression":
        return compileFilter(expr(n.operand), n.filter as Node);
      case "TestExpression": {
        const operand = expr(n.operand);
        const name = (n.test as Node).value as string;
        const negate = n.negate as boolean;
        return (s) => {
          const test = TESTS[name];
          if (test === undefined) return pyRaise("TemplateRuntimeError", `No test named '${name}'.`);
          const r = test(operand(s), { args: [], kwargs: null });
          return negate ? !r : r;
        };
      }
      case "SelectExpression": {
        const lhs = expr(n.lhs);
        const test = expr(n.test);
        const undef = new PyUndefined("the inline if-expression evaluated to false and no else section was defined.");
        return (s) => (truthy(test(s)) ? lhs(s) : undef);
      }
      case "Ternary": {
        const c = expr(n.condition);
        const t = expr(n.trueExpr);
        const f = expr(n.falseExpr);
        return (s) => (truthy(c(s)) ? t(s) : f(s));
      }
    }
    return unsupported(`the expression ${n.type}`);
  }

  function compileBody(nodes: Node[]): Stmt {
    const stmts = nodes.filter((x) => x.type !== "Comment").map(compileStmt);
    if (stmts.length === 1) return stmts[0] as Stmt;
    return (s, out) => {
      for (const st of stmts) {
        const code = st(s, out);
        if (code !== 0) return code;
      }
      return 0;
    };
  }

  function renderToStr(body: Stmt): (s: Scope) => Str {
    return (s) => {
      const out = new Out();
      body(s, out);
      return fromParts(out.segs);
    };
  }

  /**
   * The body of a `{% set %}` or `{% filter %}` block: rendered in an inner frame (its own
   * `{% set %}`s stay inside, as Jinja2 compiles it), and a `{% break %}`/`{% continue %}` in it
   * leaves the enclosing loop at once, before the block's result is used.
   */
  function blockBody(body: Stmt): (s: Scope) => [Str, number] {
    return (s) => {
      const out = new Out();
      const code = body(new Scope(s), out);
      return [fromParts(out.segs), code];
    };
  }

  function compileMacro(name: string, params: Node[], body: Stmt, used: Set<string>): (def: Scope) => PyCallable {
    const names = params.map((p) => (p.type === "Identifier" ? (p.value as string) : (p.key.value as string)));
    const defaults = params.map((p) => (p.type === "KeywordArgumentExpression" ? expr(p.value) : null));
    const catchKwargs = used.has("kwargs");
    const catchVarargs = used.has("varargs");
    const usesCaller = used.has("caller");
    const run = renderToStr(body);
    return (def) =>
      new PyCallable(name, "macro", (a) => {
        const s = new Scope(def);
        const kw = a.kwargs ? new Map(a.kwargs) : new Map<string, PyValue>();
        if (usesCaller) {
          const caller = kw.get("caller");
          s.vars.set("caller", caller === undefined ? new PyUndefined("No caller defined") : caller);
          kw.delete("caller");
        }
        const pending: number[] = [];
        names.forEach((pname, i) => {
          let v: PyValue | undefined = a.args[i];
          if (v === undefined && kw.has(pname)) {
            v = kw.get(pname) as PyValue;
            kw.delete(pname);
          } else if (v !== undefined && kw.has(pname)) {
            pyRaise("TypeError", `macro '${name}' got multiple values for argument '${pname}'`);
          }
          if (v === undefined) {
            if (defaults[i]) pending.push(i);
            else v = new PyUndefined(`parameter '${pname}' was not provided`);
          }
          if (v !== undefined) s.vars.set(pname, v);
        });
        for (const i of pending) s.vars.set(names[i] as string, (defaults[i] as Expr)(s));
        if (a.args.length > names.length) {
          if (!catchVarargs) pyRaise("TypeError", `macro '${name}' takes not more than ${names.length} argument(s)`);
        }
        if (catchVarargs) s.vars.set("varargs", new PyTuple(a.args.slice(names.length)));
        if (catchKwargs) s.vars.set("kwargs", new PyDict(kw, a.kwargsFromRequest === true));
        else if (kw.size > 0) pyRaise("TypeError", `macro '${name}' takes no keyword argument '${kw.keys().next().value}'`);
        return run(s);
      }, names);
  }

  function compileStmt(n: Node): Stmt {
    switch (n.type) {
      case "StringLiteral": {
        const text = n.value as string;
        return (_s, out) => (out.push(text, "markup"), 0);
      }
      case "Set": {
        const target = n.assignee as Node;
        if (n.value) {
          const value = expr(n.value);
          return (s) => (assign(target, value(s), s, expr), 0);
        }
        const body = blockBody(compileBody(n.body as Node[]));
        if (target.type === "FilterExpression") {
          // {% set x | filter %}...{% endset %}
          let result: Str = "";
          const filtered = compileFilter(() => result, target.filter as Node);
          const name = target.operand as Node;
          return (s) => {
            const [text, code] = body(s);
            if (code !== 0) return code;
            result = text;
            assign(name, filtered(s), s, expr);
            return 0;
          };
        }
        return (s) => {
          const [text, code] = body(s);
          if (code === 0) assign(target, text, s, expr);
          return code;
        };
      }
      case "If": {
        const test = expr(n.test);
        const body = compileBody(n.body as Node[]);
        const alt = compileBody(n.alternate as Node[]);
        return (s, out) => (truthy(test(s)) ? body(s, out) : alt(s, out));
      }
      case "For": {
        const target = n.loopvar as Node;
        const iterNode = n.iterable as Node;
        const isSelect = iterNode.type === "SelectExpression";
        const iterable = expr(isSelect ? iterNode.lhs : iterNode);
        const cond = isSelect ? expr(iterNode.test) : null;
        loopDepth++;
        const body = compileBody(n.body as Node[]);
        loopDepth--;
        const otherwise = compileBody(n.defaultBlock as Node[]);
        return (s, out) => {
          let items = iterate(iterable(s));
          if (cond !== null) {
            items = items.filter((item) => {
              const t = new Scope(s);
              assign(target, item, t, expr);
              return truthy(cond(t));
            });
          }
          // Jinja2 runs the else block unless some iteration's body ran to its end: an iteration
          // left by break or continue does not count.
          let completed = false;
          const loop = new PyLoop(items, 0);
          for (let i = 0; i < items.length; i++) {
            const t = new Scope(s);
            loop.index0 = i;
            t.vars.set("loop", loop);
            assign(target, items[i] as PyValue, t, expr);
            const code = body(t, out);
            if (code === BREAK) break;
            if (code === 0) completed = true;
          }
          if (!completed) otherwise(new Scope(s), out);
          return 0;
        };
      }
      case "Break":
      case "Continue":
        // Jinja2 rejects these outside a loop body when it parses the template.
        if (loopDepth === 0) throw new KimiK2Error("template_error", `template syntax error: {% ${n.type.toLowerCase()} %} outside a loop`);
        return n.type === "Break" ? () => BREAK : () => CONTINUE;
      case "Macro": {
        const name = (n.name as Node).value as string;
        const make = compileMacro(name, n.args as Node[], outsideLoops(() => compileBody(n.body as Node[])), namesIn(n.body, new Set()));
        return (s) => (s.vars.set(name, make(s)), 0);
      }
      case "CallStatement": {
        const call = n.call as Node;
        const callerParams = (n.callerArgs ?? []) as Node[];
        const makeCaller = compileMacro("caller", callerParams, outsideLoops(() => compileBody(n.body as Node[])), namesIn(n.body, new Set()));
        const fn = expr(call.callee);
        const args = compileArgs(call.args as Node[]);
        return (s, out) => {
          const a = args(s);
          const kwargs = new Map(a.kwargs ?? []);
          kwargs.set("caller", makeCaller(s));
          out.value(callValue(fn(s), { args: a.args, kwargs, kwargsFromRequest: a.kwargsFromRequest === true }));
          return 0;
        };
      }
      case "FilterStatement": {
        const body = blockBody(compileBody(n.body as Node[]));
        let rendered: Str = "";
        const apply = compileFilter(() => rendered, n.filter as Node);
        return (s, out) => {
          const [text, code] = body(s);
          if (code !== 0) return code;
          rendered = text;
          out.value(apply(s));
          return 0;
        };
      }
      case "Comment":
        return () => 0;
    }
    const value = expr(n);
    return (s, out) => (out.value(value(s)), 0);
  }

  return compileBody(program.body as Node[]);
}

