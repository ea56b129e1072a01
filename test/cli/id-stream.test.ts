/**
 * `parse --ids --stream`'s incremental id-array scanner against the whole-input reader's rule
 * (`JSON.parse`, then every element an integer): the two modes must accept the same inputs and read
 * the same ids, however the input is cut into chunks.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run.js";
import { IdStreamScanner } from "../../src/cli/id-stream.js";
import { fakeIO } from "../helpers/fake-io.js";
import { modelDir, runs } from "../helpers/shared.js";

/** What the whole-input reader accepts: the ids, or null for an error. */
function reference(text: string): number[] | null {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.every((v) => Number.isInteger(v)) ? (value as number[]) : null;
  } catch {
    return null;
  }
}

/** The scanner fed these chunks: the ids, or null when it threw. */
function scan(chunks: string[]): number[] | null {
  const scanner = new IdStreamScanner();
  const ids: number[] = [];
  try {
    for (const c of chunks) ids.push(...scanner.push(c));
    scanner.end();
    return ids;
  } catch {
    return null;
  }
}

/** Every way of cutting a string in two, plus one character per chunk. */
const cuts = (text: string): string[][] => [[text], Array.from(text), ...Array.from({ length: text.length + 1 }, (_, i) => [text.slice(0, i), text.slice(i)])];

const HAND_PICKED = ["", " ", "[]", " [ ] ", "[1]", "[ 1 , 2 ]\n", "[1,2", "[1][2]", "1 2 3", "1", "[-1]", "[-0]", "[1.0]", "[1e3]", "[1E+2]", "[1.5]", "[1e400]", "[01]", "[1,]", "[,1]", "[--1]", "[1-]", "[1.]", "[.5]", "[1e]", "[163595,\t163597]\r\n", "[1]x", "[[1]]", "[true]", "[null]", '["1"]', "{}"];

describe("IdStreamScanner", () => {
  it.each(HAND_PICKED)("%j: the whole reader's verdict and ids, at every cut", (text) => {
    for (const chunks of cuts(text)) expect([chunks, scan(chunks)]).toEqual([chunks, reference(text)]);
  });

  it("generated inputs over the id-array alphabet: the whole reader's verdict and ids (seeded)", () => {
    const alphabet = fc.constantFrom(..."[[]]],,, 0123456789-+.eE\n");
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 24 }).map((cs) => cs.join("")), fc.nat(), (text, at) => {
        const i = at % (text.length + 1);
        expect(scan([text.slice(0, i), text.slice(i)])).toEqual(reference(text));
      }),
      { numRuns: runs(2000), seed: 6061 },
    );
  });
});

describe("kimi-k2 parse --ids --stream accepts exactly what parse --ids accepts", () => {
  it.each(["[1,2", "1 2 3", "[1][2]", "", "[1.5]"])("%j: exit 1 in both modes, one line on stderr", async (input) => {
    for (const stream of [[], ["--stream"]]) {
      const f = fakeIO(input);
      expect([stream, await runCli(["parse", "--ids", ...stream, "--model-dir", modelDir()], f.io)]).toEqual([stream, 1]);
      expect(f.stderr().trim().split("\n")).toHaveLength(1);
    }
  });

  it("a byte-order mark before the array is skipped when streamed too", async () => {
    const f = fakeIO("\ufeff[1, 2]");
    expect(await runCli(["parse", "--ids", "--stream", "--model-dir", modelDir()], f.io)).toBe(0);
    expect(f.stdout()).toContain('"content":"\\"#"');
  });
});
