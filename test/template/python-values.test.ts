/**
 * Python's text forms against Python itself, on generated inputs: `json.loads` then `json.dumps`
 * with every tojson keyword (parseRequestJson + pyJsonDumps), `repr(float)`, `repr(str)`, and
 * sorting by code point. One Python process answers every case.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { JsonFloat, objectKeys, parseRequestJson, pyJsonDumps } from "../../src/template/index.js";
import { isJsonFloat, jsonParseIsExact, parseJsonText, parseJsonTextFully, type JsonValue } from "../../src/template/json-value.js";
import { compareCodePoints, pyFloatRepr, pyStrRepr } from "../../src/template/py-format.js";
import { chatRequest, jsonValue, requestLine, text } from "../helpers/chat-arbitraries.js";
import { runPython } from "../helpers/oracle.js";
import { runs } from "../helpers/shared.js";

const SEED = Number(process.env.FC_SEED ?? 424242);

const SCRIPT = `
import sys, json, unicodedata
for raw in sys.stdin.buffer:
    op, arg = json.loads(raw.decode("utf-8"))
    try:
        if op == "dumps":
            text, ea, indent, seps, sk = arg
            out = json.dumps(json.loads(text), ensure_ascii=ea, indent=indent, separators=tuple(seps) if seps else None, sort_keys=sk)
        elif op == "float":
            out = repr(float(arg))
        elif op == "repr":
            out = [repr(arg), [ord(c) for c in arg if unicodedata.category(c) == "Cn"]]
        elif op == "sorted":
            out = json.dumps(sorted(arg))
        res = {"ok": True, "out": out}
    except Exception as exc:
        res = {"ok": False, "out": type(exc).__name__}
    sys.stdout.buffer.write(json.dumps(res, ensure_ascii=False).encode("utf-8", "surrogatepass") + b"\\n")
`;

type Case = [string, unknown];
type Result = { ok: boolean; out: string };
type ReprResult = { ok: boolean; out: [string, number[]] };

/** JSON text with random whitespace, number spellings, duplicate keys and NaN/Infinity. */
const jsonText: fc.Arbitrary<string> = fc.letrec<{ v: string; arr: string; obj: string }>((tie) => {
  const ws = fc.constantFrom("", " ", "\n", "\t ", "\r\n");
  const num = fc.oneof(
    fc.constantFrom("0", "-0", "0.0", "-0.0", "1.0", "1E5", "1e-7", "2.50", "1e400", "-1e400", "12345678901234567890", "-9007199254740993", "9007199254740992", "1.5e300", "5e-324"),
    fc.integer().map(String),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  );
  const str = text(6).map((s) => pyJsonDumps(s, { ensureAscii: true }));
  const key = fc.oneof(fc.constantFrom('"a"', '"b"', '"0"', '"1"', '"10"', '"2"', '"__proto__"', '"é"', '"😀"', '"\\ud800"'), str);
  return {
    v: fc.oneof({ depthSize: "small" }, num, str, fc.constantFrom("true", "false", "null", "NaN", "Infinity", "-Infinity"), tie("arr"), tie("obj")),
    arr: fc.tuple(ws, fc.array(fc.tuple(tie("v"), ws), { maxLength: 4 })).map(([w, items]) => `[${w}${items.map(([v, w2]) => v + w2).join(",")}]`),
    obj: fc.tuple(ws, fc.array(fc.tuple(key, ws, tie("v")), { maxLength: 5 })).map(([w, items]) => `{${w}${items.map(([k, w2, v]) => `${k}${w2}:${w2}${v}`).join(",")}}`),
  };
}).v;

const dumpsOptions = fc.record({
  ensureAscii: fc.boolean(),
  indent: fc.constantFrom(null, 0, 2, "\t", "--"),
  separators: fc.constantFrom(null, [",", ":"] as [string, string], [", ", ": "] as [string, string], [" ,", " : "] as [string, string]),
  sortKeys: fc.boolean(),
});

const texts = fc.sample(fc.oneof(jsonText, jsonValue.map((v) => pyJsonDumps(v, { ensureAscii: true }))), { seed: SEED, numRuns: runs(600) });
const options = fc.sample(dumpsOptions, { seed: SEED + 1, numRuns: texts.length });
const floats = fc.sample(fc.oneof(fc.double(), fc.constantFrom(1e16, 1e15, 1e-4, 1e-5, 0.1, 123456789.123, 1.5e-300, 2 ** 53, -0)), { seed: SEED + 2, numRuns: runs(500) });
const strings = fc.sample(fc.oneof(text(10), fc.string({ unit: "binary", maxLength: 8 })), { seed: SEED + 3, numRuns: runs(400) });
const keyLists = fc.sample(fc.array(fc.oneof(text(3), fc.string({ unit: "binary", maxLength: 3 })), { maxLength: 8 }), { seed: SEED + 4, numRuns: runs(200) });

