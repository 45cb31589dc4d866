import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildSessionKey, sessionNamespace } from "./session-key.js";

describe("sessionNamespace", () => {
  it("maps the default profile to agent:main", () => {
    expect(sessionNamespace(null)).toBe("agent:main");
    expect(sessionNamespace(undefined)).toBe("agent:main");
    expect(sessionNamespace("default")).toBe("agent:main");
  });
  it("keeps a profile named main apart from the default one", () => {
    expect(sessionNamespace("main")).toBe("agent:main~");
  });
  it("uses any other profile verbatim", () => {
    expect(sessionNamespace("work")).toBe("agent:work");
  });
});

describe("buildSessionKey (docs/contract/relay.md#session-keys)", () => {
  it("reproduces the spec examples", () => {
    expect(
      buildSessionKey({
        platform: "discord",
        chat_type: "group",
        chat_id: "chanA",
        user_id: "userX",
      }),
    ).toBe("agent:main:discord:group:chanA:userX");
    expect(
      buildSessionKey({
        platform: "slack",
        chat_type: "group",
        chat_id: "chanA",
        user_id: "userX",
      }),
    ).toBe("agent:main:slack:group:chanA:userX");
  });

  it("puts the namespace of the profile first", () => {
    const src = { platform: "discord", chat_type: "group", chat_id: "c", user_id: "u" };
    expect(buildSessionKey({ ...src, profile: "main" })).toBe("agent:main~:discord:group:c:u");
    expect(buildSessionKey({ ...src, profile: "ops" })).toBe("agent:ops:discord:group:c:u");
    expect(buildSessionKey({ ...src, profile: "default" })).toBe("agent:main:discord:group:c:u");
  });

  it("inserts scope_id after the chat type for Slack only", () => {
    expect(
      buildSessionKey({
        platform: "slack",
        chat_type: "group",
        chat_id: "c",
        user_id: "u",
        scope_id: "T1",
      }),
    ).toBe("agent:main:slack:group:T1:c:u");
    expect(
      buildSessionKey({
        platform: "discord",
        chat_type: "group",
        chat_id: "c",
        user_id: "u",
        scope_id: "G1",
      }),
    ).toBe("agent:main:discord:group:c:u");
    expect(
      buildSessionKey({
        platform: "slack",
        chat_type: "dm",
        chat_id: "D1",
        user_id: "u",
        scope_id: "T1",
      }),
    ).toBe("agent:main:slack:dm:T1:D1");
  });

  it("prefers user_id_alt over user_id as the participant", () => {
    expect(
      buildSessionKey({
        platform: "telegram",
        chat_type: "group",
        chat_id: "c",
        user_id: "u",
        user_id_alt: "alt",
      }),
    ).toBe("agent:main:telegram:group:c:alt");
  });

  describe("DMs", () => {
    it("keys on chat_id and leaves the participant out", () => {
      expect(
        buildSessionKey({ platform: "discord", chat_type: "dm", chat_id: "D1", user_id: "u" }),
      ).toBe("agent:main:discord:dm:D1");
    });
    it("keys on the participant only when chat_id is empty", () => {
      expect(
        buildSessionKey({ platform: "discord", chat_type: "dm", chat_id: "", user_id: "u" }),
      ).toBe("agent:main:discord:dm:u");
      expect(
        buildSessionKey({
          platform: "discord",
          chat_type: "dm",
          chat_id: "",
          user_id: "u",
          user_id_alt: "a",
        }),
      ).toBe("agent:main:discord:dm:a");
    });
    it("appends thread_id but ignores prospective_thread_id", () => {
      expect(
        buildSessionKey({ platform: "slack", chat_type: "dm", chat_id: "D1", thread_id: "t1" }),
      ).toBe("agent:main:slack:dm:D1:t1");
      expect(
        buildSessionKey({
          platform: "slack",
          chat_type: "dm",
          chat_id: "D1",
          prospective_thread_id: "p1",
        }),
      ).toBe("agent:main:slack:dm:D1");
    });
  });

  describe("non-DMs", () => {
    it("adds the participant by default and not when group_sessions_per_user is off", () => {
      const src = { platform: "discord", chat_type: "channel", chat_id: "c", user_id: "u" };
      expect(buildSessionKey(src)).toBe("agent:main:discord:channel:c:u");
      expect(buildSessionKey(src, { groupSessionsPerUser: false })).toBe(
        "agent:main:discord:channel:c",
      );
    });
    it("shares a thread between participants unless thread_sessions_per_user", () => {
      const src = {
        platform: "discord",
        chat_type: "thread",
        chat_id: "c",
        thread_id: "t",
        user_id: "u",
      };
      expect(buildSessionKey(src)).toBe("agent:main:discord:thread:c:t");
      expect(buildSessionKey(src, { threadSessionsPerUser: true })).toBe(
        "agent:main:discord:thread:c:t:u",
      );
      expect(
        buildSessionKey(src, { threadSessionsPerUser: true, groupSessionsPerUser: false }),
      ).toBe("agent:main:discord:thread:c:t");
    });
    it("uses prospective_thread_id as the thread and switches the type slot to thread", () => {
      expect(
        buildSessionKey({
          platform: "slack",
          chat_type: "group",
          chat_id: "c",
          prospective_thread_id: "p",
          user_id: "u",
        }),
      ).toBe("agent:main:slack:thread:c:p");
    });
    it("prefers thread_id over prospective_thread_id and keeps the chat type", () => {
      expect(
        buildSessionKey({
          platform: "slack",
          chat_type: "group",
          chat_id: "c",
          thread_id: "t",
          prospective_thread_id: "p",
        }),
      ).toBe("agent:main:slack:group:c:t");
    });
    it("omits an absent participant rather than writing an empty segment", () => {
      expect(buildSessionKey({ platform: "discord", chat_type: "group", chat_id: "c" })).toBe(
        "agent:main:discord:group:c",
      );
    });
  });

  it("is deterministic and never has empty segments for non-empty ids", () => {
    const id = fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !s.includes(":"));
    const opt = fc.option(id, { nil: null });
    fc.assert(
      fc.property(
        fc.record({
          platform: fc.constantFrom("discord", "slack", "telegram"),
          chat_type: fc.constantFrom("dm", "group", "channel", "thread", "forum"),
          chat_id: opt,
          user_id: opt,
          user_id_alt: opt,
          thread_id: opt,
          prospective_thread_id: opt,
          scope_id: opt,
          profile: opt,
        }),
        fc.boolean(),
        fc.boolean(),
        (src, g, t) => {
          const key = buildSessionKey(src, { groupSessionsPerUser: g, threadSessionsPerUser: t });
          expect(key).toBe(
            buildSessionKey({ ...src }, { groupSessionsPerUser: g, threadSessionsPerUser: t }),
          );
          expect(key.split(":").every((p) => p !== "")).toBe(true);
          expect(key.startsWith("agent:")).toBe(true);
        },
      ),
    );
  });
});

describe("profileFromSessionKey", () => {
  it("inverts the namespace rule", async () => {
    const { profileFromSessionKey, buildSessionKey } = await import("./session-key.js");
    expect(profileFromSessionKey("agent:main:discord:group:c:u")).toBeNull();
    expect(profileFromSessionKey("agent:main~:discord:dm:c")).toBe("main");
    expect(profileFromSessionKey("agent:work:discord:dm:c")).toBe("work");
    expect(
      profileFromSessionKey(
        buildSessionKey({ platform: "telegram", chat_type: "dm", chat_id: "1", profile: "ops" }),
      ),
    ).toBe("ops");
    for (const junk of ["", "agent", "agent::x", "main:discord", "x:y:z"])
      expect(profileFromSessionKey(junk)).toBeNull();
  });
});
