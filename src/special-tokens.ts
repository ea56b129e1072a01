/**
 * The Kimi K2 special-token table: the single source of truth for special-token ids and strings.
 *
 * Ids 0..163583 are byte-level BPE ranks from `tiktoken.model`. Ids 163584..163839 are the 256
 * special slots; 17 of them are named, every other one is `<|reserved_token_{id}|>`. Ids at or
 * above 163840 do not exist in the model's embedding (some copies of the tokenizer code register
 * two extra reserved ids there; the model cannot take them).
 *
 * @packageDocumentation
 */

/** Number of byte-level BPE ranks in `tiktoken.model` (ids 0..163583). */
export const NUM_BASE_RANKS = 163_584;
/** The first special-token id. */
export const FIRST_SPECIAL_ID = 163_584;
/** Number of special-token slots (named and reserved). */
export const NUM_SPECIAL_SLOTS = 256;
/** The model's vocabulary size: every valid id is below this. */
export const MODEL_VOCAB_SIZE = 163_840;

/** One named special token. */
export interface SpecialToken {
  /** The token id. */
  readonly id: number;
  /** The token's string form. */
  readonly content: string;
  /**
   * Hugging Face's `added_tokens_decoder[id].special` flag. `false` for the five tool-call markers,
   * so `skip_special_tokens=True` keeps them.
   */
  readonly hfSpecial: boolean;
}

/** Named special tokens, keyed by a stable camelCase name. */
export const SPECIAL = {
  bos: { id: 163_584, content: "[BOS]", hfSpecial: true },
  eos: { id: 163_585, content: "[EOS]", hfSpecial: true },
  imEnd: { id: 163_586, content: "<|im_end|>", hfSpecial: true },
  imUser: { id: 163_587, content: "<|im_user|>", hfSpecial: true },
  imAssistant: { id: 163_588, content: "<|im_assistant|>", hfSpecial: true },
  startHeaderId: { id: 163_590, content: "<|start_header_id|>", hfSpecial: true },
  endHeaderId: { id: 163_591, content: "<|end_header_id|>", hfSpecial: true },
  eot: { id: 163_593, content: "[EOT]", hfSpecial: true },
  imSystem: { id: 163_594, content: "<|im_system|>", hfSpecial: true },
  toolCallsSectionBegin: { id: 163_595, content: "<|tool_calls_section_begin|>", hfSpecial: false },
  toolCallsSectionEnd: { id: 163_596, content: "<|tool_calls_section_end|>", hfSpecial: false },
  toolCallBegin: { id: 163_597, content: "<|tool_call_begin|>", hfSpecial: false },
  toolCallArgumentBegin: { id: 163_598, content: "<|tool_call_argument_begin|>", hfSpecial: false },
  toolCallEnd: { id: 163_599, content: "<|tool_call_end|>", hfSpecial: false },
  imMiddle: { id: 163_601, content: "<|im_middle|>", hfSpecial: true },
  unk: { id: 163_838, content: "[UNK]", hfSpecial: true },
  pad: { id: 163_839, content: "[PAD]", hfSpecial: true },
} as const satisfies Record<string, SpecialToken>;

/** Name of a named special token (a key of {@link SPECIAL}). */
export type SpecialTokenName = keyof typeof SPECIAL;

/** The 17 named special tokens in id order. */
export const NAMED_SPECIAL_TOKENS: readonly SpecialToken[] = Object.values(SPECIAL).sort((a, b) => a.id - b.id);

/** The five tool-call marker ids (163595..163599), the only ids a token-level parser treats as markers. */
export const TOOL_MARKER_IDS: readonly number[] = [
  SPECIAL.toolCallsSectionBegin.id,
  SPECIAL.toolCallsSectionEnd.id,
  SPECIAL.toolCallBegin.id,
  SPECIAL.toolCallArgumentBegin.id,
  SPECIAL.toolCallEnd.id,
];

/** Ids a generation loop should stop on: `<|im_end|>` ends a turn, and configs name `[EOS]` as eos. */
export const STOP_IDS: readonly number[] = [SPECIAL.imEnd.id, SPECIAL.eos.id];

/** Turn-structure tokens the chat template writes: role headers, `<|im_middle|>` and `<|im_end|>`. */
const TURN_IDS: ReadonlySet<number> = new Set([
  SPECIAL.imUser.id,
  SPECIAL.imAssistant.id,
  SPECIAL.imSystem.id,
  SPECIAL.imMiddle.id,
  SPECIAL.imEnd.id,
]);

