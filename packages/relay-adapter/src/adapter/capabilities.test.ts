import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { codePointLength, lengthFunctionFor, opSupported, supportsCodeBlocksFor } from "./capabilities.js";
import { ScopeMap } from "./scope-map.js";

describe("length functions", () => {
  it("codePointLength equals the number of code points (Python len) for any string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        expect(codePointLength(s)).toBe([...s].length);
      }),
    );
  });
  it("selects utf16 only for len_unit utf16", () => {
    expect(lengthFunctionFor("utf16")("🔌")).toBe(2);
    expect(lengthFunctionFor("chars")("🔌")).toBe(1);
    expect(lengthFunctionFor("whatever")("🔌")).toBe(1);
  });
  it("treats empty and plain dialects as no code blocks", () => {
    expect(supportsCodeBlocksFor("")).toBe(false);
    expect(supportsCodeBlocksFor("plain")).toBe(false);
    expect(supportsCodeBlocksFor("markdown_v2")).toBe(true);
  });
});

describe("opSupported", () => {
  it("applies the legacy rule to an empty list", () => {
    for (const op of ["send", "edit", "typing", "follow_up"]) expect(opSupported({ supported_ops: [] }, op)).toBe(true);
    for (const op of ["react", "prompt", "get_chat_info", "send_media"]) {
      expect(opSupported({ supported_ops: [] }, op)).toBe(false);
    }
  });
  it("honours only advertised ops otherwise", () => {
    expect(opSupported({ supported_ops: ["react"] }, "react")).toBe(true);
    expect(opSupported({ supported_ops: ["react"] }, "send")).toBe(false);
  });
});

describe("ScopeMap", () => {
  it("evicts the least recently seen chat beyond its cap", () => {
    const m = new ScopeMap(2);
    m.remember("a", "1");
    m.remember("b", "2");
    m.remember("a", "1");
    m.remember("c", "3");
    expect(m.size).toBe(2);
    expect(m.get("b")).toBeUndefined();
    expect(m.get("a")).toBe("1");
  });
  it("never throws on garbage sources and prefers scope_id over guild_id", () => {
    const m = new ScopeMap();
    for (const bad of [null, 1, "x", [], { chat_id: 5, guild_id: "g" }, { chat_id: "c" }]) m.capture(bad);
    expect(m.size).toBe(0);
    m.capture({ chat_id: "c", scope_id: "s", guild_id: "g" });
    expect(m.attach("c", undefined)).toEqual({ guild_id: "s", scope_id: "s" });
  });
});
