/**
 * The Jinja engine: `@huggingface/jinja`'s parser, fed by a Jinja2-exact lexer, and an evaluator that
 * reproduces Python Jinja2 3.1 inside Hugging Face's sandbox (see the README's "Chat templates"
 * section for why the evaluator is our own).
 *
 * @packageDocumentation
 */
import { parse } from "@huggingface/jinja";
import { KimiK2Error } from "../errors.js";
import { JsonFloat, isJsonFloat, isJsonObject, objectEntries, type JsonValue } from "./json-value.js";
import { compileProgram } from "./jinja-compile.js";
import { Out, Scope, type Node } from "./jinja-runtime.js";
import { makeGlobals } from "./jinja-globals.js";
import { lexTemplate } from "./jinja-lexer.js";
import { contentStr } from "./jinja-ops.js";
import { shimTokens } from "./jinja-shims.js";
import { PyDict, PyError, mkInt, type PyValue } from "./py-values.js";
import type { Segment } from "./segments.js";

/** A compiled template, ready to render many times. */
export interface JinjaProgram {
  /** Renders with the given variables (request data already converted with {@link requestValue}). */
  render(vars: ReadonlyMap<string, PyValue>, now?: () => Date): Segment[];
}

/**
 * Converts request data to engine values: every string and every dict key becomes content.
 *
 * @throws {@link KimiK2Error} `invalid_request` for values JSON cannot hold (functions, `undefined` in arrays...).
 */
export function requestValue(v: JsonValue, path = "request"): PyValue {
  switch (typeof v) {
    case "string":
      return contentStr(v);
    case "number":
      return Number.isInteger(v) ? mkInt(v) : v;
    case "bigint":
      return mkInt(v);
    case "boolean":
      return v;
  }
  if (v === null) return null;
  // A float from another copy of the package becomes this copy's class, which the engine tests for.
  if (isJsonFloat(v)) return v instanceof JsonFloat ? v : new JsonFloat((v as { value: number }).value);
  if (Array.isArray(v)) return v.map((x, i) => requestValue(x, `${path}[${i}]`));
  if (isJsonObject(v)) {
    const map = new Map<string, PyValue>();
    for (const [k, x] of objectEntries(v)) {
      if (x === undefined) continue;
      map.set(k, requestValue(x, `${path}.${k}`));
    }
    return new PyDict(map, true);
  }
  throw new KimiK2Error("invalid_request", `${path} is not a JSON value (${typeof v}); send only JSON data (strings, numbers, booleans, null, arrays, objects).`, {
    details: { path },
  });
}

/** Converts an error thrown while rendering into the library's error family. */
export function renderError(e: unknown): KimiK2Error {
  if (KimiK2Error.isInstance(e)) return e;
  if (e instanceof PyError) {
    return new KimiK2Error("template_error", `the template raised ${e.pyType}: ${e.message}`, { cause: e, details: { pythonError: e.pyType } });
  }
  if (e instanceof RangeError) {
    return new KimiK2Error("template_error", `the template raised RecursionError: ${e.message}`, { cause: e, details: { pythonError: "RecursionError" } });
  }
  return new KimiK2Error("template_error", `rendering failed: ${(e as Error)?.message ?? String(e)}`, { cause: e });
}

/**
 * Compiles template source.
 *
 * @throws {@link KimiK2Error} `template_error` for syntax errors, `template_unsupported` for
 *   constructs the engine refuses.
 */
export function compileJinja(source: string): JinjaProgram {
  const tokens = shimTokens(lexTemplate(source));
  let program: Node;
  try {
    program = parse(tokens as Parameters<typeof parse>[0]) as unknown as Node;
  } catch (e) {
    throw new KimiK2Error(
      "template_error",
      `cannot parse the template: ${(e as Error).message}. If Python Jinja2 accepts this template, it uses a construct @huggingface/jinja's parser does not support.`,
      { cause: e },
    );
  }
  const run = compileProgram(program);
  return {
    render(vars, now = () => new Date()) {
      const globals = new Scope(null);
      for (const [k, v] of makeGlobals(now)) globals.vars.set(k, v);
      const root = new Scope(globals);
      for (const [k, v] of vars) root.vars.set(k, v);
      const out = new Out();
      try {
        run(root, out);
      } catch (e) {
        throw renderError(e);
      }
      return out.segs;
    },
  };
}
