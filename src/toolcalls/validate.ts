/**
 * Checks on a call: its header (id style, name, tools), and its arguments (JSON, double encoding,
 * the tool's JSON schema). Everything here reports; nothing gates a call.
 *
 * @packageDocumentation
 */
import { Validator, type Schema } from "@cfworker/json-schema";
import { KimiK2Error } from "../errors.js";
import type { DiagnosticCode, DiagnosticSeverity, SchemaError, ToolCallValidation } from "./events.js";

/**
 * An OpenAI tool definition, as in a chat request's `tools` (a request read by `parseRequestJson`
 * can be passed as is). Only `type: "function"` tools are callable by this model; tools of other
 * types are ignored.
 */
export interface ToolDefinition {
  readonly type: string;
  readonly function?: {
    readonly name: string;
    readonly description?: string;
    /** The JSON schema of the arguments: a JSON object (Python-fidelity floats and big integers are read as numbers). */
    readonly parameters?: unknown;
    readonly strict?: boolean | null;
  };
}

/** An OpenAI `tool_choice`. */
export type ToolChoice = "auto" | "none" | "required" | { readonly type: "function"; readonly function: { readonly name: string } };

/** A finding about a call, before it becomes a diagnostic event. */
export interface Finding {
  readonly code: DiagnosticCode;
  readonly severity: DiagnosticSeverity;
  readonly message: string;
}

/** What the header of a call says. */
export interface HeaderAnalysis {
  /** The trimmed header. */
  readonly id: string;
  /** The name to report: derived from the id, or resolved against the tools. */
  readonly name: string;
  readonly tool: ToolCallValidation["tool"];
  readonly findings: Finding[];
}

const PREFIX = "functions.";
const STANDARD_ID = /^functions\.[^\s:]+:\d+$/;
const TRAILING_INDEX = /:\d+$/;

