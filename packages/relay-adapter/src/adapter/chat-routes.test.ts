import { measureGrowth } from "@hermes/vitest-config/growth";
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
  it("learning new chats at the cap is linear (10x the chats, cap half of them ⇒ well under 20x the time)", () => {
    const run = (n: number): number => {
      const m = new ChatRoutes(n / 2);
      for (let i = 0; i < n; i++)
        m.capture({ chat_id: `c${i}`, platform: "discord", user_id: "u" });
      return m.size;
    };
    expect(run(10)).toBe(5);
    // The reference is the same work done the plainest linear way: a Map held at the cap by
    // deleting the oldest key by name. It hashes the same strings and keeps as many entries
    // alive (a table 10x larger and the keys' strings cost more per entry: 141 → 221 ns for a
    // plain Map from 2 000 to 20 000, which an array reference did not show).
    const growth = measureGrowth(run, 2_000, 20_000, {
      reference: (n: number) => {
        const live = new Map<string, object>();
        for (let i = 0; i < n; i++) {
          live.set(`c${i}`, { platform: "discord", user_id: "u" });
          if (live.size > n / 2) live.delete(`c${i - n / 2}`);
        }
        return live.size;
      },
    });
    expect(growth.ratio, JSON.stringify(growth)).toBeLessThan(growth.limit);
  });
});
