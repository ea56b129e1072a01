/**
 * Jinja2 3.1's tests (`x is defined`, `x is divisibleby(3)`...) with Python semantics.
 *
 * @packageDocumentation
 */
import { isCallable } from "./jinja-attrs.js";
import { pyArith, pyCompare, pyContains, pyEq, toStr } from "./jinja-ops.js";
import { callStrMethod } from "./jinja-str-methods.js";
import { pyPercent } from "./py-strformat.js";
import {
  PyDict,
  PyRange,
  PyTuple,
  PyUndefined,
  PyView,
  PyIter,
  PyLoop,
  TStr,
  type CallArgs,
  isFloat,
  isInt,
  isStr,
  strText,
  pyRaise,
  unsupported,
  type PyValue,
} from "./py-values.js";

/** A test: the value and the test's arguments; returns the truth value. */
export type Test = (value: PyValue, a: CallArgs) => boolean;

const NO_ARGS: CallArgs = { args: [], kwargs: null };

function arg(a: CallArgs, name: string, i = 0): PyValue {
  const v = i < a.args.length ? a.args[i] : a.kwargs?.get(name);
  if (v === undefined) return pyRaise("TypeError", `test missing required argument '${name}'`);
  return v;
}

function compareTest(op: string): Test {
  return (v, a) => pyCompare(op, v, arg(a, "other"));
}

/** Python's `%`: string formatting for a str, modulo otherwise (`'a' is odd` raises as in Python). */
function mod(v: PyValue, n: PyValue): PyValue {
  return isStr(v) ? pyPercent(v, n) : pyArith("%", v, n);
}

function isNumber(v: PyValue): boolean {
  return typeof v === "boolean" || isInt(v) || isFloat(v);
}

// Filled by jinja-filters' module to avoid a cycle: `x is filter` asks whether a filter exists.
let filterNames: ReadonlySet<string> = new Set();

/** Registers the filter names for the `filter` test. */
export function setFilterNames(names: ReadonlySet<string>): void {
  filterNames = names;
}

/** Jinja2's tests by name. */
export const TESTS: Record<string, Test> = {
  odd: (v) => pyEq(mod(v, 2), 1),
  even: (v) => pyEq(mod(v, 2), 0),
  divisibleby: (v, a) => pyEq(mod(v, arg(a, "num")), 0),
  defined: (v) => !(v instanceof PyUndefined),
  undefined: (v) => v instanceof PyUndefined,
  none: (v) => v === null,
  boolean: (v) => typeof v === "boolean",
  false: (v) => v === false,
  true: (v) => v === true,
  integer: (v) => isInt(v),
  float: (v) => isFloat(v),
  lower: (v) => callStrMethod(toStr(v), "islower", NO_ARGS) === true,
  upper: (v) => callStrMethod(toStr(v), "isupper", NO_ARGS) === true,
  string: (v) => isStr(v),
  mapping: (v) => v instanceof PyDict,
  number: isNumber,
  sequence: (v) => isStr(v) || Array.isArray(v) || v instanceof PyTuple || v instanceof PyDict || v instanceof PyRange || v instanceof PyUndefined,
  iterable: (v) =>
    isStr(v) || Array.isArray(v) || v instanceof PyTuple || v instanceof PyDict || v instanceof PyRange || v instanceof PyUndefined || v instanceof PyView || v instanceof PyIter,
  // Undefined and the loop object define __call__ (one raises, the other recurses), so callable() is True.
  callable: (v) => isCallable(v) || v instanceof PyUndefined || v instanceof PyLoop,
  sameas: (v, a) => {
    const other = arg(a, "other");
    if (v === null || typeof v === "boolean" || other === null || typeof other === "boolean") return v === other;
    // CPython caches the ints -5..256, so identity equals equality there; elsewhere it depends on memory.
    const small = (x: PyValue): boolean => typeof x === "number" && Number.isInteger(x) && x >= -5 && x <= 256;
    if (small(v) && small(other)) return v === other;
    if (v instanceof PyUndefined || other instanceof PyUndefined || (typeof v === "object" && v === other)) return v === other;
    return unsupported("the 'sameas' test on values whose identity depends on Python's memory");
  },
  escaped: (v) => v instanceof TStr && v.safe,
  in: (v, a) => pyContains(arg(a, "seq"), v),
  "==": compareTest("=="),
  eq: compareTest("=="),
  equalto: compareTest("=="),
  "!=": compareTest("!="),
  ne: compareTest("!="),
  "<": compareTest("<"),
  lt: compareTest("<"),
  lessthan: compareTest("<"),
  "<=": compareTest("<="),
  le: compareTest("<="),
  ">": compareTest(">"),
  gt: compareTest(">"),
  greaterthan: compareTest(">"),
  ">=": compareTest(">="),
  ge: compareTest(">="),
  filter: (v) => isStr(v) && filterNames.has(strText(v)),
  test: (v) => isStr(v) && strText(v) in TESTS,
};