/** True for the whitespace the parser strips around markers: space, tab, LF, VT, FF, CR. */
export function isSpaceCode(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** `s` without leading and trailing {@link isSpaceCode} whitespace. */
export function trimSpace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isSpaceCode(s.charCodeAt(a))) a++;
  while (b > a && isSpaceCode(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/**
 * The function name in a call id: the id minus one leading `functions.` and one trailing
 * `:{digits}`. Never splits on the last dot or the first colon (`functions.my.ns.tool:3` is
 * `my.ns.tool`; `a:b` stays `a:b`).
 */
export function nameFromId(id: string): string {
  let name = id.startsWith(PREFIX) ? id.slice(PREFIX.length) : id;
  const m = TRAILING_INDEX.exec(name);
  if (m) name = name.slice(0, m.index);
  return name;
}

/** Characters that can be part of a tool name; a resolved name must not be preceded by one. */
function isNameChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;
}

/**
 * A tool's compiled schema. `withoutUniqueItems` (present when the schema uses `uniqueItems`) is
 * the same schema without that keyword: the validator compares every pair of items under it, which
 * is quadratic in the model's array (224 KB of distinct objects took 11 s). When no array in the
 * arguments holds two equal items, every `uniqueItems` holds, and a keyword that holds changes no
 * result (not even under `not` or `oneOf`), so the schema without it gives the same verdict and
 * errors in linear time.
 */
export interface ToolValidators {
  readonly full: Validator;
  readonly withoutUniqueItems?: Validator;
}

const validatorCache = new WeakMap<object, ToolValidators>();

/** The request's tools, indexed for whole-name lookup, with their schema validators. */
export class ToolSet {
  private readonly byName = new Map<string, ToolDefinition>();

  /** Throws {@link KimiK2Error} `invalid_options` when `tools` is not a list of function tools. */
  constructor(tools: readonly ToolDefinition[]) {
    if (!Array.isArray(tools)) {
      throw new KimiK2Error("invalid_options", "options.tools must be an array of OpenAI tool definitions ({type: \"function\", function: {name, parameters}}).");
    }
    tools.forEach((tool: ToolDefinition, i: number) => {
      if (tool?.type !== "function") return;
      const name: unknown = tool.function?.name;
      if (typeof name !== "string" || name === "") {
        throw new KimiK2Error("invalid_options", `options.tools[${i}] has no function.name: pass OpenAI tool definitions ({type: "function", function: {name, parameters}}).`, { details: { index: i } });
      }
      const params: unknown = tool.function!.parameters;
      if (params !== undefined && (typeof params !== "object" || params === null || Array.isArray(params))) {
        throw new KimiK2Error("invalid_options", `options.tools[${i}].function.parameters must be a JSON schema object.`, { details: { index: i } });
      }
      this.byName.set(name, tool);
    });
  }

  /** True when a tool has exactly this name. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /**
   * The longest tool name that ends the id as a whole name (preceded by a character that cannot be
   * part of a name, or by nothing), ignoring a trailing `:{digits}`: `functions<read` → `read`.
   * Undefined when no tool fits.
   */
  resolve(id: string): string | undefined {
    const m = TRAILING_INDEX.exec(id);
    const body = m ? id.slice(0, m.index) : id;
    let found: string | undefined;
    for (const name of this.byName.keys()) {
      if (!body.endsWith(name)) continue;
      const before = body.length - name.length - 1;
      if (before >= 0 && isNameChar(body.charCodeAt(before))) continue;
      // Candidates all end the header, so each shorter one is a suffix of a longer one: the
      // longest is the most specific (`x<ns.read` is `ns.read`, not `read`).
      if (found === undefined || name.length > found.length) found = name;
    }
    return found;
  }

  /** The function tools' names. */
  names(): IterableIterator<string> {
    return this.byName.keys();
  }

  /** The validators for a tool's parameters, or undefined when it has no schema. Built once per schema object. */
  validator(name: string): ToolValidators | undefined {
    const params = this.byName.get(name)?.function?.parameters;
    if (params === undefined) return undefined;
    let v = validatorCache.get(params as object);
    if (v === undefined) {
      try {
        const schema = withoutUrlFormat(plainJson(params));
        const full = new Validator(schema as Schema, "2020-12", false);
        // A second copy to change: the full validator keeps the first.
        const reduced = withoutUniqueItems(plainJson(schema));
        v = reduced === undefined ? { full } : { full, withoutUniqueItems: new Validator(reduced as Schema, "2020-12", false) };
      } catch (cause) {
        throw new KimiK2Error("invalid_options", `The JSON schema of tool "${name}" cannot be compiled: fix options.tools.`, { cause, details: { name } });
      }
      validatorCache.set(params as object, v);
    }
    return v;
  }
}

/**
 * A schema as plain JSON. A request read with Python number fidelity holds floats as wrapper objects
 * (with `toJSON`) and big integers as `bigint`; a validator comparing `const`, `enum` or bounds must
 * see numbers.
 */
function plainJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? Number(v) : v)));
}

/** Keywords whose values are instance data, not subschemas: a `format` key inside them is data. */
const DATA_KEYWORDS = new Set(["const", "enum", "default", "examples"]);

/**
 * The schema (a fresh copy, changed in place) without `format: "url"`. The validator checks that
 * format with a regular expression that backtracks exponentially (`http://` and 30 letters without
 * a dot take seconds, each further letter doubles it), so model output could stall the parser.
 * "url" is in no JSON Schema draft, and a validator ignores a format it does not define; this one
 * now does too. The standard `uri` check is linear and stays.
 */
function withoutUrlFormat(schema: unknown): unknown {
  schemaObjects(schema, (obj) => {
    if (obj.format === "url") delete obj.format;
  });
  return schema;
}

/** The objects of a schema in schema positions (not inside {@link DATA_KEYWORDS}), depth first. */
function schemaObjects(schema: unknown, visit: (obj: Record<string, unknown>) => void): void {
  const stack: unknown[] = [schema];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== "object" || node === null) continue;
    if (Array.isArray(node)) {
      for (const item of node) stack.push(item);
      continue;
    }
    const obj = node as Record<string, unknown>;
    visit(obj);
    for (const key of Object.keys(obj)) if (!DATA_KEYWORDS.has(key)) stack.push(obj[key]);
  }
}