/**
 * The special-token map a Hugging Face chat template receives as variables
 * (`bos_token`, `eos_token`, `unk_token`, `pad_token`, `additional_special_tokens`).
 */
export const SPECIAL_TOKENS_MAP = {
  bos_token: SPECIAL.bos.content,
  eos_token: SPECIAL.eos.content,
  unk_token: SPECIAL.unk.content,
  pad_token: SPECIAL.pad.content,
  additional_special_tokens: [
    SPECIAL.imEnd.content,
    SPECIAL.imUser.content,
    SPECIAL.imAssistant.content,
    SPECIAL.startHeaderId.content,
    SPECIAL.endHeaderId.content,
    SPECIAL.eot.content,
    SPECIAL.imSystem.content,
    SPECIAL.imMiddle.content,
  ],
} as const;

const BY_ID: ReadonlyMap<number, SpecialToken> = new Map(NAMED_SPECIAL_TOKENS.map((t) => [t.id, t]));
const BY_CONTENT: ReadonlyMap<string, SpecialToken> = new Map(NAMED_SPECIAL_TOKENS.map((t) => [t.content, t]));
const RESERVED_PATTERN = /^<\|reserved_token_(\d+)\|>$/;

/** The string of the reserved special token `id`: `<|reserved_token_{id}|>`. */
export function reservedTokenName(id: number): string {
  return `<|reserved_token_${id}|>`;
}

/** How an id relates to the model's vocabulary. */
export type IdKind =
  /** A byte-level BPE rank (0..163583). */
  | "rank"
  /** One of the 17 named special tokens. */
  | "named"
  /** An unnamed slot in 163584..163839, written `<|reserved_token_{id}|>`. */
  | "reserved"
  /** Negative, not an integer, or at or above 163840: not a token of this model. */
  | "invalid";

/** Classifies a token id. */
export function classifyId(id: number): IdKind {
  if (!Number.isInteger(id) || id < 0 || id >= MODEL_VOCAB_SIZE) return "invalid";
  if (id < FIRST_SPECIAL_ID) return "rank";
  return BY_ID.has(id) ? "named" : "reserved";
}

/** True when `id` is one of the special slots 163584..163839 (named or reserved). */
export function isSpecialId(id: number): boolean {
  return Number.isInteger(id) && id >= FIRST_SPECIAL_ID && id < MODEL_VOCAB_SIZE;
}

/** True when `id` is one of the five tool-call markers (163595..163599). */
export function isToolMarkerId(id: number): boolean {
  return id >= SPECIAL.toolCallsSectionBegin.id && id <= SPECIAL.toolCallEnd.id && Number.isInteger(id);
}

/** True when `id` is a turn-structure token (`<|im_user|>`, `<|im_assistant|>`, `<|im_system|>`, `<|im_middle|>`, `<|im_end|>`). */
export function isTurnId(id: number): boolean {
  return TURN_IDS.has(id);
}

/** True when `id` is an unnamed reserved slot. */
export function isReservedId(id: number): boolean {
  return classifyId(id) === "reserved";
}

/** The named special token with this id, if any. */
export function specialTokenById(id: number): SpecialToken | undefined {
  return BY_ID.get(id);
}

/**
 * The string form of a special id: the named token's content, or `<|reserved_token_{id}|>`.
 * Returns `undefined` for ids that are not special slots.
 */
export function specialTokenString(id: number): string | undefined {
  if (!isSpecialId(id)) return undefined;
  return BY_ID.get(id)?.content ?? reservedTokenName(id);
}

/**
 * The special id a string names: a named token's content or `<|reserved_token_{id}|>` for an id in
 * the special range. Returns `undefined` for anything else.
 */
export function specialTokenId(content: string): number | undefined {
  const named = BY_CONTENT.get(content);
  if (named) return named.id;
  const m = RESERVED_PATTERN.exec(content);
  if (!m) return undefined;
  const id = Number(m[1]);
  // "<|reserved_token_0163600|>" is not the name of 163600: only the canonical decimal spelling is.
  return isSpecialId(id) && !BY_ID.has(id) && reservedTokenName(id) === content ? id : undefined;
}

/** Every special-slot string (17 named and 239 reserved) with its id, in id order. */
export function allSpecialTokens(): Array<{ id: number; content: string }> {
  const out: Array<{ id: number; content: string }> = [];
  for (let id = FIRST_SPECIAL_ID; id < MODEL_VOCAB_SIZE; id++) {
    out.push({ id, content: specialTokenString(id)! });
  }
  return out;
}
