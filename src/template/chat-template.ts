/**
 * Compiled chat templates and the check that decides whether the native engine may render for one.
 *
 * @packageDocumentation
 */
import { KimiK2Error } from "../errors.js";
import { jinjaSegments, nativeSegments } from "./engines.js";
import { compileJinja, type JinjaProgram } from "./jinja.js";
import { lexTemplate } from "./jinja-lexer.js";
import { PROFILE_0905, PROFILE_0905_DEFAULT_SEPARATORS, type NativeProfile } from "./native.js";
import { PROBES } from "./probes.js";
import { sha256Hex } from "./sha256.js";

/** How a template came to be rendered natively, or why not. */
export type TemplateVerification =
  /** Its SHA-256 is one of the known 0905 template files. */
  | "known-hash"
  /**
   * The template has the 0905 rules' structure (the same tokens apart from text and whitespace),
   * and the Jinja engine rendered every probe request exactly as the native engine does.
   */
  | "probes"
  /** At least one probe rendered differently (or raised): the Jinja engine renders it. */
  | "not-equivalent";

/**
 * SHA-256 of template files known to be the 0905 rules: the October 2025 fix as reconstructed in
 * `chat_template.jinja`, and the same with default tool separators. (The bytes of the Hub file are
 * not verified; any file that behaves the same is recognised by the probes instead.)
 */
const KNOWN_TEMPLATES: ReadonlyMap<string, NativeProfile> = new Map([
  ["66683f1602095315a26e5f6682f905790325c83ba8c9693147d0e31761cb7759", PROFILE_0905],
  ["7bd02c44e292cc0d5ff25fdefc659acf2fbb8659259c3c12b0b8e06f5bceeeb2", PROFILE_0905_DEFAULT_SEPARATORS],
]);

/** A chat template compiled once and reused for every render. Made by {@link compileTemplate}. */
export class ChatTemplate {
  /** @internal Use {@link compileTemplate}. */
  constructor(
    /** The template source as given. */
    readonly source: string,
    /** Lower-case hex SHA-256 of the source's UTF-8 bytes. */
    readonly sha256: string,
    /** The native engine's rules variant when it is verified for this template, else `null`. */
    readonly nativeProfile: NativeProfile | null,
    /** How the native engine was (or was not) verified. */
    readonly verification: TemplateVerification,
    /** @internal The compiled Jinja program. */
    readonly program: JinjaProgram,
  ) {
    Object.freeze(this);
  }
}

/**
 * Fingerprints of the 0905 rules' structure: the SHA-256 of the template's token stream with every
 * run of template text replaced by a marker (see {@link structureFingerprint}). A template of unknown
 * hash may go native only if its structure is one of these: the same statements, expressions,
 * names, literals and operators in the same order, so it reads the same fields and takes the same
 * branches on every request; only the text between them (and whitespace control) may differ, and
 * the probes, which exercise every branch, show whether that text renders the same. A check of the
 * names alone let an edit such as `{% if formatted_id[0] == ':' %}!{% endif %}` (0905 names only)
 * through: no probe id starts with ':', so the probes passed and the native engine dropped the "!".
 */
const KNOWN_STRUCTURES: ReadonlyMap<string, NativeProfile> = new Map([
  ["3cce5d01b3a25ff5f4ba6760a73566bb1b07d7d76d10bc9687173b22f642d01f", PROFILE_0905],
  ["898daf23be56bad1be75ebb300c2de9ffed682bf83767a72d6c25385060dee82", PROFILE_0905_DEFAULT_SEPARATORS],
]);

/** SHA-256 of the template's tokens, each run of non-empty text reduced to one `Text` marker. */
function structureFingerprint(source: string): string {
  const parts: string[] = [];
  for (const token of lexTemplate(source)) {
    if (token.type !== "Text") parts.push(`${token.type}:${token.value}`);
    else if (token.value !== "" && parts[parts.length - 1] !== "Text") parts.push("Text");
  }
  return sha256Hex(parts.join("\n"));
}

function segmentsText(segs: readonly { text: string }[]): string {
  let s = "";
  for (const x of segs) s += x.text;
  return s;
}

/** Renders every probe with both engines; true when all texts match. */
function probesMatch(program: JinjaProgram, profile: NativeProfile): boolean {
  for (const request of PROBES) {
    for (const agp of [true, false]) {
      const input = { request, addGenerationPrompt: agp, semantics: "raw" as const, now: () => new Date(0) };
      let jinja: string;
      try {
        jinja = segmentsText(jinjaSegments(program, input));
      } catch {
        return false;
      }
      if (jinja !== segmentsText(nativeSegments(input, profile))) return false;
    }
  }
  return true;
}

const verified = new Map<string, NativeProfile | null>();
const MAX_VERIFIED = 64;

/** Options of {@link compileTemplate}. */
export interface CompileTemplateOptions {
  /** Run the probe check for an unknown template (default true). Without it only known hashes go native. */
  probe?: boolean;
}

/**
 * Compiles a chat template (`chat_template.jinja`, or `chat_template` from `tokenizer_config.json`)
 * and decides whether the native engine is verified for it: a known hash, or the 0905 rules'
 * structure (tokens apart from text) and every probe request rendering identically with both
 * engines. Results are cached by hash.
 *
 * @throws {@link KimiK2Error} `template_error` when the template does not parse,
 *   `template_unsupported` when it uses a construct the Jinja engine refuses.
 */
export function compileTemplate(source: string, options: CompileTemplateOptions = {}): ChatTemplate {
  if (typeof source !== "string") {
    throw new KimiK2Error("invalid_options", `the template must be a string of Jinja source, got ${typeof source}. Load it with loadChatTemplate() or readChatTemplate().`);
  }
  const program = compileJinja(source);
  const sha256 = sha256Hex(source);
  let profile: NativeProfile | null = KNOWN_TEMPLATES.get(sha256) ?? null;
  let verification: TemplateVerification = profile ? "known-hash" : "not-equivalent";
  if (!profile && options.probe !== false) {
    let cached = verified.get(sha256);
    if (cached === undefined) {
      const candidate = KNOWN_STRUCTURES.get(structureFingerprint(source));
      cached = candidate !== undefined && probesMatch(program, candidate) ? candidate : null;
      if (verified.size >= MAX_VERIFIED) verified.delete(verified.keys().next().value as string);
      verified.set(sha256, cached);
    }
    profile = cached;
    if (profile) verification = "probes";
  }
  return new ChatTemplate(source, sha256, profile, verification, program);
}
