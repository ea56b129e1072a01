/**
 * Request-level edges against the Python reference (render_ref.render): the request keys Hugging
 * Face's `apply_chat_template` reads itself (`documents`, `continue_final_message`) with values
 * Python judges by its own truth and iteration rules, sent as JSON text with `validate: false` (the
 * path that promises to render any JSON exactly as Python does). Each case renders with every
 * template in ../shared/kimi-k2 and both semantics: byte-identical text, or we raise where Python raises.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { KimiK2Error } from "../../src/errors.js";
import { compileTemplate, parseRequestJson, safeRenderChat } from "../../src/template/index.js";
import { renderReferenceCases, runPython, type OracleResult } from "../helpers/oracle.js";
import { modelDir, sharedFile } from "../helpers/shared.js";

const M = '"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]';

/** [name, request as JSON text]. */
const CASES: [string, string][] = [
  // Python: `if documents is not None: for d in documents: if not isinstance(d, dict): raise`.
  ["documents: an empty dict iterates nothing", `{${M}, "documents": {}}`],
  ["documents: an empty string iterates nothing", `{${M}, "documents": ""}`],
  ["documents: a dict iterates its (string) keys", `{${M}, "documents": {"a": 1}}`],
  ["documents: a string iterates its characters", `{${M}, "documents": "a"}`],
  ["documents: a boolean does not iterate", `{${M}, "documents": true}`],
  ["documents: a list of empty dicts", `{${M}, "documents": [{}]}`],
  ["documents: a list holding a list", `{${M}, "documents": [[]]}`],
  // Python: `if continue_final:` is a truth test.
  ["continue_final_message 0.0 is false", `{${M}, "continue_final_message": 0.0}`],
  ["continue_final_message -0.0 is false", `{${M}, "continue_final_message": -0.0}`],
  ["continue_final_message [] is false", `{${M}, "continue_final_message": []}`],
  ["continue_final_message {} is false", `{${M}, "continue_final_message": {}}`],
  ["continue_final_message NaN is true", `{${M}, "continue_final_message": NaN}`],
  ["continue_final_message [1] is true (the content field)", `{${M}, "continue_final_message": [1]}`],
  // Python: `for block in reversed(final): if "text" in block:` on whatever the parts are.
  ["continue: a string part containing 'text' raises", '{"messages": [{"role": "user", "content": [{"type": "text", "text": "a"}, "text"]}], "continue_final_message": true}'],
  ["continue: a list part holding 'text' raises", '{"messages": [{"role": "user", "content": [{"type": "text", "text": "a"}, ["text"]]}], "continue_final_message": true}'],
  ["continue: a number part raises", '{"messages": [{"role": "user", "content": [{"type": "text", "text": "a"}, 1]}], "continue_final_message": true}'],
  ["continue: other strings, lists and dicts are skipped", '{"messages": [{"role": "user", "content": [{"type": "text", "text": "a"}, ["x"], "abc", {"b": 1}]}], "continue_final_message": true}'],
  ["continue: the text key keeps its place in the part", '{"messages": [{"role": "user", "content": [{"text": "a", "type": "text", "z": 1}]}], "continue_final_message": true}'],
];

const templates = [join(modelDir(), "chat_template.jinja"), ...readdirSync(sharedFile("kimi-k2", "templates")).filter((f) => f.endsWith(".jinja")).sort().map((f) => sharedFile("kimi-k2", "templates", f))];

describe.each(templates)("request edges with validate: false against render_ref.py: %s", (path) => {
  const source = readFileSync(path, "utf8");
  const template = compileTemplate(source);
  let expected: OracleResult[];
  beforeAll(async () => {
    expected = await renderReferenceCases(CASES.flatMap(([, line]) => [true, false].map((kimi) => ({ template: source, requestLine: line, kimi }))));
  });

  CASES.forEach(([name, line], i) => {
    it(name, () => {
      [true, false].forEach((kimi, k) => {
        const exp = expected[2 * i + k] as OracleResult;
        const got = safeRenderChat(parseRequestJson(line), { template, engine: "jinja", semantics: kimi ? "kimi" : "raw", validate: false });
        if (exp.ok) expect(got.ok ? got.text : `raised ${got.error.message}`, kimi ? "kimi" : "raw").toBe(exp.text);
        else expect(got.ok ? `rendered ${JSON.stringify(got.text)}` : got.error.code, `Python raised ${exp.error}`).toMatch(/^template_error$|^invalid_request$/);
      });
    });
  });
});

describe("integers at Python's 4300-digit limit in request JSON", () => {
  const digits = (n: number): string => "9" + "0".repeat(n - 1);
  const lines = [4300, 4301].flatMap((n) => [`{"messages": [], "x": ${digits(n)}}`, `{"messages": [], "x": [-${digits(n)}]}`]);
  let python: string[];
  beforeAll(async () => {
    const script = "import json, sys\nfor line in sys.stdin:\n    try:\n        json.loads(line)\n        print('ok')\n    except ValueError:\n        print('error')";
    python = (await runPython(["-c", script], lines.join("\n") + "\n")).trim().split("\n");
  });

  it("parseRequestJson reads what json.loads reads and refuses what it refuses", () => {
    expect(python).toEqual(["ok", "ok", "error", "error"]);
    lines.forEach((line, i) => {
      let got = "ok";
      try {
        parseRequestJson(line);
      } catch (e) {
        if (!KimiK2Error.isInstance(e) || e.code !== "invalid_request") throw e;
        got = "error";
      }
      expect(got, `line ${i}`).toBe(python[i]);
    });
  });
});
