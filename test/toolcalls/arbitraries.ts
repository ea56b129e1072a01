/**
 * fast-check arbitraries shared by the parser's property tests: marker-dense strings, valid outputs
 * in the template's shape, mutated outputs, id sequences, and the option sets the properties run
 * under. Runs scale with FC_SCALE; FC_SEED replays a failure (fast-check prints the seed).
 */
import fc from "fast-check";
import { MARKER_SPELLINGS, type ToolCallParserOptions } from "../../src/toolcalls/index.js";
import { runs } from "../helpers/shared.js";
import { renderAssistant } from "./helpers.js";

const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
/** fast-check parameters: `n` runs scaled by FC_SCALE, and FC_SEED when set. */
export const params = (n: number) => ({ numRuns: runs(n), ...(seed === undefined ? {} : { seed }) });

const TOOLS = [
  { type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } },
  { type: "function" as const, function: { name: "read" } },
];

/** Option sets the properties run under. */
export const optionSets: ToolCallParserOptions[] = [
  {},
  { tools: TOOLS, resolveNames: true },
  { textAfterSection: "drop" },
  { tool_choice: "none" },
  { parallel_tool_calls: false, tool_choice: "required", repair: true },
];
/** One of the option sets. */
export const arbOptions = fc.constantFrom(...optionSets);

const markerTexts = [...MARKER_SPELLINGS.map((m) => m.text)];
const arbMarker = fc.constantFrom(...markerTexts);
export const arbMarkerPrefix = arbMarker.chain((m) => fc.integer({ min: 1, max: m.length - 1 }).map((k) => m.slice(0, k)));
const arbPiece = fc.constantFrom(
  "functions.get_weather:0",
  "functions.read:1",
  "call00003",
  "functions<read",
  '{"city": "Beijing"}',
  '"{\\"city\\": \\"x\\"}"',
  " ",
  "\n",
  "\r\n",
  "<",
  "<|",
  "|>",
  "a",
  "😀",
  "\uD83D",
  "北京",
  "{",
  "}",
  '"',
);

/** Strings dense in markers, marker prefixes, whitespace and multi-unit characters. */
export const arbMarkerHeavy = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: arbMarker },
      { weight: 1, arbitrary: arbMarkerPrefix },
      { weight: 4, arbitrary: arbPiece },
      { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 6 }) },
    ),
    { maxLength: 30 },
  )
  .map((a) => a.join(""));

const arbName = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/),
  fc.stringMatching(/^[a-z]{1,4}(\.[a-z]{1,4}){1,2}$/),
  fc.stringMatching(/^mcp__[a-z]{1,6}__[a-z]{1,6}-[a-z]{1,6}$/),
);
// ASCII strings (fast-check's default) and any Unicode grapheme (CJK, emoji: characters that take
// several UTF-16 units and several UTF-8 bytes, split by 1-character and token deltas).
const arbArgs = fc.oneof(
  fc.json({ maxDepth: 2 }),
  fc.json({ maxDepth: 2, stringUnit: "grapheme" }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }).map((o) => JSON.stringify(o, null, 2)),
  fc.dictionary(fc.string({ unit: "grapheme", maxLength: 5 }), fc.jsonValue({ maxDepth: 1, stringUnit: "grapheme" }), { maxKeys: 3 }).map((o) => JSON.stringify(o)),
);
/** A call: name, model index and arguments. */
export const arbCall = fc.record({ name: arbName, n: fc.nat(30), args: arbArgs });
/** Content without marker text (so the expected result is known), ASCII or any graphemes. */
export const arbContent = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: "grapheme", maxLength: 20 })).filter((s) => !s.includes("<|"));

/**
 * A valid output: content then a section of calls, in the template's shape, with optional
 * whitespace after (and before) every marker and an optional turn end.
 */
export const arbValid = fc
  .record({
    content: arbContent,
    calls: fc.array(arbCall, { maxLength: 4 }),
    ws: fc.constantFrom("", "\n", " \r\n "),
    before: fc.boolean(),
    turnEnd: fc.constantFrom("", "<|im_end|>"),
  })
  .map(({ content, calls, ws, before, turnEnd }) => {
    const text = renderAssistant(content, calls.map((c) => ({ id: `functions.${c.name}:${c.n}`, arguments: c.args }))) + turnEnd;
    return ws === "" ? text : text.replace(/<\|[a-z_]+\|>/g, (m) => `${before ? ws : ""}${m}${ws}`);
  });

/** Splits `text` into markers and the text between them. */
function tokensOf(text: string): string[] {
  return text.split(/(<\|[a-z_0-9]+\|>)/).filter((t) => t !== "");
}

/** A valid output mutated: markers deleted, duplicated, reordered, and truncated anywhere. */
export const arbMutated = fc
  .tuple(arbValid, fc.array(fc.tuple(fc.constantFrom("delete", "duplicate", "swap"), fc.nat()), { maxLength: 4 }), fc.option(fc.nat()))
  .map(([text, mutations, truncate]) => {
    const toks = tokensOf(text);
    for (const [kind, at] of mutations) {
      if (toks.length === 0) break;
      const i = at % toks.length;
      if (kind === "delete") toks.splice(i, 1);
      else if (kind === "duplicate") toks.splice(i, 0, toks[i]!);
      else if (i + 1 < toks.length) [toks[i], toks[i + 1]] = [toks[i + 1]!, toks[i]!];
    }
    const s = toks.join("");
    return truncate === null ? s : s.slice(0, truncate % (s.length + 1));
  });

/** Any input: marker-dense strings, valid and mutated outputs, arbitrary strings. */
export const arbInput = fc.oneof(arbMarkerHeavy, arbValid, arbMutated, fc.string({ unit: "binary", maxLength: 60 }));

/** Arbitrary id sequences: bytes, fake multi-byte pieces, markers, turn ends, other specials, invalid ids. */
export const arbIds = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 255 }) },
    { weight: 3, arbitrary: fc.integer({ min: 1000, max: 1015 }) },
    { weight: 3, arbitrary: fc.integer({ min: 163595, max: 163599 }) },
    { weight: 1, arbitrary: fc.constantFrom(163585, 163586) },
    { weight: 1, arbitrary: fc.integer({ min: 163584, max: 163839 }) },
    { weight: 1, arbitrary: fc.oneof(fc.integer({ min: 163840, max: 170000 }), fc.integer({ min: -5, max: -1 }), fc.double()) },
  ),
  { maxLength: 40 },
);
