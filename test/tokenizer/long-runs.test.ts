/**
 * Kimi's chunking rule (400,000-code-point windows, runs cut at 25,000 code points by Python
 * `str.isspace`) against the reference, on runs longer than 25,000 characters of each kind, and the
 * benchmark's worst-case inputs (which the reference takes seconds over: the 25,000-character Han
 * piece is encoded by the reference once and shared).
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { findCorpusParts } from "../../bench/corpus-parts.js";
import { hanRun, spaceRun } from "../../bench/tokenizer-inputs.js";
import { sharedFile } from "../helpers/shared.js";
import { kimiChunks } from "../helpers/reference-tokenizer.js";
import { firstDifference, reference, tokenizer } from "../helpers/tokenizers.js";

function expectSame(text: string): void {
  const ours = tokenizer().encode(text);
  const theirs = reference().encode(text);
  expect(firstDifference(ours, theirs)).toBe(-1);
  expect(ours.length).toBe(theirs.length);
  expect(tokenizer().count(text)).toBe(theirs.length);
}

describe("runs longer than 25,000 characters", () => {
  const HAN = hanRun(25_000, 1);
  let hanIds: number[] = [];
  beforeAll(() => {
    hanIds = Array.from(reference().tiktoken.encode(HAN, [], []));
  });

  it("the benchmark's 25,000 Han characters (one piece, one chunk)", () => {
    expect(kimiChunks(HAN)).toHaveLength(1);
    expect(tokenizer().encode(HAN)).toEqual(hanIds);
  });

  it("26,000 Han characters: cut after the 25,000th", () => {
    const tail = hanRun(1_000, 2);
    const ours = tokenizer().encode(HAN + tail);
    const theirs = [...hanIds, ...reference().tiktoken.encode(tail, [], [])];
    expect(kimiChunks(HAN + tail).map((c) => c.length)).toEqual([25_000, 1_000]);
    expect(firstDifference(ours, theirs)).toBe(-1);
  });

  it("the benchmark's 50,000 spaces (two chunks of 25,000)", () => {
    expect(kimiChunks(spaceRun(50_000)).map((c) => c.length)).toEqual([25_000, 25_000]);
    expectSame(spaceRun(50_000));
  });

  it("30,000 Latin letters", () => expectSame("abcdefghij".repeat(3_000)));
  it("30,000 digits", () => expectSame("0123456789".repeat(3_000)));
  it("30,000 newlines", () => expectSame("\n".repeat(30_000)));
  it("30,000 CRLF characters", () => expectSame("\r\n".repeat(15_000)));
  it("30,000 punctuation characters", () => expectSame("!@#$%^&*()".repeat(3_000)));
  it("26,000 U+001C: Python counts it as space, the split regex does not", () => expectSame("\u001c".repeat(26_000)));
  it("26,000 U+0085 and U+3000 white space", () => expectSame("\u0085\u3000".repeat(13_000)));
  it("26,000 astral digits: runs are counted in code points, not UTF-16 units", () => {
    const text = "\ud835\udfd8".repeat(26_000);
    expect(kimiChunks(text).map((c) => c.length)).toEqual([50_000, 2_000]);
    expectSame(text);
  });
  it("a run that ends exactly at 25,000 characters is not cut", () => expectSame(`${"7".repeat(25_000)} ${"8".repeat(25_000)}`));
  it("lone surrogates count as one code point each", () => {
    const text = "\ud800a".repeat(12_501);
    expect(kimiChunks(text).map((c) => c.length)).toEqual([25_000, 2]);
    expectSame(text);
  });
  it("410,000 digits cross a 400,000-code-point window (the run count restarts there)", () => {
    const text = "5".repeat(410_000);
    expect(kimiChunks(text).map((c) => c.length)).toEqual([...Array(16).fill(25_000), 10_000]);
    expectSame(text);
  });
  it("a space run that straddles a window boundary", () => expectSame(`${"ab ".repeat(130_000)}${" ".repeat(20_000)}x`));
});

describe("benchmark inputs", () => {
  it("the corpus parts start where the file was read to change content (offsets found by eye)", () => {
    const parts = findCorpusParts(readFileSync(sharedFile("corpus", "mixed-5mb.txt")));
    expect(parts.map((p) => [p.name, p.start, p.end])).toEqual([
      ["English", 0, 1_400_046],
      ["code", 1_400_046, 2_600_196],
      ["Chinese", 2_600_196, 3_670_444],
      ["other scripts", 3_670_444, 4_595_064],
      ["JSON", 4_595_064, 5_935_930],
    ]);
  });

  it("the worst-case generators are deterministic", () => {
    expect(hanRun(25_000, 1)).toBe(hanRun(25_000, 1));
    expect(Array.from(hanRun(25_000, 1)).every((c) => c >= "\u4e00" && c <= "\u9fff")).toBe(true);
    expect(spaceRun(50_000)).toHaveLength(50_000);
  });
});
