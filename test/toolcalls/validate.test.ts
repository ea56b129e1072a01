/**
 * Header and argument checks: name derivation, whole-name tool matching and resolution, JSON-schema
 * validation with @cfworker/json-schema, tool_choice and parallel_tool_calls.
 */
import { Validator, type Schema } from "@cfworker/json-schema";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hasDuplicateItems } from "../../src/toolcalls/validate.js";
import { nameFromId, parseToolCalls, type ToolCallDoneEvent, type ToolDefinition } from "../../src/toolcalls/index.js";
import { parseRequestJson } from "../../src/template/index.js";
import { params } from "./arbitraries.js";
import { parseWhole } from "./helpers.js";

const call = (id: string, args: string) => `<|tool_calls_section_begin|><|tool_call_begin|>${id}<|tool_call_argument_begin|>${args}<|tool_call_end|><|tool_calls_section_end|>`;

const WEATHER: ToolDefinition = {
  type: "function",
  function: {
    name: "get_weather",
    parameters: { type: "object", properties: { city: { type: "string" }, unit: { enum: ["c", "f"] } }, required: ["city"], additionalProperties: false },
  },
};

function done(input: string, options = {}): ToolCallDoneEvent {
  const e = parseWhole(input, options).find((x) => x.type === "tool_call.done");
  if (e?.type !== "tool_call.done") throw new Error("no tool_call.done event");
  return e;
}

describe("nameFromId", () => {
  const table: Array<[string, string]> = [
    ["functions.get_weather:0", "get_weather"],
    ["functions.my.ns.tool:12", "my.ns.tool"],
    ["functions.mcp__github__create-issue:3", "mcp__github__create-issue"],
    ["search:2", "search"],
    ["call00003", "call00003"],
    ["3", "3"],
    ["functions.a:b:1", "a:b"],
    ["functions.functions.x:1", "functions.x"],
    ["functions.f:1:2", "f:1"],
    ["functions<read", "functions<read"],
    ["functions.", ""],
    ["f:", "f:"],
  ];
  for (const [id, name] of table) {
    it(`${id} → ${name === "" ? "(empty)" : name}`, () => expect(nameFromId(id)).toBe(name));
  }
});