/** The schema (a fresh copy, changed in place) without `uniqueItems`, or undefined when it has none (see {@link ToolValidators}). */
function withoutUniqueItems(schema: unknown): unknown {
  let found = false;
  schemaObjects(schema, (obj) => {
    if ("uniqueItems" in obj && typeof obj.uniqueItems === "boolean") {
      delete obj.uniqueItems;
      found = true;
    }
  });
  return found ? schema : undefined;
}

/**
 * True when some array in a parsed JSON value holds two items equal as JSON (key order ignored,
 * `0` equal to `-0`): the equality the validator's `uniqueItems` uses. Each distinct subtree gets a
 * number once, bottom-up, so the cost is linear in the value (plus sorting object keys) at any
 * depth.
 */
export function hasDuplicateItems(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const numbers = new Map<string, number>();
  const numbered = new Map<object, number>();
  const numberOf = (v: unknown): number => {
    let sig: string;
    if (typeof v === "object" && v !== null) return numbered.get(v)!;
    else if (typeof v === "string") sig = "s" + v;
    else if (typeof v === "number") sig = "n" + String(v);
    else sig = String(v);
    let n = numbers.get(sig);
    if (n === undefined) numbers.set(sig, (n = numbers.size));
    return n;
  };
  const stack: object[] = [value];
  while (stack.length > 0) {
    const node = stack[stack.length - 1]!;
    const children: unknown[] = Array.isArray(node) ? node : Object.values(node);
    let pending = false;
    for (const c of children) {
      if (typeof c === "object" && c !== null && !numbered.has(c)) {
        stack.push(c);
        pending = true;
      }
    }
    if (pending) continue;
    stack.pop();
    let sig: string;
    if (Array.isArray(node)) {
      const items = node.map(numberOf);
      if (new Set(items).size < items.length) return true;
      sig = "a" + items.join(",");
    } else {
      const obj = node as Record<string, unknown>;
      sig = "o" + Object.keys(obj).sort().map((k) => `${JSON.stringify(k)}:${numberOf(obj[k])}`).join(",");
    }
    let n = numbers.get(sig);
    if (n === undefined) numbers.set(sig, (n = numbers.size));
    numbered.set(node, n);
  }
  return false;
}

/** Analyses a call header: the id, the name, and what is odd about them. */
export function analyzeHeader(header: string, tools: ToolSet | undefined, resolveNames: boolean): HeaderAnalysis {
  const id = trimSpace(header);
  const findings: Finding[] = [];
  let name = nameFromId(id);
  if (!STANDARD_ID.test(id)) {
    findings.push({ code: "nonstandard_id", severity: "info", message: `The call id "${id}" is not of the form functions.{name}:{index}; the name read from it is "${name}".` });
  }
  let tool: ToolCallValidation["tool"] = "unchecked";
  if (tools) {
    if (tools.has(name)) {
      tool = "known";
    } else {
      const resolved = resolveNames ? tools.resolve(id) : undefined;
      if (resolved !== undefined) {
        findings.push({ code: "name_resolved", severity: "warning", message: `The name "${name}" is not a tool; the header "${id}" names the tool "${resolved}", which is used.` });
        name = resolved;
        tool = "resolved";
      } else {
        tool = "unknown";
        findings.push({ code: "unknown_tool", severity: "error", message: `"${name}" is not among the request's tools.` });
      }
    }
  }
  if (name === "") findings.push({ code: "empty_name", severity: "error", message: `The call header "${id}" gives no function name.` });
  return { id, name, tool, findings };
}

/** The result of checking a complete call's arguments. */
export interface ArgumentsCheck {
  readonly validation: ToolCallValidation;
  readonly findings: Finding[];
  /** With `repair`, arguments fixed by a documented repair. */
  readonly repaired?: string;
}

function isContainer(v: unknown): boolean {
  return typeof v === "object" && v !== null;
}

/**
 * Checks complete arguments: JSON, object-ness, double encoding, and the tool's schema. With
 * `repair`, double-encoded arguments are unwrapped and empty arguments become `{}`.
 */