describe("Python value formatting against Python", () => {
  let results: Result[];
  const cases: Case[] = [
    ...texts.map((t, i): Case => {
      const o = options[i] as (typeof options)[number];
      return ["dumps", [t, o.ensureAscii, o.indent, o.separators, o.sortKeys]];
    }),
    ...floats.map((x): Case => ["float", Number.isNaN(x) ? "nan" : x === Infinity ? "inf" : x === -Infinity ? "-inf" : Object.is(x, -0) ? "-0.0" : JSON.stringify(x)]),
    ...strings.map((s): Case => ["repr", s]),
    ...keyLists.map((k): Case => ["sorted", k]),
  ];
  beforeAll(async () => {
    const out = await runPython(["-c", SCRIPT], cases.map((c) => pyJsonDumps(c, { ensureAscii: true })).join("\n") + "\n");
    results = out.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Result);
    expect(results).toHaveLength(cases.length);
  });

  it(`parseRequestJson + pyJsonDumps equal json.loads + json.dumps (${texts.length} texts, all keywords; seed ${SEED})`, () => {
    texts.forEach((t, i) => {
      const exp = results[i] as Result;
      const o = options[i] as { ensureAscii: boolean; indent: number | string | null; separators: [string, string] | null; sortKeys: boolean };
      let got: string;
      try {
        got = pyJsonDumps(parseJsonText(t), o);
      } catch (e) {
        got = `raised ${(e as Error).message}`;
      }
      expect(got, `text ${JSON.stringify(t)} options ${JSON.stringify(o)}`).toBe(exp.ok ? exp.out : `Python raised ${exp.out}`);
    });
  });

  it("repr(float) and str(float)", () => {
    floats.forEach((x, i) => expect(pyFloatRepr(x), String(x)).toBe((results[texts.length + i] as Result).out));
  });

  it("repr(str): quotes, escapes and printable characters", () => {
    const base = texts.length + floats.length;
    let newer = 0;
    strings.forEach((s, i) => {
      const [expected, unassigned] = (results[base + i] as unknown as ReprResult).out;
      // Characters Python's (older) Unicode database does not know are escaped by Python and kept by
      // us when the JavaScript engine knows them: that must be the only difference.
      const knownToJs = unassigned.filter((cp) => !/\p{Cn}/u.test(String.fromCodePoint(cp)));
      let exp = expected;
      for (const cp of knownToJs) {
        newer++;
        const esc = cp <= 0xffff ? "\\u" + cp.toString(16).padStart(4, "0") : "\\U" + cp.toString(16).padStart(8, "0");
        exp = exp.split(esc).join(String.fromCodePoint(cp));
      }
      expect(pyStrRepr(s), JSON.stringify(s)).toBe(exp);
    });
    expect(newer, "the generated strings hit characters newer than Python's Unicode database").toBeLessThan(strings.length);
  });

  it("sorting by code point (astral characters and lone surrogates included)", () => {
    const base = texts.length + floats.length + strings.length;
    keyLists.forEach((k, i) => expect(k.slice().sort(compareCodePoints)).toEqual(JSON.parse((results[base + i] as Result).out)));
  });
});

