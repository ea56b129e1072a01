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
   * The template uses only the names of the 0905 rules, and the Jinja engine rendered every probe
   * request exactly as the native engine does.
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
 * The names (variables, attributes, keywords, filters, tests) and string literals of the 0905 rules.
 * The probes show what a template does with the fields they carry; a template that also reads a
 * field or variable no probe carries (`reasoning_content`, `thinking`, `tool_choice`...) may render
 * it where the native engine drops it. So a template of unknown hash goes native only if it uses no
 * other name; one that does, or merely renames a variable, renders with the Jinja engine.
 */
const NATIVE_NAMES: ReadonlySet<string> = new Set(
  ("add_generation_prompt and c content elif else endfor endif endmacro first for formatted_id get if in is loop macro message " +
    "messages msg none not or render_content role_name separators set string tojson tool_call tool_call_id tools").split(" "),
);
const NATIVE_LITERALS: ReadonlySet<string> = new Set([
  ",", ":", "arguments", "assistant", "content", "function", "id", "image", "image_url", "name", "role", "system", "text", "tool", "tool_calls", "type", "user",
]);

/** True when every name and string literal of the template is one the 0905 rules use. */
function usesOnlyNativeNames(source: string): boolean {
  for (const token of lexTemplate(source)) {
    if (token.type === "Identifier" && !NATIVE_NAMES.has(token.value)) return false;
    if (token.type === "StringLiteral" && !NATIVE_LITERALS.has(token.value)) return false;
  }
  return true;
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
 * and decides whether the native engine is verified for it: a known hash, or only the 0905 rules'
 * names used and every probe request rendering identically with both engines. Results are cached
 * by hash.
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
      cached = usesOnlyNativeNames(source) ? ([PROFILE_0905, PROFILE_0905_DEFAULT_SEPARATORS].find((p) => probesMatch(program, p)) ?? null) : null;
      if (verified.size >= MAX_VERIFIED) verified.delete(verified.keys().next().value as string);
      verified.set(sha256, cached);
    }
    profile = cached;
    if (profile) verification = "probes";
  }
  return new ChatTemplate(source, sha256, profile, verification, program);
}
