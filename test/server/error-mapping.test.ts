import { describe, expect, it } from "vitest";
import { KimiK2Error } from "../../src/errors.js";
import { paramOf, toHttpError } from "../../src/server/error-mapping.js";
import { HttpError } from "../../src/server/http-error.js";
import { UpstreamError } from "../../src/server/upstream-client.js";

describe("paramOf", () => {
  it.each([
    [{ messageIndex: 2, field: "tool_call_id" }, "messages[2].tool_call_id"],
    [{ messageIndex: 1, field: "tool_calls.id", callIndex: 0 }, "messages[1].tool_calls[0].id"],
    [{ messageIndex: 0, field: "content.text", partIndex: 3 }, "messages[0].content[3].text"],
    [{ messageIndex: 4, field: "message" }, "messages[4]"],
    [{ field: "tools" }, "tools"],
    [{ field: "request" }, null],
    [undefined, null],
  ])("%j is %s", (details, param) => {
    expect(paramOf(details)).toBe(param);
  });
});

describe("toHttpError", () => {
  const status = (e: unknown) => toHttpError(e)?.status;
  it("maps upstream failures: unreachable and garbage 502, timeout 504, the client's own refusals passed on, aborted nothing", () => {
    expect(status(new UpstreamError("unreachable", "x"))).toBe(502);
    expect(status(new UpstreamError("bad_response", "x"))).toBe(502);
    expect(status(new UpstreamError("timeout", "x"))).toBe(504);
    expect(status(new UpstreamError("status", "x", { status: 500 }))).toBe(502);
    expect(status(new UpstreamError("status", "x", { status: 401 }))).toBe(502);
    expect(status(new UpstreamError("status", "x", { status: 400 }))).toBe(400);
    expect(status(new UpstreamError("status", "x", { status: 429 }))).toBe(429);
    expect(toHttpError(new UpstreamError("aborted", "x"))).toBeUndefined();
  });

  it("a request the renderer refuses is a 400 with the path; anything else a 500", () => {
    const e = toHttpError(new KimiK2Error("invalid_request", "no id", { details: { messageIndex: 1, field: "tool_call_id" } }))!;
    expect([e.status, e.param, e.type]).toEqual([400, "messages[1].tool_call_id", "invalid_request_error"]);
    expect(status(new TypeError("bug"))).toBe(500);
    const own = new HttpError(413, "invalid_request_error", "big");
    expect(toHttpError(own)).toBe(own);
  });
});