describe("parseRequestJson", () => {
  it("keeps floats written with a fraction or exponent as floats", () => {
    const r = parseRequestJson('{"messages": [], "a": 1.0, "b": 1e16, "c": -0.0, "d": 1.5, "e": 1}') as Record<string, unknown>;
    expect(r.a).toBeInstanceOf(JsonFloat);
    expect(r.b).toBeInstanceOf(JsonFloat);
    expect(Object.is((r.c as JsonFloat).value, -0)).toBe(true);
    expect(r.d).toBe(1.5);
    expect(r.e).toBe(1);
    expect(pyJsonDumps(r)).toBe('{"messages": [], "a": 1.0, "b": 1e+16, "c": -0.0, "d": 1.5, "e": 1}');
  });

  it("keeps integers beyond 2^53 exact", () => {
    const r = parseRequestJson('{"messages": [], "n": 12345678901234567890, "m": 9007199254740991}') as Record<string, unknown>;
    expect(r.n).toBe(12345678901234567890n);
    expect(r.m).toBe(9007199254740991);
  });

  it("keeps key order with integer-like keys, and a duplicate keeps its first position and last value", () => {
    const r = parseRequestJson('{"messages": [], "x": {"b": 1, "2": 2, "a": 3, "b": 4, "1": 5}}') as Record<string, unknown>;
    expect(objectKeys(r.x as object)).toEqual(["b", "2", "a", "1"]);
    expect(pyJsonDumps(r.x)).toBe('{"b": 4, "2": 2, "a": 3, "1": 5}');
    expect(Object.keys(r.x as object)).toEqual(["1", "2", "b", "a"]);
  });

  it("stores __proto__ as a plain key", () => {
    const r = parseRequestJson('{"messages": [], "__proto__": {"polluted": true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(objectKeys(r)).toEqual(["messages", "__proto__"]);
  });

  it("accepts NaN and Infinity as Python does", () => {
    const r = parseRequestJson('{"messages": [], "v": [NaN, Infinity, -Infinity]}') as Record<string, unknown>;
    expect(pyJsonDumps(r.v)).toBe("[NaN, Infinity, -Infinity]");
  });

  it("names the offset of a syntax error", () => {
    expect(() => parseRequestJson('{"messages": [1,]}')).toThrow(expect.objectContaining({ code: "invalid_request", details: { offset: 16 } }));
    expect(() => parseRequestJson("[]")).toThrow(expect.objectContaining({ code: "invalid_request" }));
    expect(() => parseRequestJson('{"a": "\u0001"}')).toThrow(/control character/);
  });

  it("agrees with JSON.parse on ordinary JSON (no floats with integral values, no integer-like keys)", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (v) => {
        const text = JSON.stringify({ messages: [], v });
        const ours = parseRequestJson(text);
        expect(JSON.stringify(ours, (_k, x) => (typeof x === "bigint" ? Number(x) : x))).toBe(JSON.stringify(JSON.parse(text)));
      }),
      { seed: SEED, numRuns: runs(300) },
    );
  });
});

/** Same value, told apart as Python tells them: float or int, -0, big integers, key order. */
function sameValue(a: JsonValue, b: JsonValue): boolean {
  if (isJsonFloat(a) || isJsonFloat(b)) return isJsonFloat(a) && isJsonFloat(b) && Object.is(a.value, b.value);
  if (typeof a === "number" || typeof b === "number") return Object.is(a, b);
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i] as JsonValue));
  if (a !== null && typeof a === "object" && b !== null && typeof b === "object") {
    const ka = objectKeys(a);
    const kb = objectKeys(b);
    const va = a as Record<string, JsonValue>;
    const vb = b as Record<string, JsonValue>;
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameValue(va[k] as JsonValue, vb[k] as JsonValue));
  }
  return a === b;
}

describe("parseJsonText's JSON.parse fast path", () => {
  const handPicked = [
    '{"a": 1, "a": 2, "b": [1, 2]}', '{"__proto__": {"x": 1}}', '{"a": 2, "\\u0031": 1}', '{"b": 1, "2": 3}', "[-0]", "[1.0]", "[1e16]",
    "[1.5e10]", "[1e-400]", "[12345678901234567]", '["v1.0", 0.5]', "[0.5, -2.25, 1e-7, 3]", "[NaN]", "[1, 2", '{"t": "2024-01-05"}',
  ];
  const generated = [...texts, ...fc.sample(chatRequest, { seed: SEED + 5, numRuns: runs(300) }).map(requestLine)];

  it(`gives exactly what the full parser gives, or the same error (${handPicked.length} hand-picked and ${generated.length} generated texts)`, () => {
    let fast = 0;
    for (const t of [...handPicked, ...generated]) {
      let full: JsonValue | string;
      try {
        full = parseJsonTextFully(t);
      } catch (e) {
        full = `raised ${(e as Error).message}`;
      }
      let got: JsonValue | string;
      try {
        got = parseJsonText(t);
      } catch (e) {
        got = `raised ${(e as Error).message}`;
      }
      if (typeof full === "string" && full.startsWith("raised")) expect(got, t).toBe(full);
      else expect(sameValue(got as JsonValue, full as JsonValue), t).toBe(true);
      if (jsonParseIsExact(t)) fast++;
    }
    // Both paths ran: most requests take the fast path, texts with 1.0, -0 or "2" keys the full one.
    expect(fast).toBeGreaterThan(generated.length / 4);
    expect(fast).toBeLessThan(handPicked.length + generated.length);
  });

  it("the fast path's scan flags each construct JSON.parse reads differently", () => {
    for (const risky of ["[1.0]", "[-0.0]", "[1e16]", "[1.5e10]", "[-0]", "[12345678901234567]", '{"2": 1}', '{"\\u0032": 1}']) {
      expect(jsonParseIsExact(risky), risky).toBe(false);
    }
    for (const exact of ["[0.5, 3, -2]", '{"a": "2024-01-05", "b": -12}', '{"x": "v1.5"}']) expect(jsonParseIsExact(exact), exact).toBe(true);
  });
});
