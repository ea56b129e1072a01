/**
 * Export to Hugging Face's `tokenizer.json` + `tokenizer_config.json`, so `@huggingface/tokenizers`
 * (and transformers.js, and Python `tokenizers`) can load the Kimi K2 vocabulary, which the model
 * repository ships only as `tiktoken.model`. Browser-safe: it returns strings, the caller writes them.
 *
 * The conversion: token bytes become GPT-2 byte-level strings; every way of writing a token as the
 * concatenation of two tokens becomes a merge, ordered by the token's rank (then by the two parts'
 * ranks), so "merge the pair with the lowest merge index" picks the pair whose concatenation has the
 * lowest rank, which is tiktoken's rule; `ignore_merges` emits a piece that is a whole token directly,
 * as tiktoken does. What the export cannot carry is listed in the README (Tokenizer section).
 *
 * @packageDocumentation
 */
import { SPECIAL_TOKENS_MAP, allSpecialTokens, specialTokenById } from "../special-tokens.js";
import { RankIndex } from "./rank-index.js";
import { KIMI_K2_PAT_STR } from "./split-regex.js";
import type { Tokenizer } from "./tokenizer.js";

/** The two files of a Hugging Face tokenizer, as JSON text. */
export interface HfTokenizerFiles {
  "tokenizer.json": string;
  "tokenizer_config.json": string;
}

/** Options of {@link exportHfTokenizer}. */
export interface HfExportOptions {
  /** A chat template to store in `tokenizer_config.json` (`chat_template`), e.g. the checkpoint's `chat_template.jinja`. */
  chatTemplate?: string;
}

/**
 * The split pattern written into `tokenizer.json`: the reference's, with the case-insensitive
 * contraction group spelled out (`'[sSſ]` ...) because `@huggingface/tokenizers` folds `(?i:...)`
 * with ASCII rules only and would miss `'ſ`. The other constructs (`\p{Han}`, `&&` class
 * intersections, `\s`) are Oniguruma syntax that both Python `tokenizers` and the JS library read.
 */
export const HF_SPLIT_PATTERN: string = KIMI_K2_PAT_STR.replaceAll(
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)",
  "(?:'[sS\u017F]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])",
);

/** GPT-2's byte -> printable character table (bytes_to_unicode). */
function byteLevelAlphabet(): string[] {
  const table: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table[b] = String.fromCharCode(printable ? b : 256 + extra++);
  }
  return table;
}

/**
 * Builds `tokenizer.json` and `tokenizer_config.json` for a tokenizer's vocabulary. The result is
 * large (about 9 MB of JSON for Kimi K2: every two-part split of every token is a merge, 296,461 of them).
 */
export function exportHfTokenizer(tokenizer: Tokenizer, options: HfExportOptions = {}): HfTokenizerFiles {
  const vocab = tokenizer.vocabulary;
  const index = new RankIndex(vocab);
  const { data, offsets, size } = vocab;
  const alphabet = byteLevelAlphabet();
  const names: string[] = new Array(size);
  for (let r = 0; r < size; r++) {
    let s = "";
    for (let i = offsets[r]!; i < offsets[r + 1]!; i++) s += alphabet[data[i]!]!;
    names[r] = JSON.stringify(s);
  }

  const vocabParts: string[] = [];
  for (let r = 0; r < size; r++) vocabParts.push(`${names[r]}:${r}`);

  const mergeParts: string[] = [];
  const local: Array<[number, number]> = [];
  for (let r = 0; r < size; r++) {
    const s = offsets[r]!;
    const e = offsets[r + 1]!;
    if (e - s < 2) continue;
    local.length = 0;
    for (let k = s + 1; k < e; k++) {
      const left = index.rank(data, s, k);
      if (left < 0) continue;
      const right = index.rank(data, k, e);
      if (right >= 0) local.push([left, right]);
    }
    local.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const [left, right] of local) mergeParts.push(`[${names[left]},${names[right]}]`);
  }

  const addedTokens = allSpecialTokens().map(({ id, content }) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: specialTokenById(id)?.hfSpecial ?? true,
  }));

  const head = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: null,
    pre_tokenizer: {
      type: "Sequence",
      pretokenizers: [
        { type: "Split", pattern: { Regex: HF_SPLIT_PATTERN }, behavior: "Isolated", invert: false },
        { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: null,
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
  };
  const model =
    `{"type":"BPE","dropout":null,"unk_token":null,"continuing_subword_prefix":null,"end_of_word_suffix":null,` +
    `"fuse_unk":false,"byte_fallback":false,"ignore_merges":true,` +
    `"vocab":{${vocabParts.join(",")}},"merges":[${mergeParts.join(",")}]}`;
  const tokenizerJson = `${JSON.stringify(head).slice(0, -1)},"model":${model}}`;

  const addedTokensDecoder: Record<string, object> = {};
  for (const t of addedTokens) {
    const { id, ...rest } = t;
    addedTokensDecoder[String(id)] = rest;
  }
  const config: Record<string, unknown> = {
    added_tokens_decoder: addedTokensDecoder,
    additional_special_tokens: [...SPECIAL_TOKENS_MAP.additional_special_tokens],
    bos_token: SPECIAL_TOKENS_MAP.bos_token,
    eos_token: SPECIAL_TOKENS_MAP.eos_token,
    unk_token: SPECIAL_TOKENS_MAP.unk_token,
    pad_token: SPECIAL_TOKENS_MAP.pad_token,
    clean_up_tokenization_spaces: false,
    tokenizer_class: "PreTrainedTokenizerFast",
  };
  if (options.chatTemplate !== undefined) config.chat_template = options.chatTemplate;
  return { "tokenizer.json": tokenizerJson, "tokenizer_config.json": `${JSON.stringify(config, null, 2)}\n` };
}
