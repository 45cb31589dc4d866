import { describe, expect, it } from "vitest";
import { ChatRoutes } from "./chat-routes.js";

describe("ChatRoutes", () => {
  it("evicts the least recently seen chat beyond its cap", () => {
    const m = new ChatRoutes(2);
    m.capture({ chat_id: "a", platform: "discord" });
    m.capture({ chat_id: "b", platform: "discord" });
    m.capture({ chat_id: "a", platform: "discord" });
    m.capture({ chat_id: "c", platform: "discord" });
    expect(m.size).toBe(2);
    expect(m.get("b")).toBeUndefined();
    expect(m.platformOf("a")).toBe("discord");
  });
  it("never throws on garbage sources and prefers scope_id over guild_id", () => {
    const m = new ChatRoutes();
    for (const bad of [null, 1, "x", [], { chat_id: "" }, { chat_id: {} }]) m.capture(bad);
    expect(m.size).toBe(0);
    m.capture({ chat_id: "c", scope_id: "s", guild_id: "g", user_id: "u", profile: "work" });
    expect(m.attach("c", undefined)).toEqual({
      guild_id: "s",
      scope_id: "s",
      user_id: "u",
      profile: "work",
    });
  });
  it("keeps what the caller set and what earlier events taught", () => {
    const m = new ChatRoutes();
    m.capture({ chat_id: "c", platform: "telegram", chat_type: "dm", user_id: "u1" });
    m.capture({ chat_id: "c", platform: "relay", chat_type: "dm" });
    expect(m.platformOf("c")).toBe("telegram");
    expect(m.attach("c", { user_id: "mine", thread_id: "t" })).toEqual({
      user_id: "mine",
      thread_id: "t",
    });
    expect(m.attach("unknown", { a: 1 })).toEqual({ a: 1 });
  });
});
