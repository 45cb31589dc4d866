import { eventFromWire, isUpstreamRelayEvent } from "@hermes/relay-adapter";
import { describe, expect, it } from "vitest";
import { authorize } from "./authorize.js";

// The real marker: relay-adapter stamps the events it builds from relay frames (eventFromWire).
const stampFromRelayFrame = (e: unknown) => {
  const r = eventFromWire(e);
  if (!r.ok) throw new Error(r.message);
  return r.event;
};

const relay = { authorizationIsUpstream: true };
const direct = { authorizationIsUpstream: false };
const ev = (platform: string, user: string) => ({
  text: "hi",
  source: { platform, chat_id: "c", chat_type: "dm", user_id: user },
});
const none = new Map<string, ReadonlySet<string>>();

describe("authorize (docs/contract/relay.md#authorization)", () => {
  it("admits a locally stamped relay event on an upstream adapter without an allowlist", () => {
    expect(
      authorize(relay, stampFromRelayFrame(ev("discord", "u1")), {
        allowedUsers: none,
        isUpstreamRelayEvent,
      }),
    ).toEqual({ ok: true, via: "upstream" });
  });

  it("a non-upstream adapter with no allowlist denies, even for a stamped event", () => {
    const r = authorize(direct, stampFromRelayFrame(ev("discord", "u1")), {
      allowedUsers: none,
      isUpstreamRelayEvent,
    });
    expect(r.ok).toBe(false);
  });

  it("a hand-built event cannot claim the marker (copies and marker-looking fields do not count)", () => {
    const real = stampFromRelayFrame(ev("discord", "u1"));
    const forged = { ...real, upstream: true, deliveredViaUpstreamRelay: true, __upstream: true };
    const r = authorize(relay, forged, { allowedUsers: none, isUpstreamRelayEvent });
    expect(r).toMatchObject({ ok: false });
    expect(
      authorize(relay, JSON.parse(JSON.stringify(real)), {
        allowedUsers: none,
        isUpstreamRelayEvent,
      }).ok,
    ).toBe(false);
  });

  it("an allowlist admits listed users (user_id or user_id_alt) and denies others", () => {
    const allowedUsers = new Map([["discord", new Set(["u1", "alt9"])]]);
    expect(authorize(direct, ev("Discord", "u1"), { allowedUsers, isUpstreamRelayEvent })).toEqual({
      ok: true,
      via: "allowlist",
    });
    const alt = { source: { platform: "discord", user_id: "x", user_id_alt: "alt9" } };
    expect(authorize(direct, alt, { allowedUsers, isUpstreamRelayEvent }).ok).toBe(true);
    expect(
      authorize(direct, ev("discord", "u2"), { allowedUsers, isUpstreamRelayEvent }),
    ).toMatchObject({ ok: false, reason: "user not in DISCORD_ALLOWED_USERS" });
    expect(authorize(direct, ev("slack", "u1"), { allowedUsers, isUpstreamRelayEvent }).ok).toBe(
      false,
    );
  });

  it("garbage events and a throwing marker check are denied, never thrown", () => {
    const boom = () => {
      throw new Error("x");
    };
    for (const e of [null, 42, "x", {}, { source: null }, { source: { platform: 3 } }]) {
      expect(authorize(relay, e, { allowedUsers: none, isUpstreamRelayEvent: boom }).ok).toBe(
        false,
      );
    }
  });
});
