/** Hand-picked strings for tokenizer tests. */

/** Pieces that stress the split regex's alternatives and the Unicode rules of FORMAT.md §2. */
export const TRICKY: readonly string[] = [
  // contractions, with simple case folding ('ſ is U+017F, which folds to s)
  "'s", "'S", "'\u017f", "'t", "'T", "'re", "'RE", "'rE", "'ve", "'Ve", "'m", "'M", "'ll", "'Ll", "'d", "'D", "'x", "'", "''", "'r", "'l",
  "don't", "I'M", "we'\u017f", "O'Neil",
  // digits: runs split by three, other scripts' digits, Han numbers
  "1", "12", "123", "1234", "1234567", "\u0663\u0664\u0665", "\u3007", "\u4e00\u4e8c\u4e09", "\u2460", "\u00bd", "\ud835\udfd8\ud835\udfd9",
  // line breaks and every White_Space kind, plus Python-only spaces and non-spaces
  "\r\n", "\r", "\n", "\r\n\r\n", "\n\n\n", " \n", "\n ", "\t", "\u000b", "\u000c", "\u0085", "\u00a0", "\u1680", "\u2000", "\u2005",
  "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\u180e", "\u200b", "\ufeff", "\u001c", "\u001f", "  ", "   ", "\t\t",
  // letters: case runs, marks, scripts, Han next to Latin and kana
  "Hello", "WORLD", "camelCase", "HTTPServer", "\u01c5", "\u02b0", "e\u0301", "\u0301", "\u0301A", "A\u0301b", "\u0915\u094d\u0937",
  "\u6f22\u5b57", "\u304b\u306a", "\u30ab\u30ca", "\ud55c\uad6d\uc5b4", "\u00dcn\u00efc\u00f6d\u00e9", "\u3005", "\u4e00a", "a\u4e00",
  "\u3042\u4e00", "\ud840\udc00", "\u2e80", "\u2f00", "\uff0c\u3002\u3001",
  // symbols, emoji, punctuation runs
  "\ud83d\udc4d", "\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67", "\ud83c\uddeb\ud83c\uddf7", "!!!", "...", "---", "{\"a\": 1}", " !", " !\n",
  "#", "$x", "x$",
  // special-token strings (plain text by default) and near misses
  "<|im_end|>", "<|im_user|>", "<|im_middle|>", "[BOS]", "[EOS]", "[PAD]", "<|tool_call_begin|>", "<|reserved_token_163600|>",
  "<|reserved_token_163840|>", "<|im_end|", "|>", "<|", "[BOS", "<think>",
  // plain words and spaces around them
  " the", " The", "x", " x", "   x",
];

