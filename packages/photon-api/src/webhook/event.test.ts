import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseWebhookEvent } from "./event.js";

const base = {
  event: "messages",
  space: { id: "sp1", platform: "imessage", type: "dm", phone: "+15551234567" },
  message: { id: "m1", platform: "imessage", direction: "inbound", timestamp: "2026-01-01T00:00:00Z", sender: { id: "u1", platform: "imessage" }, space: { id: "sp1", platform: "imessage" }, content: { type: "text", text: "hi" } },
};

describe("parseWebhookEvent", () => {
  it("parses text, keeps extra fields and unknown content types", () => {
    const r = parseWebhookEvent(JSON.stringify({ ...base, extra: 1 }));
    expect(r).toMatchObject({ ok: true, event: { extra: 1, message: { content: { text: "hi" } } } });
    const u = parseWebhookEvent({ ...base, message: { ...base.message, content: { type: "sticker", blob: "x" } } });
    expect(u).toMatchObject({ ok: true, event: { message: { content: { type: "sticker", blob: "x" } } } });
    for (const content of [{ type: "attachment", id: "a", name: "f.png", mimeType: "image/png" }, { type: "richlink", url: "https://x" }, { type: "reaction", emoji: "👍", target: "m0" }, { type: "group", items: [] }]) {
      expect(parseWebhookEvent({ ...base, message: { ...base.message, content } }).ok).toBe(true);
    }
  });

  it("rejects malformed payloads with a reason", () => {
    expect(parseWebhookEvent("{")).toEqual({ ok: false, reason: "body is not valid JSON" });
    expect(parseWebhookEvent({ ...base, message: { ...base.message, id: 3 } })).toEqual({ ok: false, reason: "missing message.id" });
    expect(parseWebhookEvent({ ...base, message: { ...base.message, content: { type: "text" } } }).ok).toBe(false);
  });

  it("never throws on arbitrary input", () => {
    fc.assert(fc.property(fc.oneof(fc.anything(), fc.string(), fc.uint8Array()), (v) => { expect(typeof parseWebhookEvent(v).ok).toBe("boolean"); }), { numRuns: 300 });
  });
});