describe("tools", () => {
  it("a known tool with valid arguments is valid", () => {
    expect(done(call("functions.get_weather:0", '{"city": "Oslo", "unit": "c"}'), { tools: [WEATHER] }).validation).toEqual({
      valid: true,
      json: "object",
      tool: "known",
      schema: "valid",
      schemaErrors: [],
    });
  });

  it("schema violations are listed with their location, the call is kept", () => {
    const r = parseToolCalls(call("functions.get_weather:0", '{"unit": "k"}'), { tools: [WEATHER] });
    expect(r.tool_calls).toHaveLength(1);
    const v = done(call("functions.get_weather:0", '{"unit": "k"}'), { tools: [WEATHER] }).validation;
    expect(v.valid).toBe(false);
    expect(v.schema).toBe("invalid");
    expect(v.schemaErrors.map((e) => e.keyword)).toEqual(expect.arrayContaining(["required", "enum"]));
    expect(r.diagnostics.map((d) => [d.code, d.index])).toEqual([["schema_violation", 0]]);
  });

  it("name matching is whole-name and case-sensitive", () => {
    for (const id of ["functions.get_weathers:0", "functions.Get_weather:0", "functions.weather:0"]) {
      expect(done(call(id, "{}"), { tools: [WEATHER] }).validation.tool).toBe("unknown");
    }
  });

  it("resolution takes the longest tool name that ends the header as a whole name", () => {
    const tools: ToolDefinition[] = [{ type: "function", function: { name: "read" } }, { type: "function", function: { name: "ns.read" } }];
    expect(done(call("functions<ns.read:1", "{}"), { tools, resolveNames: true }).name).toBe("ns.read");
    expect(done(call("x.read", "{}"), { tools, resolveNames: true }).name).toBe("read");
    // "misread" does not end with "read" as a whole name.
    expect(done(call("misread", "{}"), { tools, resolveNames: true }).validation.tool).toBe("unknown");
    // Without the option, nothing is resolved.
    expect(done(call("functions<ns.read:1", "{}"), { tools }).validation.tool).toBe("unknown");
  });

  it("the double-encoded object is validated against the schema", () => {
    const v = done(call("functions.get_weather:0", JSON.stringify(JSON.stringify({ unit: "c" }))), { tools: [WEATHER] }).validation;
    expect([v.json, v.schema]).toEqual(["double_encoded", "invalid"]);
  });

  it("a schema violation's message names the first error once, ending in a single period", () => {
    const d = parseToolCalls(call("functions.get_weather:0", '{"city": 3}'), { tools: [WEATHER] }).diagnostics;
    expect(d.map((x) => x.code)).toEqual(["schema_violation"]);
    expect(d[0]!.message.startsWith('The arguments do not match the schema of "get_weather": #')).toBe(true);
    expect(d[0]!.message.endsWith(".")).toBe(true);
    expect(d[0]!.message.endsWith("..")).toBe(false);
  });

  it("a schema that fails while validating is reported, never thrown", () => {
    const tools: ToolDefinition[] = [{ type: "function", function: { name: "f", parameters: { $ref: "#/nowhere" } } }];
    const r = parseToolCalls(call("functions.f:0", "{}"), { tools });
    expect(r.tool_calls).toHaveLength(1);
    expect(r.diagnostics.map((d) => d.code)).toEqual(["schema_unusable"]);
    expect(done(call("functions.f:0", "{}"), { tools }).validation).toMatchObject({ schema: "unchecked", valid: false });
  });

  it('format "url" (in no JSON Schema draft) is not asserted: its check backtracks exponentially on model text', () => {
    // The validator's "url" regular expression takes seconds on `http://` and 30 letters with no
    // dot, doubling with each letter: a stall the model can trigger. Ignored like any format a draft
    // does not define; "uri" and the other standard formats are still checked, and a "format"
    // inside const / enum stays data.
    const tools: ToolDefinition[] = [
      {
        type: "function",
        function: {
          name: "fetch",
          parameters: {
            type: "object",
            properties: { url: { type: "string", format: "url" }, link: { type: "string", format: "uri" }, opts: { const: { format: "url" } } },
            $defs: { u: { format: "url" } },
          },
        },
      },
    ];
    const slow = `http://${"a".repeat(24)}!`;
    const ok = done(call("functions.fetch:0", JSON.stringify({ url: slow, link: "https://example.com/x", opts: { format: "url" } })), { tools });
    expect(ok.validation).toMatchObject({ schema: "valid", valid: true });
    const bad = done(call("functions.fetch:0", JSON.stringify({ url: "x", link: "not a uri", opts: {} })), { tools });
    expect(bad.validation.schemaErrors.map((e) => [e.instanceLocation, e.keyword])).toEqual(
      expect.arrayContaining([
        ["#/link", "format"],
        ["#/opts", "const"],
      ]),
    );
    expect(bad.validation.schemaErrors.some((e) => e.instanceLocation === "#/url")).toBe(false);
  });

  it("arguments nested deeper than the validator's stack are not valid, whatever else they break", () => {
    // A recursive schema (a tree of arrays): the validator recurses once per level, so a few
    // thousand nested arrays exhaust the stack. The rest of these arguments breaks the schema twice
    // (confirm is not a boolean, extra is not allowed): the call must not come out valid.
    const tree = { type: "object", properties: { node: { $ref: "#/$defs/node" }, confirm: { type: "boolean" } }, required: ["node", "confirm"], additionalProperties: false, $defs: { node: { type: "array", items: { $ref: "#/$defs/node" } } } };
    const tools: ToolDefinition[] = [{ type: "function", function: { name: "tree", parameters: tree } }];
    const depth = 20_000;
    const args = `{"node": ${"[".repeat(depth)}${"]".repeat(depth)}, "confirm": "yes", "extra": 1}`;
    const events = parseWhole(call("functions.tree:0", args), { tools });
    const d = events.find((e) => e.type === "tool_call.done");
    expect(d).toMatchObject({ arguments: args, validation: { json: "object", tool: "known", schema: "unchecked", valid: false } });
    const diag = events.find((e) => e.type === "diagnostic" && e.code === "schema_unusable");
    expect(diag).toMatchObject({ index: 0, message: expect.stringContaining("nested too deeply") });
    // Shallow arguments under the same schema are checked as usual.
    expect(done(call("functions.tree:0", '{"node": [[], [[]]], "confirm": true}'), { tools }).validation).toMatchObject({ schema: "valid", valid: true });
  });
});

