/**
 * The Kimi K2 tokenizer: ids identical to the model's own tokenizer (tiktoken with Kimi's ranks,
 * split regex and chunking rule), special-token strings as plain text unless asked otherwise,
 * decoding, streaming decoding and chat encoding. Browser-safe.
 *
 * @packageDocumentation
 */
import { KimiK2Error } from "../errors.js";
import { FIRST_SPECIAL_ID, MODEL_VOCAB_SIZE, NUM_BASE_RANKS, specialTokenString } from "../special-tokens.js";
import type { Segment } from "../template/segments.js";
import { encodeSegments, resolveChatMode, type ChatEncodeOptions } from "./chat-encoding.js";
import { EncoderCore } from "./encoder-core.js";
import type { IdSink } from "./id-sink.js";
import { RankIndex } from "./rank-index.js";
import { findSpecialOccurrences, resolveSpecialPolicy } from "./special-occurrences.js";
import { TokenStreamDecoder, type StreamDecoder } from "./stream-decoder.js";
import { parseTiktokenModel, type Vocabulary } from "./vocab.js";

/** How special-token strings in text are treated by {@link Tokenizer.encode}. */
export interface EncodeOptions {
  /**
   * Special-token strings that become their ids: `"all"` or a list such as `["<|im_end|>"]`.
   * Default: none (every special string is encoded as plain text).
   */
  allowedSpecial?: "all" | Iterable<string>;
  /**
   * Special-token strings that make encode throw `disallowed_special_token` (naming the token and
   * its offset): `"all"` (every special string not allowed) or a list. Default: none.
   */
  disallowedSpecial?: "all" | Iterable<string>;
}

const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** The error for an id that is not a token of the model. */
function invalidTokenIdError(id: unknown, index: number): KimiK2Error {
  return new KimiK2Error(
    "invalid_token_id",
    `token id ${String(id)}${index >= 0 ? ` at index ${index}` : ""} is not a Kimi K2 token id: ids are integers in 0..${MODEL_VOCAB_SIZE - 1} ` +
      `(0..${FIRST_SPECIAL_ID - 1} are BPE ranks, ${FIRST_SPECIAL_ID}..${MODEL_VOCAB_SIZE - 1} special tokens). Check where the ids came from.`,
    { details: { id, index } },
  );
}

const INDEXES = new WeakMap<Tokenizer, RankIndex>();

/** A tokenizer's rank index (for the binary cache, which stores its hash table). */
export function rankIndexOf(tokenizer: Tokenizer): RankIndex {
  return INDEXES.get(tokenizer)!;
}

/**
 * A Kimi K2 tokenizer. Create one with {@link createTokenizer} (from the vocabulary's bytes) or
 * `loadTokenizer` (Node, from a checkpoint directory). Encoding is synchronous; one instance can
 * be shared by any number of callers in one thread.
 */
export class Tokenizer {
  /** The parsed vocabulary (BPE ranks 0..163583). */
  readonly vocabulary: Vocabulary;
  private readonly core: EncoderCore;
  private specialBytes: Uint8Array[] | undefined;

  /**
   * Builds a tokenizer from a parsed vocabulary (see `parseTiktokenModel`). `index` is for the
   * binary cache: a rank index built for this same vocabulary.
   */
  constructor(vocabulary: Vocabulary, index?: RankIndex) {
    if (vocabulary.size !== NUM_BASE_RANKS) {
      throw new KimiK2Error(
        "vocab_mismatch",
        `this vocabulary has ${vocabulary.size} ranks where Kimi K2's has ${NUM_BASE_RANKS}: special ids would be wrong. Load the checkpoint's tiktoken.model.`,
        { details: { ranks: vocabulary.size } },
      );
    }
    this.vocabulary = vocabulary;
    this.core = new EncoderCore(index ?? new RankIndex(vocabulary));
    INDEXES.set(this, this.core.index);
  }

  /**
   * Encodes text into token ids, exactly as the model's tokenizer does (including Kimi's
   * 400,000 / 25,000 chunking rule). Special-token strings are plain text unless
   * `options.allowedSpecial` names them. Lone surrogates are encoded as U+FFFD, as the reference does.
   *
   * @throws {@link KimiK2Error} `disallowed_special_token` when the text contains a string that
   *   `options.disallowedSpecial` forbids; `invalid_options` for an unknown special-token string.
   */
  encode(text: string, options?: EncodeOptions): number[] {
    const sink = this.core.sink;
    sink.reset();
    this.run(text, options, sink);
    return sink.toArray();
  }

  /** The number of tokens {@link Tokenizer.encode} would return, without building the array. */
  count(text: string, options?: EncodeOptions): number {
    return this.run(text, options, null);
  }

  private run(text: string, options: EncodeOptions | undefined, out: IdSink | null): number {
    if (typeof text !== "string") {
      throw new KimiK2Error("invalid_options", `encode takes a string, got ${text === null ? "null" : typeof text}.`);
    }
    const policy = resolveSpecialPolicy(options);
    if (!policy) return this.core.encodeRun(text, 0, text.length, null, null, out);
    const found = findSpecialOccurrences(text);
    const emit = found.filter((o) => policy.allowed.has(o.id));
    const forbid = found.filter((o) => policy.disallowed.has(o.id));
    return this.core.encodeRun(text, 0, text.length, emit, forbid, out);
  }

