/**
 * The five parts of `../shared/corpus/mixed-5mb.txt` (English, code, Chinese, other scripts, JSON, in
 * that order; see the corpus README). The file has no separators: each part is a source cut at a
 * byte budget, and consecutive parts are joined by a blank line. A part boundary is therefore the
 * start of a line that follows a blank line, near the cumulative size the README gives (searching
 * from 10 KB before to 20 KB after it), where the content changes to the next part's kind:
 *
 * - code: the first such line that opens Python or JavaScript source (a docstring, `import`,
 *   `def`, `//`...);
 * - Chinese: among lines with no Han character in the 400 characters before them, the one with the
 *   most Han in the 400 characters after it;
 * - other scripts: the same with kana, Hangul, Cyrillic, Greek, Arabic and Devanagari (the Chinese
 *   part has none of them);
 * - JSON: the first such line that is `{` or starts with `{"`.
 *
 * On the current corpus this gives the byte offsets 1,400,046, 2,600,196, 3,670,444 and 4,595,064
 * (checked by test/tokenizer/bench-inputs.test.ts against offsets read off the file by eye).
 */

/** A named part of the corpus: UTF-8 byte offsets `[start, end)`. */
export interface CorpusPart {
  name: string;
  start: number;
  end: number;
}

/** Part names, in corpus order. */
export const PART_NAMES = ["English", "code", "Chinese", "other scripts", "JSON"] as const;

/** Cumulative nominal sizes from the corpus README (1.40, 1.20, 1.07, 0.92 MB). */
const NOMINAL_BOUNDARIES = [1_400_000, 2_600_000, 3_670_000, 4_590_000];
const SEARCH_BEFORE = 10_000;
const SEARCH_AFTER = 20_000;

const CODE_START = /^(?:"""|#!|import |from \S+ import |def |class |\/\*|\/\/|'use strict'|"use strict"|(?:const|let|var|function) )/;
const HAN = /\p{sc=Han}/gu;
const OTHER_SCRIPTS = /[\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}\p{sc=Cyrillic}\p{sc=Greek}\p{sc=Arabic}\p{sc=Devanagari}]/gu;
const WINDOW = 400;

/** How a boundary is recognised: a test of the line (first match wins) or a share to maximise. */
type KindTest = { line: (line: string) => boolean } | { share: RegExp };

const KIND_TESTS: KindTest[] = [
  { line: (line) => CODE_START.test(line) },
  { share: HAN },
  { share: OTHER_SCRIPTS },
  { line: (line) => line === "{" || line.startsWith('{"') },
];

function share(text: string, re: RegExp): number {
  return text.length === 0 ? 0 : (text.match(re)?.length ?? 0) / text.length;
}

/** Finds the part boundaries of the corpus (its bytes). Throws when one is not found. */
export function findCorpusParts(corpus: Uint8Array): CorpusPart[] {
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  const text = (from: number, to: number): string => decoder.decode(corpus.subarray(Math.max(0, from), Math.min(corpus.length, to)));
  const starts = [0];
  for (let k = 0; k < NOMINAL_BOUNDARIES.length; k++) {
    const nominal = NOMINAL_BOUNDARIES[k]!;
    const test = KIND_TESTS[k]!;
    let found = -1;
    let best = 0;
    // A line start after a blank line: the position after "\n\n".
    for (let p = nominal - SEARCH_BEFORE; p < nominal + SEARCH_AFTER; p++) {
      if (corpus[p] !== 0x0a || corpus[p + 1] !== 0x0a) continue;
      const start = p + 2;
      if ("line" in test) {
        let lineEnd = corpus.indexOf(0x0a, start);
        if (lineEnd < 0) lineEnd = corpus.length;
        if (test.line(text(start, lineEnd))) {
          found = start;
          break;
        }
      } else {
        // Characters are at most 4 bytes: decode generously, then cut to WINDOW characters.
        const after = Array.from(text(start, start + 4 * WINDOW)).slice(0, WINDOW).join("");
        const before = Array.from(text(start - 4 * WINDOW, start)).slice(-WINDOW).join("");
        const gain = share(after, test.share);
        if (share(before, test.share) === 0 && gain > best) {
          best = gain;
          found = start;
        }
      }
    }
    if (found < 0) throw new Error(`corpus part boundary ${k + 1} (${PART_NAMES[k + 1]}) not found near byte ${nominal}`);
    starts.push(found);
  }
  starts.push(corpus.length);
  return PART_NAMES.map((name, i) => ({ name, start: starts[i]!, end: starts[i + 1]! }));
}