describe("validity", () => {
  it("repair makes a double-encoded object valid", () => {
    const d = done(call("functions.get_weather:0", JSON.stringify(JSON.stringify({ city: "Oslo" }))), { tools: [WEATHER], repair: true });
    expect([d.repairedArguments, d.validation.valid]).toEqual(['{"city":"Oslo"}', true]);
  });

  it("a double-encoded array stays invalid, repaired or not", () => {
    for (const repair of [false, true]) {
      const d = done(call("functions.f:0", '"[1, 2]"'), { repair });
      expect([d.validation.json, d.validation.valid]).toEqual(["double_encoded", false]);
    }
  });

  it("a call without a name is invalid, even with object arguments and no tools", () => {
    const d = done(call("functions.:0", "{}"));
    expect([d.name, d.validation.json, d.validation.valid]).toEqual(["", "object", false]);
  });
});

describe("tool_choice and parallel_tool_calls", () => {
  const two = `<|tool_calls_section_begin|><|tool_call_begin|>functions.a:0<|tool_call_argument_begin|>{}<|tool_call_end|><|tool_call_begin|>functions.b:1<|tool_call_argument_begin|>{"x": 1}<|tool_call_end|><|tool_calls_section_end|>`;

  it("none removes every call; the removed text is in the diagnostics", () => {
    const r = parseToolCalls(`Hi${two}`, { tool_choice: "none" });
    expect([r.content, r.tool_calls, r.finish_reason]).toEqual(["Hi", [], "stop"]);
    expect(r.diagnostics.map((d) => [d.code, d.dropped, d.raw])).toEqual([
      ["tool_call_suppressed", true, "<|tool_call_begin|>functions.a:0<|tool_call_argument_begin|>{}"],
      ["tool_call_suppressed", true, '<|tool_call_begin|>functions.b:1<|tool_call_argument_begin|>{"x": 1}'],
    ]);
  });

  it("required is satisfied by any call", () => {
    expect(parseToolCalls(two, { tool_choice: "required" }).diagnostics).toEqual([]);
  });

  it("a named function is satisfied by calls to it only", () => {
    const r = parseToolCalls(two, { tool_choice: { type: "function", function: { name: "a" } } });
    expect(r.diagnostics.map((d) => [d.code, d.index])).toEqual([["tool_choice_violated", 1]]);
  });

  it("parallel_tool_calls false keeps the first call, with index 0", () => {
    const r = parseToolCalls(two, { parallel_tool_calls: false });
    expect(r.tool_calls.map((c) => c.id)).toEqual(["functions.a:0"]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(["parallel_tool_call_dropped"]);
  });
});

describe("tools as a request carries them", () => {
  it("takes the tools of a request read with Python number fidelity: floats and big integers are numbers to the schema", () => {
    const request = parseRequestJson(
      '{"messages": [], "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"x": {"type": "number", "maximum": 1.0}, "n": {"enum": [12345678901234567890]}}}}}]}',
    );
    expect(done(call("functions.f:0", '{"x": 1.0}'), { tools: request.tools }).validation.schema).toBe("valid");
    expect(done(call("functions.f:0", '{"x": 1.5}'), { tools: request.tools }).validation.schema).toBe("invalid");
    expect(done(call("functions.f:0", '{"n": 12345678901234567890}'), { tools: request.tools }).validation.schema).toBe("valid");
  });

  it("ignores tools of other types instead of refusing the list", () => {
    const tools = [{ type: "custom", custom: { name: "grammar" } }, WEATHER];
    const d = done(call("functions.get_weather:0", '{"city": "Paris"}'), { tools });
    expect(d.validation.tool).toBe("known");
    expect(done(call("functions.grammar:0", "{}"), { tools }).validation.tool).toBe("unknown");
  });
});

/** JSON equality as the validator's uniqueItems sees it (key order ignored), written naively. */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function anyArrayHasDuplicates(v: unknown): boolean {
  if (typeof v !== "object" || v === null) return false;
  const children = Object.values(v);
  if (Array.isArray(v) && v.some((x, i) => v.some((y, j) => i < j && jsonEqual(x, y)))) return true;
  return children.some(anyArrayHasDuplicates);
}

// Small alphabets, so that equal items (also with keys in another order) are frequent.
const arbSmallJson = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(0, -0, 1, 1.5, "a", "b", "", true, false, null),
    fc.array(tie("v"), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom("x", "y", "z"), tie("v"), { maxKeys: 3 }),
  ),
})).v;

