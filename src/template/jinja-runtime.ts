/**
 * Runtime pieces of the Jinja engine: scopes, the segment writer, assignment and calls.
 *
 * @packageDocumentation
 */
import { iterate, type Str } from "./jinja-ops.js";
import { pyStr } from "./py-format.js";
import {
  PyCallable,
  PyJoiner,
  PyNamespace,
  PyUndefined,
  TStr,
  type CallArgs,
  failUndefined,
  pyRaise,
  typeName,
  unsupported,
  type PyValue,
} from "./py-values.js";
import type { Segment } from "./segments.js";

/** A node of `@huggingface/jinja`'s syntax tree (its classes are not exported; fields read here). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Node = { type: string; [field: string]: any };

/** A variable scope: a frame and its parent. */
export class Scope {
  readonly vars = new Map<string, PyValue>();
  constructor(readonly parent: Scope | null) {}
  lookup(name: string): PyValue | undefined {
    for (let s: Scope | null = this; s !== null; s = s.parent) {
      const v = s.vars.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  }
}

/** The rendered output as merged segments. */
export class Out {
  readonly segs: Segment[] = [];
  push(text: string, kind: Segment["kind"]): void {
    if (!text) return;
    const last = this.segs[this.segs.length - 1];
    if (last !== undefined && last.kind === kind) last.text += text;
    else this.segs.push({ text, kind });
  }
  str(s: Str): void {
    if (typeof s === "string") this.push(s, "markup");
    else if (s.parts === null) this.push(s.text, "content");
    else for (const p of s.parts) this.push(p.text, p.kind);
  }
  /** `{{ value }}`: Python's str(value). */
  value(v: PyValue): void {
    if (typeof v === "string") this.push(v, "markup");
    else if (v instanceof TStr) this.str(v);
    else if (!(v instanceof PyUndefined)) this.push(pyStr(v), "content");
  }
}

/** Names a subtree reads (to know whether a macro uses `varargs`, `kwargs` or `caller`). */
export function namesIn(node: unknown, found: Set<string>): Set<string> {
  if (Array.isArray(node)) for (const x of node) namesIn(x, found);
  else if (node instanceof Map) for (const [k, v] of node) (namesIn(k, found), namesIn(v, found));
  else if (node !== null && typeof node === "object") {
    const n = node as Node;
    if (n.type === "Identifier" && typeof n.value === "string") found.add(n.value);
    for (const key of Object.keys(n)) if (key !== "type") namesIn(n[key], found);
  }
  return found;
}

/** `{% set target = value %}` (and loop targets): a name, a tuple of names, or `namespace.attr`. */
export function assign(target: Node, value: PyValue, scope: Scope, evalExpr: (n: Node) => (s: Scope) => PyValue): void {
  if (target.type === "Identifier") {
    scope.vars.set(target.value as string, value);
    return;
  }
  if (target.type === "TupleLiteral") {
    const names = target.value as Node[];
    const items = iterate(value);
    if (items.length < names.length) pyRaise("ValueError", `not enough values to unpack (expected ${names.length}, got ${items.length})`);
    if (items.length > names.length) pyRaise("ValueError", `too many values to unpack (expected ${names.length})`);
    names.forEach((n, i) => assign(n, items[i] as PyValue, scope, evalExpr));
    return;
  }
  if (target.type === "MemberExpression" && !target.computed && target.property.type === "Identifier") {
    const obj = evalExpr(target.object as Node)(scope);
    if (!(obj instanceof PyNamespace)) pyRaise("TemplateRuntimeError", "cannot assign attribute on non-namespace object");
    obj.map.set(target.property.value as string, value);
    return;
  }
  unsupported(`assigning to a ${target.type}`);
}

/** Calls a callable value. */
export function callValue(fn: PyValue, a: CallArgs): PyValue {
  if (fn instanceof PyCallable) return fn.call(a);
  if (fn instanceof PyJoiner) {
    if (!fn.used) {
      fn.used = true;
      return "";
    }
    return fn.sep;
  }
  if (fn instanceof PyUndefined) return failUndefined(fn);
  return pyRaise("TypeError", `'${typeName(fn)}' object is not callable`);
}
