/**
 * The Kimi K2 tokenizer (browser-safe): `import { createTokenizer } from "kimi-k2-toolkit/tokenizer"`.
 *
 * @packageDocumentation
 */
export { Tokenizer, createTokenizer, type EncodeOptions } from "./tokenizer.js";
export type { StreamDecoder } from "./stream-decoder.js";
export type { ChatEncodeOptions, ChatEncodingMode } from "./chat-encoding.js";
export { HF_SPLIT_PATTERN, exportHfTokenizer, type HfExportOptions, type HfTokenizerFiles } from "./hf-export.js";
export { parseTiktokenModel, type Vocabulary } from "./vocab.js";
export { KIMI_K2_PAT_STR, SPLIT_PATTERN_JS, splitRegExp } from "./split-regex.js";
export { splitPieces } from "./pretokenize.js";
export { PINNED_UNICODE_VERSION } from "./char-classes.js";
export { MAX_RUN_CODE_POINTS, MAX_WINDOW_CODE_POINTS } from "./chunking.js";
