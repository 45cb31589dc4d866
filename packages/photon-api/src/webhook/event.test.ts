import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseWebhookEvent } from "./event.js";

const base = {
  event: "messages",
  space: { id: "sp1", platform: "imessage", type: "dm", phone: "+15551234567" },
  message: {
    id: "m1",
    platform: "imessage",
    direction: "inbound",
    timestamp: "2026-01-01T00:00:00Z",
    sender: { id: "u1", platform: "imessage" },
    space: { id: "sp1", platform: "imessage" },
    content: { type: "text", text: "hi" },
  },
};

describe("parseWebhookEvent", () => {
  it("parses text, keeps extra fields and unknown content types", () => {
    const r = parseWebhookEvent(JSON.stringify({ ...base, extra: 1 }));
    expect(r).toMatchObject({
      ok: true,
      event: { extra: 1, message: { content: { text: "hi" } } },
    });
    const u = parseWebhookEvent({
      ...base,
      message: { ...base.message, content: { type: "sticker", blob: "x" } },
    });
    expect(u).toMatchObject({
      ok: true,
      event: { message: { content: { type: "sticker", blob: "x" } } },
    });
    for (const content of [
      { type: "attachment", id: "a", name: "f.png", mimeType: "image/png" },
      { type: "richlink", url: "https://x" },
      { type: "reaction", emoji: "👍", target: "m0" },
      { type: "group", items: [] },
    ]) {
      expect(parseWebhookEvent({ ...base, message: { ...base.message, content } }).ok).toBe(true);
    }
  });

  it("rejects malformed payloads with a reason", () => {
    expect(parseWebhookEvent("{")).toEqual({ ok: false, reason: "body is not valid JSON" });
    expect(parseWebhookEvent({ ...base, message: { ...base.message, id: 3 } })).toEqual({
      ok: false,
      reason: "missing message.id",
    });
    expect(
      parseWebhookEvent({ ...base, message: { ...base.message, content: { type: "text" } } }).ok,
    ).toBe(false);
  });

  it("never throws on adversarial bodies: deep nesting, long runs, lone surrogates, invalid UTF-8", () => {
    const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
    for (const body of [
      deep(500_000),
      `{"a":${deep(100_000)}}`,
      "{".repeat(1 << 20),
      '"'.repeat(1 << 20),
      `{"event":"messages","message":{"id":"${"\uD800".repeat(1000)}"}}`,
    ]) {
      const r = parseWebhookEvent(body);
      expect(r.ok).toBe(false);
      expect(typeof (r as { reason: string }).reason).toBe("string");
    }
    expect(parseWebhookEvent(Buffer.from("7b22ff22", "hex")).ok).toBe(false);
    const edge = fc.constantFrom("{", "}", "[", "]", '"', "\\", ":", ",", "0", " ", "\uD800", "🔌");
    const runs = fc
      .array(fc.tuple(edge, fc.integer({ min: 1, max: 3000 })), { maxLength: 6 })
      .map((parts) => parts.map(([ch, n]) => ch.repeat(n)).join(""));
    fc.assert(
      fc.property(runs, (v) => {
        expect(typeof parseWebhookEvent(v).ok).toBe("boolean");
      }),
      { numRuns: 200 },
    );
  });

  it("never throws on arbitrary input", () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string(), fc.uint8Array()), (v) => {
        expect(typeof parseWebhookEvent(v).ok).toBe("boolean");
      }),
      { numRuns: 300 },
    );
  });
});
