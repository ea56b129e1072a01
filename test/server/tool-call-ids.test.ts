import { describe, expect, it } from "vitest";
import { ToolCallIdTranslator } from "../../src/server/tool-call-ids.js";

describe("ToolCallIdTranslator", () => {
  it("passes new ids through when they clash with nothing", () => {
    const t = new ToolCallIdTranslator([{ modelId: "functions.get_weather:0", clientId: "call_8f2a91" }]);
    expect(t.toClient("functions.get_weather:1", "get_weather")).toBe("functions.get_weather:1");
  });

  it("gives a fresh id to a history id the model repeats (a new call, not the client's old one)", () => {
    const t = new ToolCallIdTranslator([{ modelId: "functions.get_weather:0", clientId: "call_8f2a91" }]);
    expect(t.toClient("functions.get_weather:0", "get_weather")).toBe("functions.get_weather:1");
  });

  it("gives a fresh id to a new id that equals one of the client's history ids", () => {
    const t = new ToolCallIdTranslator([{ modelId: "functions.get_weather:0", clientId: "functions.get_weather:1" }]);
    expect(t.toClient("functions.get_weather:1", "get_weather")).toBe("functions.get_weather:2");
  });

  it("never hands out the same id twice in one answer", () => {
    const t = new ToolCallIdTranslator([{ modelId: "functions.f:0", clientId: "call_a" }]);
    const ids = ["functions.f:0", "functions.f:0", "functions.g:1", "functions.g:1"].map((id) => t.toClient(id, id.slice(10, 11)));
    expect(ids).toEqual(["functions.f:1", "functions.f:2", "functions.g:1", "functions.g:3"]);
  });

  it("gives an empty id (a call header the model left empty) a fresh one", () => {
    const t = new ToolCallIdTranslator([]);
    expect(t.toClient("", "search")).toBe("functions.search:0");
    expect(t.toClient("", "search")).toBe("functions.search:1");
  });

  it("with no mapping, ids pass through except repeats", () => {
    const t = new ToolCallIdTranslator([]);
    expect(t.toClient("search:2", "search")).toBe("search:2");
    expect(t.toClient("search:2", "search")).toBe("functions.search:0");
  });

  it("gives a fresh id to a new id that a tool result already answers (its call trimmed from the history)", () => {
    const t = new ToolCallIdTranslator([], ["functions.get_weather:0", "call_x"]);
    expect(t.toClient("functions.get_weather:0", "get_weather")).toBe("functions.get_weather:1");
    expect(t.toClient("call_x", "get_weather")).toBe("functions.get_weather:2");
  });
});
