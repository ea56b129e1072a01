/**
 * Differential test against the Python reference (render_ref.py, batch --jsonl mode): fast-check
 * generated requests for the 0905 template and every template in ../shared/kimi-k2/templates/,
 * with Kimi and raw semantics. Both engines must render byte-identically to Python; where Python
 * raises, we raise; the native and Jinja engines must agree on segments too. Requests travel as
 * JSON text and are read back with parseRequestJson, so floats, big integers and key order are
 * checked end to end.
 */
import fc from "fast-check";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { KimiK2Error } from "../../src/errors.js";
import { compileTemplate, parseRequestJson, renderChat, renderSegments, type ChatTemplate, type RenderOptions } from "../../src/template/index.js";
import { chatRequest, malformedRequest, requestLine } from "../helpers/chat-arbitraries.js";
import { renderReference, type OracleResult } from "../helpers/oracle.js";
import { modelDir, runs, sharedFile } from "../helpers/shared.js";

const SEED = Number(process.env.FC_SEED ?? 20250905);
const KIMI_RUNS = runs(1600);
const RAW_RUNS = runs(400);
const MALFORMED_RUNS = runs(100);

const templates = [join(modelDir(), "chat_template.jinja"), ...readdirSync(sharedFile("kimi-k2", "templates")).filter((f) => f.endsWith(".jinja")).sort().map((f) => sharedFile("kimi-k2", "templates", f))];

function sample<T>(arb: fc.Arbitrary<T>, n: number, offset: number): T[] {
  return fc.sample(arb, { seed: SEED + offset, numRuns: n });
}

const kimiLines = sample(chatRequest, KIMI_RUNS, 0).map(requestLine);
const rawLines = sample(chatRequest, RAW_RUNS, 1).map(requestLine);
const malformedLines = sample(malformedRequest, MALFORMED_RUNS, 2).map(requestLine);

// Python renders a few hundred requests a second per process (the template compiled once, see
// test/helpers/oracle.ts). Two processes at a time, in template order, so each template's
// comparison can start as soon as its batches are back while the next ones render.
const PARALLEL = 2;
let running = 0;
const waiting: (() => void)[] = [];
async function limited<T>(f: () => Promise<T>): Promise<T> {
  if (running >= PARALLEL) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await f();
  } finally {
    running--;
    waiting.shift()?.();
  }
}
const references = new Map(
  templates.map((path) => [
    path,
    Promise.all([
      limited(() => renderReference(path, kimiLines, true)),
      limited(() => renderReference(path, rawLines, false)),
      limited(() => renderReference(path, malformedLines, true)),
    ]),
  ]),
);

type Outcome = { ok: true; text: string } | { ok: false; error: KimiK2Error };

function outcome(f: () => string): Outcome {
  try {
    return { ok: true, text: f() };
  } catch (e) {
    if (!KimiK2Error.isInstance(e)) throw e;
    return { ok: false, error: e };
  }
}

/** Compares one batch; returns readable failures (at most a few, with the request and the seed). */
function compare(lines: readonly string[], expected: readonly OracleResult[], render: (line: string) => Outcome, label: string): string[] {
  const failures: string[] = [];
  lines.forEach((line, i) => {
    const exp = expected[i] as OracleResult;
    const got = render(line);
    let problem: string | undefined;
    if (exp.ok && !got.ok) problem = `Python rendered, we raised ${got.error.code}: ${got.error.message}`;
    else if (exp.ok && got.ok && got.text !== exp.text) problem = `text differs:\n  python: ${JSON.stringify(exp.text)}\n  ours:   ${JSON.stringify(got.text)}`;
    else if (!exp.ok && got.ok) problem = `Python raised ${exp.error}, we rendered ${JSON.stringify(got.text)}`;
    else if (!exp.ok && !got.ok && got.error.code !== "template_error" && got.error.code !== "invalid_request") problem = `Python raised ${exp.error}, we raised ${got.error.code}`;
    if (problem && failures.length < 3) failures.push(`${label} #${i} (seed ${SEED}): ${problem}\n  request: ${line}`);
  });
  return failures;
}

describe.each(templates)("differential against render_ref.py: %s", (path) => {
  const source = readFileSync(path, "utf8");
  let template: ChatTemplate;
  let kimiRef: OracleResult[];
  let rawRef: OracleResult[];
  let malformedRef: OracleResult[];

  beforeAll(async () => {
    template = compileTemplate(source);
    [kimiRef, rawRef, malformedRef] = await (references.get(path) as Promise<[OracleResult[], OracleResult[], OracleResult[]]>);
  }, 900_000);

  const jinja = (semantics: RenderOptions["semantics"], validate = true) => (line: string) =>
    outcome(() => renderChat(parseRequestJson(line), { template, engine: "jinja", semantics, validate }));

  it(`Jinja engine, Kimi semantics: ${KIMI_RUNS} generated requests`, () => {
    expect(compare(kimiLines, kimiRef, jinja("kimi"), "kimi")).toEqual([]);
  });

  it(`Jinja engine, raw semantics: ${RAW_RUNS} generated requests`, () => {
    expect(compare(rawLines, rawRef, jinja("raw"), "raw")).toEqual([]);
  });

  it(`Jinja engine without validation: ${MALFORMED_RUNS} malformed requests render or raise as Python does`, () => {
    expect(compare(malformedLines, malformedRef, jinja("kimi", false), "malformed")).toEqual([]);
  });

  it("the native engine, where verified, renders identically and agrees with the Jinja engine on segments", () => {
    if (template.nativeProfile === null) {
      // Not the 0905 rules: the automatic choice must be the Jinja engine.
      expect(template.verification).toBe("not-equivalent");
      return;
    }
    const native = (semantics: RenderOptions["semantics"]) => (line: string) => outcome(() => renderChat(parseRequestJson(line), { template, engine: "native", semantics }));
    expect(compare(kimiLines, kimiRef, native("kimi"), "native kimi")).toEqual([]);
    expect(compare(rawLines, rawRef, native("raw"), "native raw")).toEqual([]);
    const differing = kimiLines.filter((line) => {
      const req = parseRequestJson(line);
      const a = outcome(() => JSON.stringify(renderSegments(req, { template, engine: "native" })));
      const b = outcome(() => JSON.stringify(renderSegments(req, { template, engine: "jinja" })));
      return a.ok !== b.ok || (a.ok && b.ok && a.text !== b.text);
    });
    expect(differing.slice(0, 2)).toEqual([]);
  });
});
