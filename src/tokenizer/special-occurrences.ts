/**
 * Finding special-token strings (the 17 named ones and the 239 `<|reserved_token_N|>`) in text,
 * and resolving the `allowedSpecial` / `disallowedSpecial` options. Browser-safe.
 *
 * @packageDocumentation
 */
import { KimiK2Error } from "../errors.js";
import { FIRST_SPECIAL_ID, MODEL_VOCAB_SIZE, specialTokenById, specialTokenId, specialTokenString } from "../special-tokens.js";

/** A special-token string found in text: UTF-16 offsets `[start, end)` and its id. */
export interface SpecialOccurrence {
  readonly start: number;
  readonly end: number;
  readonly id: number;
}

/**
 * Every candidate: `<|name|>` or `[ABC]`. No special string contains `<`, `|` or `[` after its
 * opening, so occurrences never overlap and a candidate that is not special never hides one.
 */
const CANDIDATE = /<\|[a-z0-9_]+\|>|\[[A-Z]{3}\]/g;

/** Every special-token occurrence in `text`, in order. */
export function findSpecialOccurrences(text: string): SpecialOccurrence[] {
  const found: SpecialOccurrence[] = [];
  // Cheap rejection: most texts contain neither opening.
  if (text.indexOf("<|") < 0 && text.indexOf("[") < 0) return found;
  CANDIDATE.lastIndex = 0;
  for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
    const id = specialTokenId(m[0]);
    if (id !== undefined) found.push({ start: m.index, end: m.index + m[0].length, id });
  }
  return found;
}

/** True for the 17 named special ids (the ones Hugging Face's added-token trie splits on). */
export function isNamedSpecialId(id: number): boolean {
  return specialTokenById(id) !== undefined;
}

/** The special-token policy of one encode call, as sets of ids. */
export interface SpecialPolicy {
  /** Ids whose strings become the id. */
  readonly allowed: ReadonlySet<number>;
  /** Ids whose strings raise `disallowed_special_token`. */
  readonly disallowed: ReadonlySet<number>;
}

let allIds: ReadonlySet<number> | undefined;
function allSpecialIds(): ReadonlySet<number> {
  if (!allIds) {
    const ids = new Set<number>();
    for (let id = FIRST_SPECIAL_ID; id < MODEL_VOCAB_SIZE; id++) ids.add(id);
    allIds = ids;
  }
  return allIds;
}

function idsOf(option: "all" | Iterable<string>, name: string): Set<number> {
  if (option === "all") return new Set(allSpecialIds());
  if (typeof option === "string" || option == null || typeof (option as Iterable<string>)[Symbol.iterator] !== "function") {
    throw new KimiK2Error("invalid_options", `${name} must be "all" or an iterable of special-token strings (for example ["<|im_end|>"]).`);
  }
  const ids = new Set<number>();
  for (const s of option) {
    const id = typeof s === "string" ? specialTokenId(s) : undefined;
    if (id === undefined) {
      throw new KimiK2Error(
        "invalid_options",
        `${name} contains ${JSON.stringify(s)}, which is not a Kimi K2 special token. ` +
          `Use one of the 17 named tokens (such as ${JSON.stringify(specialTokenString(163586))}) or "<|reserved_token_N|>" for N in 163584..163839.`,
        { details: { option: name, value: s } },
      );
    }
    ids.add(id);
  }
  return ids;
}

/**
 * Resolves encode options the way tiktoken does: `allowedSpecial: "all"` allows every special
 * string; `disallowedSpecial: "all"` means every special string that is not allowed; an explicitly
 * disallowed string raises even when it is also allowed. Unlike tiktoken, nothing is disallowed by
 * default (special strings are plain text), and an unknown string is an error, not ignored.
 * Returns `undefined` when neither option asks for anything (the plain-text fast path).
 */
export function resolveSpecialPolicy(options: { allowedSpecial?: "all" | Iterable<string>; disallowedSpecial?: "all" | Iterable<string> } | undefined): SpecialPolicy | undefined {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== "object") {
    throw new KimiK2Error("invalid_options", "encode options must be an object such as { allowedSpecial: \"all\" }.");
  }
  const allowed = options.allowedSpecial === undefined ? new Set<number>() : idsOf(options.allowedSpecial, "allowedSpecial");
  let disallowed: Set<number>;
  if (options.disallowedSpecial === undefined) disallowed = new Set();
  else if (options.disallowedSpecial === "all") {
    disallowed = new Set([...allSpecialIds()].filter((id) => !allowed.has(id)));
  } else disallowed = idsOf(options.disallowedSpecial, "disallowedSpecial");
  if (allowed.size === 0 && disallowed.size === 0) return undefined;
  return { allowed, disallowed };
}

/** The error for a disallowed special-token string at a UTF-16 offset. */
export function disallowedSpecialError(occurrence: SpecialOccurrence): KimiK2Error {
  const token = specialTokenString(occurrence.id)!;
  return new KimiK2Error(
    "disallowed_special_token",
    `the text contains the special token ${JSON.stringify(token)} at offset ${occurrence.start}, which disallowedSpecial forbids. ` +
      `Pass it in allowedSpecial to encode it as its id (${occurrence.id}), or leave it out of disallowedSpecial to encode it as plain text.`,
    { details: { token, id: occurrence.id, offset: occurrence.start } },
  );
}