export function checkArguments(args: string, name: string, tool: ToolCallValidation["tool"], tools: ToolSet | undefined, repair: boolean): ArgumentsCheck {
  const findings: Finding[] = [];
  let json: ToolCallValidation["json"];
  let value: unknown;
  let parsed = true;
  try {
    value = JSON.parse(args);
  } catch {
    parsed = false;
  }
  let repaired: string | undefined;
  if (!parsed) {
    json = "invalid";
    if (repair && trimSpace(args) === "") {
      repaired = "{}";
      value = {};
    } else {
      findings.push({ code: "invalid_json", severity: "error", message: args === "" ? "The arguments are empty." : "The arguments are not valid JSON." });
    }
  } else if (typeof value === "string") {
    let inner: unknown;
    let innerOk = true;
    try {
      inner = JSON.parse(value);
    } catch {
      innerOk = false;
    }
    if (innerOk && isContainer(inner)) {
      json = "double_encoded";
      findings.push({ code: "double_encoded_arguments", severity: "error", message: "The arguments are a JSON string holding JSON (double-encoded)." });
      if (repair) repaired = value;
      value = inner;
    } else {
      json = "not_object";
      findings.push({ code: "arguments_not_object", severity: "error", message: "The arguments are a JSON string, not an object." });
    }
  } else if (isContainer(value) && !Array.isArray(value)) {
    json = "object";
  } else {
    json = "not_object";
    findings.push({ code: "arguments_not_object", severity: "error", message: "The arguments are JSON but not an object." });
  }
  if (repaired !== undefined) {
    findings.push({ code: "arguments_repaired", severity: "warning", message: json === "invalid" ? "Empty arguments were repaired to {}." : "Double-encoded arguments were unwrapped." });
  }
  let schema: ToolCallValidation["schema"] = "unchecked";
  const schemaErrors: SchemaError[] = [];
  const objectLike = json === "object" || (json === "double_encoded" && isContainer(value) && !Array.isArray(value)) || repaired === "{}";
  const validators = tools && tool !== "unknown" && objectLike ? tools.validator(name) : undefined;
  const validator = validators?.withoutUniqueItems !== undefined && !hasDuplicateItems(value) ? validators.withoutUniqueItems : validators?.full;
  let result: ReturnType<Validator["validate"]> | undefined;
  let unusable = false;
  try {
    result = validator?.validate(value);
  } catch (cause) {
    // Found only while validating, so reported rather than thrown. Usually the request's schema is
    // at fault (an unresolved $ref, a bad pattern); a RangeError is the stack running out, because
    // the validator recurses once per nesting level of the arguments: a few hundred nested arrays
    // under a recursive schema are enough. Either way the schema was not shown to hold, so the
    // call is not valid: otherwise deep nesting would let any arguments pass.
    unusable = true;
    const why = cause instanceof RangeError ? "the arguments are nested too deeply for the validator" : cause instanceof Error ? cause.message.split("\n")[0]!.replace(/\.$/, "") : String(cause);
    findings.push({ code: "schema_unusable", severity: "warning", message: `The schema of "${name}" could not be applied (${why}): the arguments are unchecked and the call is not valid.` });
  }
  if (result) {
    schema = result.valid ? "valid" : "invalid";
    for (const e of result.errors) schemaErrors.push({ instanceLocation: e.instanceLocation, keyword: e.keyword, message: e.error });
    if (!result.valid) {
      const first = schemaErrors[0];
      // The validator's messages end with a period already.
      const detail = first ? `: ${first.instanceLocation} ${first.message.replace(/\.$/, "")}` : "";
      findings.push({ code: "schema_violation", severity: "error", message: `The arguments do not match the schema of "${name}"${detail}.` });
    }
  }
  // A repair makes the call valid only when it yields an object: an unwrapped double-encoded array
  // is still not what a function call takes. A call without a name is never valid.
  const valid = (json === "object" || (repaired !== undefined && objectLike)) && name !== "" && tool !== "unknown" && schema !== "invalid" && !unusable;
  const validation: ToolCallValidation = { valid, json, tool, schema, schemaErrors };
  return repaired === undefined ? { validation, findings } : { validation, findings, repaired };
}
