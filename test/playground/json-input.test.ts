import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { locateJsonError, parseJsonField } from "../../src/playground/page/json-input.js";
import { runs } from "../helpers/shared.js";

const SEED = Number(process.env.FC_SEED ?? 20_250_907);

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** JSON texts, some of them damaged by deleting, inserting or replacing one character. */
const maybeBroken = fc
  .tuple(fc.json(), fc.nat(), fc.constantFrom("", ",", "}", "]", '"', "'", "\n", "x", ":", "\\", "\u0001", "-", "."), fc.constantFrom(0, 1))
  .map(([json, at, ch, drop]) => {
    const i = json.length === 0 ? 0 : at % json.length;
    return json.slice(0, i) + ch + json.slice(i + drop);
  });

describe("locateJsonError", () => {
  it("property: finds an error exactly when JSON.parse rejects the text", () => {
    fc.assert(
      fc.property(maybeBroken, (text) => {
        const error = locateJsonError(text);
        expect(error === undefined).toBe(parses(text));
        if (error) {
          expect(error.offset).toBeGreaterThanOrEqual(0);
          expect(error.offset).toBeLessThanOrEqual(text.length);
        }
      }),
      { seed: SEED, numRuns: runs(2000) },
    );
  });

  it("points at a trailing comma", () => {
    expect(locateJsonError('[{"a": 1},\n]')).toEqual({ offset: 11, reason: "trailing comma before ]" });
  });
});

describe("parseJsonField", () => {
  it("names the field, the line and the column, with a caret under the problem", () => {
    const r = parseJsonField('[\n  {"role": "user", content: "hi"}\n]', "messages");
    expect(r).toEqual({
      ok: false,
      message: 'messages is not valid JSON (line 2, column 20): expected a property name in double quotes\n  {"role": "user", content: "hi"}\n                   ^',
    });
  });

  it("reports an early end at the end of the text", () => {
    const r = parseJsonField('[{"role": "user"', "messages");
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message.split("\n")[0]).toBe("messages is not valid JSON (line 1, column 17): unexpected end of input: expected , or } after a property value");
  });

  it("gives the empty value for a blank optional field, and an error for a blank required one", () => {
    expect(parseJsonField("  \n", "tools", [])).toEqual({ ok: true, value: [] });
    expect(parseJsonField("", "messages").ok).toBe(false);
  });
});
