/**
 * The split regex: the reference's pattern in Rust regex syntax, and its JavaScript port. The
 * tokenizer itself uses a hand-written scanner with pinned Unicode 16 tables (see pretokenize.ts);
 * the port is for users who want a `RegExp`, and for tests that cross-check the scanner. Browser-safe.
 *
 * @packageDocumentation
 */

/**
 * The split pattern exactly as Kimi K2's `tokenization_kimi.py` gives it to tiktoken (Rust `regex`
 * / `fancy-regex` syntax). JavaScript cannot compile it as is: see {@link SPLIT_PATTERN_JS}.
 */
export const KIMI_K2_PAT_STR: string = [
  String.raw`[\p{Han}]+`,
  String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]*[\p{Ll}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?`,
  String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]+[\p{Ll}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?`,
  String.raw`\p{N}{1,3}`,
  String.raw` ?[^\s\p{L}\p{N}]+[\r\n]*`,
  String.raw`\s*[\r\n]+`,
  String.raw`\s+(?!\S)`,
  String.raw`\s+`,
].join("|");

// The four translation rules (FORMAT.md §2):
// 1. \p{Han} is Script=Han, not Script_Extensions: \p{sc=Han}.
// 2. [X&&[^\p{Han}]] is a set difference: with the `v` flag, [[X]--\p{sc=Han}].
// 3. (?i:'s|...) folds case with simple case folding, so 's also matches 'ſ (U+017F): spelled out.
// 4. \s is White_Space: JS \s adds U+FEFF and misses U+0085, so \p{White_Space}.
const UPPER = String.raw`[[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]--\p{sc=Han}]`;
const LOWER = String.raw`[[\p{Ll}\p{Lm}\p{Lo}\p{M}]--\p{sc=Han}]`;
const CONTRACTION = String.raw`(?:'[sS\u017F]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])`;
const PREFIX = String.raw`[^\r\n\p{L}\p{N}]`;

/**
 * The split pattern translated for a JavaScript `RegExp` with the `v` flag (Node 20+, current
 * browsers). It splits exactly like the reference wherever the runtime's Unicode tables agree with
 * the reference's Unicode 16 (on Node 20.20, which has Unicode 17, every code point except the 4,699
 * first assigned in Unicode 17.0).
 */
export const SPLIT_PATTERN_JS: string = [
  String.raw`\p{sc=Han}+`,
  `${PREFIX}?${UPPER}*${LOWER}+${CONTRACTION}?`,
  `${PREFIX}?${UPPER}+${LOWER}*${CONTRACTION}?`,
  String.raw`\p{N}{1,3}`,
  String.raw` ?[^\p{White_Space}\p{L}\p{N}]+[\r\n]*`,
  String.raw`\p{White_Space}*[\r\n]+`,
  String.raw`\p{White_Space}+(?![^\p{White_Space}])`,
  String.raw`\p{White_Space}+`,
].join("|");

/** A fresh global `RegExp` for {@link SPLIT_PATTERN_JS} (`gv` flags). */
export function splitRegExp(): RegExp {
  return new RegExp(SPLIT_PATTERN_JS, "gv");
}
