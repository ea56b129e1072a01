/**
 * Per-code-point class flags for the split scanner, from tables pinned to Unicode 16.0.0 (the
 * version of the reference's Rust regex tables), so every runtime splits text the same way whatever
 * Unicode version its own ICU knows. Browser-safe.
 *
 * @packageDocumentation
 */
import { CLASS_RUNS, CLASS_VALUES } from "./unicode-data.js";

export { PINNED_UNICODE_VERSION } from "./unicode-data.js";

/** General category L (any letter, Han letters included). */
export const C_LETTER = 1;
/** General category N (any number, Han numbers such as U+3007 included). */
export const C_NUMBER = 2;
/** Script=Han (not Script_Extensions). */
export const C_HAN = 4;
/** In `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]`: the split regex's "upper" class. */
export const C_UPPER = 8;
/** In `[\p{Ll}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]`: the split regex's "lower" class. */
export const C_LOWER = 16;
/** Unicode White_Space (the Rust regex `\s`). */
export const C_SPACE = 32;
/** Python `str.isspace()`: what Kimi's 25,000-character chunking rule tests. */
export const C_PYSPACE = 64;

let table: Uint8Array | undefined;

/**
 * The class flags of every code point, U+0000..U+10FFFF, one byte each (1.1 MB, built once per
 * process in well under a millisecond from the run-length data).
 */
export function classTable(): Uint8Array {
  if (table) return table;
  const t = new Uint8Array(0x110000);
  let cp = 0;
  let value = 0;
  let length = 0;
  const flush = (): void => {
    if (value !== 0) t.fill(value, cp, cp + length);
    cp += length;
    length = 0;
  };
  for (let i = 0; i < CLASS_RUNS.length; i++) {
    const c = CLASS_RUNS.charCodeAt(i);
    if (c >= 65 && c <= 90) {
      flush();
      value = CLASS_VALUES[c - 65]!;
    } else {
      length = length * 36 + (c <= 57 ? c - 48 : c - 87);
    }
  }
  flush();
  if (cp !== 0x110000) throw new Error(`internal: Unicode class data covers ${cp} code points`);
  table = t;
  return t;
}
