import { describe, expect, it } from "vitest";
import { ScopeMap } from "./scope-map.js";

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
