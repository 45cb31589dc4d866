import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { eventFromWire, isUpstreamRelayEvent, type RelayMessageEvent } from "./event.js";

const source = { platform: "discord", chat_id: "C1", chat_type: "group", user_id: "U1" };

function ok(raw: unknown): RelayMessageEvent {
  const r = eventFromWire(raw);
  if (!r.ok) throw new Error(`dropped: ${r.message}`);
  return r.event;
}

describe("eventFromWire", () => {
  it("prefers user_display_name, then user_name, then user_handle", () => {
    expect(
      ok({
        text: "",
        source: { ...source, user_display_name: "D", user_name: "N", user_handle: "H" },
      }).userDisplayName,
    ).toBe("D");
    expect(
      ok({
        text: "",
        source: { ...source, user_display_name: "", user_name: "N", user_handle: "H" },
      }).userDisplayName,
    ).toBe("N");
    expect(ok({ text: "", source: { ...source, user_handle: "H" } }).userDisplayName).toBe("H");
    expect(ok({ text: "", source }).userDisplayName).toBeNull();
  });

  it("resolves media types by url, never by position", () => {
    const e = ok({
      text: "",
      source,
      media_urls: ["https://x/b.ogg", "https://x/a.png", "https://x/unknown"],
      media: [
        { url: "https://x/a.png", kind: "image", mime: "image/png" },
        { url: "https://x/b.ogg", kind: "voice" },
      ],
    });
    expect(e.mediaTypes).toEqual(["voice", "image", ""]);
    expect(e.media[0]).toMatchObject({
      url: "https://x/a.png",
      kind: "image",
      mime: "image/png",
      size: null,
    });
  });

  it("renders context oldest first under the fixed header", () => {
    const e = ok({
      text: "now",
      source,
      context: [
        { author: "ann", text: "first" },
        { author: "bob", text: "second" },
        { text: "" },
        "junk",
      ],
    });
    expect(e.contextText).toBe("[Recent channel messages]\nann: first\nbob: second");
    expect(ok({ text: "", source, context: [] }).contextText).toBeNull();
  });

  it("turns unknown message types into text and keeps known ones", () => {
    expect(ok({ text: "", source, message_type: "hologram" }).messageType).toBe("text");
    expect(ok({ text: "", source, message_type: "command" }).messageType).toBe("command");
    expect(ok({ text: "", source, message_type: 7 }).messageType).toBe("text");
  });

  it("falls back from scope_id to the legacy guild_id and stringifies numeric ids", () => {
    const e = ok({ text: "", source: { ...source, chat_id: 123, guild_id: 456 } });
    expect(e.source.chat_id).toBe("123");
    expect(e.source.scope_id).toBe("456");
  });

  it("reads reply_to and prompt_response", () => {
    const e = ok({
      text: "",
      source,
      reply_to: { text: "q", author: "a", is_own: true },
      prompt_response: { prompt_id: "p", option_id: "o", label: "Yes" },
    });
    expect(e.replyTo).toEqual({ text: "q", author: "a", isOwn: true });
    expect(e.promptResponse).toEqual({
      promptId: "p",
      optionId: "o",
      label: "Yes",
      promptMessageId: null,
    });
    expect(ok({ text: "", source, prompt_response: { prompt_id: "p" } }).promptResponse).toBeNull();
  });

  it("uses the platform given by the caller when the source names none", () => {
    expect(
      eventFromWire(
        { text: "", source: { chat_id: "c", chat_type: "dm" } },
        { platform: "telegram" },
      ),
    ).toMatchObject({ ok: true, event: { source: { platform: "telegram" } } });
  });

  it.each([
    [null, "not_an_object"],
    [[], "not_an_object"],
    ["text", "not_an_object"],
    [{ text: "x" }, "bad_source"],
    [{ text: "x", source: { chat_type: "dm", platform: "p" } }, "bad_source"],
    [{ text: "x", source: { chat_id: "c", platform: "p" } }, "bad_source"],
    [{ text: "x", source: { chat_id: "c", chat_type: "dm" } }, "bad_source"],
  ])("drops %j as %s", (raw, reason) => {
    expect(eventFromWire(raw)).toMatchObject({ ok: false, reason });
  });

  it("stamps the upstream marker on its own events only", () => {
    const e = ok({ text: "hi", source, upstream: true, delivered_via_upstream_relay: true });
    expect(isUpstreamRelayEvent(e)).toBe(true);
    expect(isUpstreamRelayEvent({ ...e })).toBe(false);
    expect(isUpstreamRelayEvent(JSON.parse(JSON.stringify(e)))).toBe(false);
    expect(isUpstreamRelayEvent(structuredClone(e))).toBe(false);
    expect(isUpstreamRelayEvent(null)).toBe(false);
    expect(e).not.toHaveProperty("upstream");
  });

  it("never throws on any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        for (const raw of [
          a,
          { text: a, source: b },
          { text: "x", source: { ...source, user_id: a }, media: b, media_urls: a, context: b },
        ]) {
          const r = eventFromWire(raw);
          if (r.ok) {
            expect(r.event.mediaTypes).toHaveLength(r.event.mediaUrls.length);
            expect(typeof r.event.text).toBe("string");
          }
        }
      }),
    );
  });
});
