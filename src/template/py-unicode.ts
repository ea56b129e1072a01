/**
 * Unicode facts Python's str methods depend on that JavaScript does not expose directly.
 *
 * @packageDocumentation
 */

/**
 * Code points whose titlecase mapping differs from their uppercase one (digraphs such as U+01C6,
 * ligatures such as U+FB01, Georgian Mkhedruli, Greek with ypogegrammeni), as
 * `cp:titlecase code points`. Produced with Python 3.11 (Unicode 14.0):
 * `[c for c in map(chr, range(0x110000)) if c.title() != c.upper()]`.
 */
const TITLE_DIFF = "df:53 73,1c4:1c5,1c5:1c5,1c6:1c5,1c7:1c8,1c8:1c8,1c9:1c8,1ca:1cb,1cb:1cb,1cc:1cb,1f1:1f2,1f2:1f2,1f3:1f2,587:535 582,10d0:10d0,10d1:10d1,10d2:10d2,10d3:10d3,10d4:10d4,10d5:10d5,10d6:10d6,10d7:10d7,10d8:10d8,10d9:10d9,10da:10da,10db:10db,10dc:10dc,10dd:10dd,10de:10de,10df:10df,10e0:10e0,10e1:10e1,10e2:10e2,10e3:10e3,10e4:10e4,10e5:10e5,10e6:10e6,10e7:10e7,10e8:10e8,10e9:10e9,10ea:10ea,10eb:10eb,10ec:10ec,10ed:10ed,10ee:10ee,10ef:10ef,10f0:10f0,10f1:10f1,10f2:10f2,10f3:10f3,10f4:10f4,10f5:10f5,10f6:10f6,10f7:10f7,10f8:10f8,10f9:10f9,10fa:10fa,10fd:10fd,10fe:10fe,10ff:10ff,1f80:1f88,1f81:1f89,1f82:1f8a,1f83:1f8b,1f84:1f8c,1f85:1f8d,1f86:1f8e,1f87:1f8f,1f88:1f88,1f89:1f89,1f8a:1f8a,1f8b:1f8b,1f8c:1f8c,1f8d:1f8d,1f8e:1f8e,1f8f:1f8f,1f90:1f98,1f91:1f99,1f92:1f9a,1f93:1f9b,1f94:1f9c,1f95:1f9d,1f96:1f9e,1f97:1f9f,1f98:1f98,1f99:1f99,1f9a:1f9a,1f9b:1f9b,1f9c:1f9c,1f9d:1f9d,1f9e:1f9e,1f9f:1f9f,1fa0:1fa8,1fa1:1fa9,1fa2:1faa,1fa3:1fab,1fa4:1fac,1fa5:1fad,1fa6:1fae,1fa7:1faf,1fa8:1fa8,1fa9:1fa9,1faa:1faa,1fab:1fab,1fac:1fac,1fad:1fad,1fae:1fae,1faf:1faf,1fb2:1fba 345,1fb3:1fbc,1fb4:386 345,1fb7:391 342 345,1fbc:1fbc,1fc2:1fca 345,1fc3:1fcc,1fc4:389 345,1fc7:397 342 345,1fcc:1fcc,1ff2:1ffa 345,1ff3:1ffc,1ff4:38f 345,1ff7:3a9 342 345,1ffc:1ffc,fb00:46 66,fb01:46 69,fb02:46 6c,fb03:46 66 69,fb04:46 66 6c,fb05:53 74,fb06:53 74,fb13:544 576,fb14:544 565,fb15:544 56b,fb16:54e 576,fb17:544 56d";

let titleMap: Map<number, string> | undefined;

/** Python's full titlecase mapping of one code point (`str.title()` of a single character). */
export function titleCaseChar(ch: string): string {
  if (titleMap === undefined) {
    titleMap = new Map();
    for (const entry of TITLE_DIFF.split(",")) {
      const [cp, mapped] = entry.split(":") as [string, string];
      titleMap.set(parseInt(cp, 16), String.fromCodePoint(...mapped.split(" ").map((h) => parseInt(h, 16))));
    }
  }
  return titleMap.get(ch.codePointAt(0) as number) ?? ch.toUpperCase();
}

const CASED = /\p{Cased}/u;
const CASE_IGNORABLE = /\p{Case_Ignorable}/u;

/** Python's full lowercase mapping of the code point at `chars[i]`, with its final-sigma rule. */
export function lowerCaseCharAt(chars: readonly string[], i: number): string {
  const ch = chars[i] as string;
  if (ch !== "\u03a3") return ch.toLowerCase();
  // Final sigma: preceded by a cased letter and not followed by one (case-ignorable letters skipped).
  let j = i - 1;
  while (j >= 0 && CASE_IGNORABLE.test(chars[j] as string)) j--;
  const before = j >= 0 && CASED.test(chars[j] as string);
  let k = i + 1;
  while (k < chars.length && CASE_IGNORABLE.test(chars[k] as string)) k++;
  const after = k < chars.length && CASED.test(chars[k] as string);
  return before && !after ? "\u03c2" : "\u03c3";
}

/** Python's `_PyUnicode_IsCased`. */
export function isCasedChar(ch: string): boolean {
  return CASED.test(ch);
}

/** Python's `str.title()`. */
export function pyTitle(s: string): string {
  const chars = Array.from(s);
  let out = "";
  let prevCased = false;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    out += prevCased ? lowerCaseCharAt(chars, i) : titleCaseChar(ch);
    prevCased = isCasedChar(ch);
  }
  return out;
}

/** Python's `str.capitalize()` (3.8+: the first character titlecased, the rest lowercased). */
export function pyCapitalize(s: string): string {
  const chars = Array.from(s);
  let out = "";
  for (let i = 0; i < chars.length; i++) out += i === 0 ? titleCaseChar(chars[i] as string) : lowerCaseCharAt(chars, i);
  return out;
}

/** Python's whitespace (`str.isspace()`, `str.split()`, `str.strip()`). */
export const PY_WHITESPACE = "\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";

const WS_SET = new Set(PY_WHITESPACE);

/** True for a Python whitespace character. */
export function isPyWhitespace(ch: string): boolean {
  return WS_SET.has(ch);
}

/** Python's line boundaries (`str.splitlines()`). */
export const PY_LINE_BREAKS = new Set(["\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]);
