/**
 * fast-check generators of chat requests for the differential tests: Unicode (astral, combining,
 * controls, lone surrogates, special-token text), empty and null contents, content arrays with
 * images, names, custom roles, many tools with nested schemas, parallel calls, string and object
 * arguments, floats Python prints differently from JavaScript, integers beyond 2^53, integer-like
 * keys, tool results, with and without a system turn and the generation prompt.
 *
 * Characters come from a fixed pool: Python 3.11's `repr` escapes characters its Unicode 14
 * database does not know, so code points assigned later are kept out of generated text (the README
 * documents that limit).
 */
import fc from "fast-check";
import { JsonFloat, orderedObject, type JsonValue } from "../../src/template/json-value.js";
import { pyJsonDumps } from "../../src/template/py-format.js";
import { NAMED_SPECIAL_TOKENS, reservedTokenName } from "../../src/special-tokens.js";

const CHARS = [
  ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
  " ", " ", " ", "\n", "\t", "\r", '"', "'", "\\", "{", "}", "[", "]", "<", ">", "|", "%", "#", "~", ",", ":", ".", "-", "_", "/",
  "\u0000", "\u001f", "\u007f", "\u0085", "\u00a0", "\u00ad", "\u2028", "\u2029", "\u200b", "\ufeff", "\ufffd", "\u3000",
  "é", "ß", "Σ", "ǆ", "ﬁ", "İ", "中", "文", "日", "本", "한", "ع", "א", "😀", "👍🏽", "𝕏", "\u0301", "\ud800", "\udc00",
];

const SPECIAL_STRINGS = [
  ...NAMED_SPECIAL_TOKENS.map((t) => t.content),
  reservedTokenName(163600),
  "<|media_start|>",
  "{{ x }}",
  "{% if %}",
  "functions.f:0",
  "## Return of ",
  "</think>",
];

/** Short text mixing the character pool and special-token strings. */
export const text = (maxLength = 12): fc.Arbitrary<string> =>
  fc
    .array(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...CHARS) }, { weight: 1, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) }), { maxLength })
    .map((a) => a.join(""));

const key = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("type", "description", "properties", "items", "required", "enum", "a", "b", "B", "é", "😀", "z_1") },
  { weight: 2, arbitrary: fc.constantFrom("0", "1", "2", "10", "01", "-1", "4294967295", "__proto__") },
  { weight: 1, arbitrary: text(6) },
);

const integralFloat = fc
  .constantFrom(0, -0, 1, -1, 2, 100, 1e15, 1e16, 1e22, 2 ** 53, 123456789012, 1e300, -7)
  .map((x) => new JsonFloat(x));

const scalar: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -1000, max: 1000 }),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map((b) => (b >= -(2n ** 53n) && b <= 2n ** 53n ? Number(b) : b)),
  fc.double({ noDefaultInfinity: false }).map((x) => (Number.isInteger(x) ? new JsonFloat(x) : x)),
  fc.constantFrom(0.1, 1e-7, 1.5e-5, 0.0001, 1.5e16, 3.14159, -2.5),
  integralFloat,
  text(8),
);

/** Any JSON value (nested arrays and objects with integer-like keys). */
export const jsonValue: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue; arr: JsonValue[]; obj: JsonValue }>((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalar, tie("arr"), tie("obj")),
  arr: fc.array(tie("value"), { maxLength: 4 }),
  obj: fc.array(fc.tuple(key, tie("value")), { maxLength: 4 }).map((entries) => orderedObject(entries)),
})).value;

const jsonObject: fc.Arbitrary<JsonValue> = fc.array(fc.tuple(key, jsonValue), { maxLength: 5 }).map((e) => orderedObject(e));

const toolName = fc.oneof(fc.constantFrom("get_weather", "search", "mcp__github__create-issue", "my.ns.tool", "f", "工具"), text(6));

const tool = fc.record(
  {
    type: fc.constantFrom("function", "function", "retrieval"),
    function: fc.record(
      {
        name: toolName,
        description: text(20),
        parameters: fc.record({ type: fc.constant("object"), properties: jsonObject, required: fc.array(key, { maxLength: 3 }) }, { requiredKeys: ["type"] }),
        strict: fc.boolean(),
      },
      { requiredKeys: ["name"] },
    ),
  },
  { requiredKeys: ["type", "function"] },
);

const textPart = fc.record({ type: fc.constant("text"), text: text(10) });
const imagePart = fc.oneof(
  fc.record({ type: fc.constant("image_url"), image_url: fc.oneof(fc.record({ url: text(6) }, { requiredKeys: ["url"] }), text(5)) }),
  fc.record({ type: fc.constant("image"), image: text(4) }),
);
const parts = fc.array(fc.oneof({ weight: 3, arbitrary: textPart }, { weight: 1, arbitrary: imagePart }), { maxLength: 4 });
const content = fc.oneof({ weight: 5, arbitrary: text(16) }, { weight: 2, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: parts }, { weight: 1, arbitrary: fc.constant("") });

