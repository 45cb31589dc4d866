import { eventFromWire } from "@hermes/relay-adapter";
import { describe, expect, it } from "vitest";
import { eventFromJournal } from "./gateway.js";

// The gateway journals an inbound turn as the frame's own text plus the platform its event was
// given; a restart must rebuild exactly the event the adapter handed over.
const frame = (source: Record<string, unknown>) => ({
  type: "inbound",
  buffer_id: "b1",
  event: {
    text: "héllo 👋",
    message_type: "text",
    message_id: "m1",
    source: { chat_id: "C1", chat_type: "group", user_id: "U1", user_name: "ada", ...source },
    media: [{ url: "https://cdn.example/a.png", kind: "image" }],
  },
});

describe("eventFromJournal", () => {
  it("rebuilds the adapter's event from a frame that names its platform", () => {
    const f = frame({ platform: "discord", guild_id: "G1" });
    const live = eventFromWire(f.event, { platform: "telegram" });
    expect(live.ok).toBe(true);
    const recorded = JSON.parse(JSON.stringify({ p: "discord", f }));
    expect(eventFromJournal(recorded)).toEqual(live.ok ? live.event : null);
  });

  it("rebuilds it with the platform the adapter assumed for a frame that names none", () => {
    const f = frame({});
    const live = eventFromWire(f.event, { platform: "telegram" });
    expect(live.ok && live.event.source.platform).toBe("telegram");
    expect(eventFromJournal({ p: "telegram", f })).toEqual(live.ok ? live.event : null);
  });

  it("is null for anything that is not such a record (the journal skips and counts it)", () => {
    for (const bad of [
      null,
      7,
      "x",
      {},
      { p: "discord" },
      { p: 1, f: frame({}) },
      { p: "d", f: {} },
    ])
      expect(eventFromJournal(bad)).toBeNull();
  });
});