  /**
   * Decodes ids into text: token bytes concatenated (a special id gives its string), then UTF-8 with
   * U+FFFD for invalid sequences (one character can span two tokens: decode whole sequences, or
   * use {@link Tokenizer.createStreamDecoder}).
   *
   * @throws {@link KimiK2Error} `invalid_token_id` for an id outside 0..163839.
   */
  decode(ids: ArrayLike<number>): string {
    return utf8Decoder.decode(this.decodeBytes(ids));
  }

  /**
   * The bytes of a sequence of ids (special ids give their string's UTF-8).
   *
   * @throws {@link KimiK2Error} `invalid_token_id` for an id outside 0..163839.
   */
  decodeBytes(ids: ArrayLike<number>): Uint8Array {
    if (ids == null || typeof ids.length !== "number") {
      throw new KimiK2Error("invalid_options", "decode takes an array (or typed array) of token ids.");
    }
    const { data, offsets } = this.vocabulary;
    const ranks = this.vocabulary.size;
    const n = ids.length;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const id = ids[i]!;
      if (id >= 0 && id < ranks && Number.isInteger(id)) total += offsets[id + 1]! - offsets[id]!;
      else total += this.special(id, i).length;
    }
    const out = new Uint8Array(total);
    let pos = 0;
    for (let i = 0; i < n; i++) {
      const id = ids[i]!;
      if (id < ranks) {
        const s = offsets[id]!;
        const e = offsets[id + 1]!;
        // Most tokens are a few bytes: a loop beats subarray + set.
        for (let j = s; j < e; j++) out[pos++] = data[j]!;
      } else {
        const bytes = this.special(id, i);
        out.set(bytes, pos);
        pos += bytes.length;
      }
    }
    return out;
  }

  /**
   * One token's bytes (a copy): a rank's bytes, or a special id's string as UTF-8.
   *
   * @throws {@link KimiK2Error} `invalid_token_id` for an id outside 0..163839.
   */
  tokenBytes(id: number): Uint8Array {
    const { data, offsets, size } = this.vocabulary;
    if (id >= 0 && id < size && Number.isInteger(id)) return data.slice(offsets[id]!, offsets[id + 1]!);
    return this.special(id, -1).slice();
  }

  /** The UTF-8 of a special id's string; throws for an id that is not a token. */
  private special(id: number, index: number): Uint8Array {
    if (!(Number.isInteger(id) && id >= FIRST_SPECIAL_ID && id < MODEL_VOCAB_SIZE)) throw invalidTokenIdError(id, index);
    if (!this.specialBytes) {
      const table: Uint8Array[] = [];
      for (let s = FIRST_SPECIAL_ID; s < MODEL_VOCAB_SIZE; s++) table.push(utf8Encoder.encode(specialTokenString(s)!));
      this.specialBytes = table;
    }
    return this.specialBytes[id - FIRST_SPECIAL_ID]!;
  }

  /**
   * A streaming decoder: push ids one at a time or in batches, get text deltas that never split a
   * character; their concatenation (with `end()`) equals `decode(all ids)`.
   */
  createStreamDecoder(): StreamDecoder {
    return new TokenStreamDecoder((ids) => this.decodeBytes(ids));
  }

  /**
   * Encodes a rendered chat prompt given as segments (see `Segment`). `safe` mode (default): only
   * special-token strings that the template wrote (inside markup segments) become special ids;
   * content is always plain text, so nothing a user or a tool writes can become a control token.
   * `reference` mode: Hugging Face's `apply_chat_template(tokenize=True)` ids, which turn special
   * strings into ids wherever they are, content included. Both modes give the same ids whenever
   * every special-token string of the prompt lies inside markup.
   */
  encodeChat(segments: readonly Segment[], options?: ChatEncodeOptions): number[] {
    const sink = this.core.sink;
    sink.reset();
    encodeSegments(this.core, segments, resolveChatMode(options), sink);
    return sink.toArray();
  }

  /** The number of tokens {@link Tokenizer.encodeChat} would return, without building the array. */
  countChat(segments: readonly Segment[], options?: ChatEncodeOptions): number {
    return encodeSegments(this.core, segments, resolveChatMode(options), null);
  }
}

/**
 * Creates a tokenizer from the bytes of `tiktoken.model` (read them yourself in a browser, for
 * example with `fetch`), or from an already parsed {@link Vocabulary}.
 *
 * @throws {@link KimiK2Error} `vocab_malformed` or `vocab_mismatch` when the bytes are not Kimi K2's vocabulary.
 */
export function createTokenizer(tiktokenModel: Uint8Array | Vocabulary): Tokenizer {
  if (tiktokenModel instanceof Uint8Array) return new Tokenizer(parseTiktokenModel(tiktokenModel));
  if (tiktokenModel && tiktokenModel.data instanceof Uint8Array && tiktokenModel.offsets instanceof Uint32Array) return new Tokenizer(tiktokenModel);
  throw new KimiK2Error("invalid_options", "createTokenizer takes the bytes of tiktoken.model (a Uint8Array) or a Vocabulary from parseTiktokenModel.");
}