const argumentsValue = fc.oneof(
  { weight: 2, arbitrary: jsonObject.map((o) => pyJsonDumps(o)) },
  { weight: 1, arbitrary: text(12) },
  { weight: 3, arbitrary: jsonObject },
  { weight: 1, arbitrary: jsonValue },
);

const callId = fc.oneof(fc.constantFrom("functions.get_weather:0", "call_abc123", "search:0", "", "functions.f:12"), text(8));

const toolCall = fc.record({
  id: callId,
  type: fc.constant("function"),
  function: fc.record({ name: toolName, arguments: argumentsValue }),
});

const name = fc.oneof(text(6), fc.constant(""), fc.constant(null));

const userMsg = fc.record({ role: fc.constant("user"), content, name }, { requiredKeys: ["role", "content"] });
const systemMsg = fc.record({ role: fc.constant("system"), content, name }, { requiredKeys: ["role", "content"] });
const assistantMsg = fc.record(
    {
      role: fc.constant("assistant"),
      content,
      name,
      tool_calls: fc.oneof({ weight: 4, arbitrary: fc.array(toolCall, { minLength: 1, maxLength: 3 }) }, { weight: 1, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.constant(null) }),
    },
    { requiredKeys: ["role"] },
);
const toolMsg = fc.record({ role: fc.constant("tool"), tool_call_id: callId, content, name }, { requiredKeys: ["role", "tool_call_id"] });
const customMsg = fc.record({ role: fc.constantFrom("_input", "developer", "function", "observation", "ipython", "工具", ""), content, name }, { requiredKeys: ["role", "content"] });

const anyMessage = fc.oneof({ weight: 4, arbitrary: userMsg }, { weight: 4, arbitrary: assistantMsg }, { weight: 3, arbitrary: toolMsg }, { weight: 1, arbitrary: systemMsg }, { weight: 1, arbitrary: customMsg });

/** A valid chat request (passes validation). */
export const chatRequest: fc.Arbitrary<Record<string, JsonValue>> = fc
  .record(
    {
      system: fc.option(systemMsg, { nil: undefined }),
      messages: fc.array(anyMessage, { maxLength: 8 }),
      tools: fc.oneof({ weight: 3, arbitrary: fc.array(tool, { minLength: 1, maxLength: 4 }) }, { weight: 1, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.constant(null) }),
      add_generation_prompt: fc.boolean(),
      temperature: fc.oneof(integralFloat, fc.constant(0.7)),
    },
    { requiredKeys: ["messages"] },
  )
  .map(({ system, messages, ...rest }) => {
    const req: Record<string, unknown> = { messages: system ? [system, ...messages] : messages };
    for (const [k, v] of Object.entries(rest)) if (v !== undefined) req[k] = v;
    return req as Record<string, JsonValue>;
  });

/** Requests the validator rejects but Python renders or raises on: for the `validate: false` path. */
export const malformedRequest: fc.Arbitrary<Record<string, JsonValue>> = fc
  .record({
    messages: fc.array(
      fc.oneof(
        anyMessage as fc.Arbitrary<JsonValue>,
        jsonObject,
        fc.record({ role: fc.oneof(fc.integer(), fc.constant(null)), content: jsonValue }, { requiredKeys: [] }),
        fc.record({ role: fc.constantFrom("user", "assistant", "tool"), content: fc.oneof(jsonValue, fc.array(fc.oneof(text(4), jsonObject, fc.integer()), { maxLength: 3 })) }),
        fc.record({ role: fc.constant("assistant"), tool_calls: fc.oneof(jsonValue, fc.array(jsonObject, { maxLength: 2 })) }),
      ),
      { maxLength: 5 },
    ),
    tools: fc.oneof(fc.constant(undefined), jsonValue, fc.array(jsonValue, { maxLength: 3 })),
    add_generation_prompt: fc.oneof(fc.constant(undefined), jsonValue),
  })
  .map((r) => {
    const req: Record<string, JsonValue> = { messages: r.messages };
    if (r.tools !== undefined) req.tools = r.tools;
    if (r.add_generation_prompt !== undefined) req.add_generation_prompt = r.add_generation_prompt;
    return req;
  });

/** The request as JSON text Python reads back exactly (ASCII-only, so lone surrogates travel as escapes). */
export function requestLine(req: unknown): string {
  return pyJsonDumps(req, { ensureAscii: true });
}