describe("uniqueItems without the quadratic pass", () => {
  it("hasDuplicateItems finds two equal items in some array exactly when a pairwise comparison does", () => {
    fc.assert(
      fc.property(arbSmallJson, (v) => {
        expect(hasDuplicateItems(v)).toBe(anyArrayHasDuplicates(v));
        // Key order does not matter.
        expect(hasDuplicateItems([{ x: 1, y: [2, { z: 3, x: 4 }] }, { y: [2, { x: 4, z: 3 }], x: 1 }])).toBe(true);
      }),
      params(400),
    );
  });

  it("the verdict and errors are the validator's own, whatever the arguments and wherever uniqueItems sits", () => {
    const schemas: object[] = [
      { type: "object", properties: { a: { type: "array", uniqueItems: true } } },
      { type: "object", properties: { a: { not: { uniqueItems: true } } } },
      { type: "object", properties: { a: { oneOf: [{ uniqueItems: true }, { type: "array", maxItems: 2 }] }, b: { type: "string" } }, required: ["a"] },
      { type: "object", additionalProperties: { type: "array", items: { type: "array", uniqueItems: true } } },
      { type: "object", properties: { a: { $ref: "#/$defs/u" } }, $defs: { u: { type: "array", uniqueItems: true, items: { $ref: "#/$defs/u" } } } },
    ];
    fc.assert(
      fc.property(fc.constantFrom(...schemas), fc.dictionary(fc.constantFrom("a", "b", "c"), arbSmallJson, { maxKeys: 3 }), (schema, args) => {
        const tools: ToolDefinition[] = [{ type: "function", function: { name: "f", parameters: schema } }];
        const reference = new Validator(structuredClone(schema) as Schema, "2020-12", false).validate(args);
        const v = done(call("functions.f:0", JSON.stringify(args)), { tools }).validation;
        expect(v.schema).toBe(reference.valid ? "valid" : "invalid");
        expect(v.schemaErrors).toEqual(reference.errors.map((e) => ({ instanceLocation: e.instanceLocation, keyword: e.keyword, message: e.error })));
      }),
      params(400),
    );
  });

  it("a long array of distinct objects is checked (valid), and one repeated item at its end is found", () => {
    const tools: ToolDefinition[] = [{ type: "function", function: { name: "f", parameters: { type: "object", properties: { a: { type: "array", uniqueItems: true } } } } }];
    // 20,000 distinct objects: 224 KB that took the validator's pairwise pass 11 s.
    const items = Array.from({ length: 20_000 }, (_, i) => ({ k: i, tag: "item" }));
    expect(done(call("functions.f:0", JSON.stringify({ a: items })), { tools }).validation).toMatchObject({ schema: "valid", valid: true });
    const repeated = [...items.slice(0, 200), { tag: "item", k: 7 }];
    const bad = done(call("functions.f:0", JSON.stringify({ a: repeated })), { tools }).validation;
    expect(bad.schemaErrors.map((e) => e.keyword)).toContain("uniqueItems");
  });
});
