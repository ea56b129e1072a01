/**
 * Which code points the runtime's Unicode (Node's ICU) and the pinned Unicode 16 tables disagree
 * on: the ones Unicode 17 assigned (and U+0295, which it moved from Ll to Lo). Code that splits with
 * the runtime's RegExp (the JS port, @huggingface/tokenizers) differs from the reference there.
 */
import { C_HAN, C_LETTER, C_LOWER, C_NUMBER, C_SPACE, C_UPPER, classTable } from "../../src/tokenizer/char-classes.js";

const SPLIT_FLAGS = C_LETTER | C_NUMBER | C_HAN | C_UPPER | C_LOWER | C_SPACE;
const NODE_CLASSES = new RegExp(String.raw`\p{L}|\p{N}|\p{M}|\p{White_Space}|\p{sc=Han}`, "v");

/** True when `s` has a code point that Node knows as a letter, number, mark, space or Han and Unicode 16 does not. */
export function hasPostUnicode16(s: string): boolean {
  const T = classTable();
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0x295) return true;
    if ((T[cp]! & SPLIT_FLAGS) === 0 && NODE_CLASSES.test(ch)) return true;
  }
  return false;
}
