import { describe, expect, it } from "vitest";
import { normalizeInbound } from "./normalize.js";

const space = { id: "any;-;+15551234567", type: "dm" };
const message = (content: unknown, extra: Record<string, unknown> = {}) => ({
  id: "m1",
  direction: "inbound",
  sender: { id: "+15551234567" },
  timestamp: new Date("2026-01-02T03:04:05Z"),
  content,
  ...extra,
});

describe("normalizeInbound", () => {
  it("text", () => {
    expect(normalizeInbound(space, message({ type: "text", text: "hi" }))).toEqual({
      ok: true,
      event: {
        kind: "message",
        messageId: "m1",
        chatId: space.id,
        chatType: "dm",
        senderId: "+15551234567",
        timestamp: "2026-01-02T03:04:05.000Z",
        text: "hi",
        messageType: "text",
        media: [],
        replyToMessageId: null,
        promptResponse: null,
      },
    });
  });

  it("richlink becomes text carrying its URL (and title)", () => {
    const result = normalizeInbound(
      space,
      message({ type: "richlink", url: "https://example.com", title: "Example" }),
    );
    expect(result).toMatchObject({
      ok: true,
      event: { text: "Example\nhttps://example.com", messageType: "text" },
    });
  });

  it("attachment and voice become media, kinds from the MIME type", () => {
    expect(
      normalizeInbound(
        space,
        message({ type: "attachment", id: "a1", name: "p.jpg", mimeType: "image/jpeg", size: 10 }),
      ),
    ).toMatchObject({
      ok: true,
      event: {
        messageType: "image",
        text: "",
        media: [
          {
            attachmentId: "a1",
            kind: "image",
            mimeType: "image/jpeg",
            fileName: "p.jpg",
            size: 10,
          },
        ],
      },
    });
    expect(
      normalizeInbound(space, message({ type: "attachment", mimeType: "application/pdf" })),
    ).toMatchObject({ event: { messageType: "document" } });
    expect(
      normalizeInbound(space, message({ type: "voice", mimeType: "audio/x-m4a" })),
    ).toMatchObject({ event: { messageType: "voice", media: [{ kind: "voice" }] } });
  });

  it("a group is flattened; a reply is unwrapped with its target", () => {
    const group = {
      type: "group",
      items: [
        { content: { type: "text", text: "look" } },
        { content: { type: "attachment", mimeType: "image/png" } },
        { content: { type: "custom" } },
      ],
    };
    expect(normalizeInbound({ id: "any;+;chat1", type: "group" }, message(group))).toMatchObject({
      ok: true,
      event: { chatType: "group", text: "look", messageType: "image", media: [{ kind: "image" }] },
    });
    expect(
      normalizeInbound(
        space,
        message({ type: "reply", content: { type: "text", text: "yes" }, target: { id: "m0" } }),
      ),
    ).toMatchObject({ ok: true, event: { text: "yes", replyToMessageId: "m0" } });
  });

  it("a tapback is a reaction event, not a message", () => {
    expect(
      normalizeInbound(
        space,
        message({ type: "reaction", emoji: "👍", target: { id: "m0" } }, { id: "m0:reaction:7" }),
      ),
    ).toMatchObject({
      ok: true,
      event: { kind: "reaction", emoji: "👍", targetMessageId: "m0", messageId: "m0:reaction:7" },
    });
  });

  it("a poll tap is a prompt response", () => {
    expect(
      normalizeInbound(
        space,
        message({ type: "poll_option", option: { title: "Tuesday" }, selected: true }),
      ),
    ).toMatchObject({
      ok: true,
      event: {
        messageType: "prompt_response",
        text: "Tuesday",
        promptResponse: { title: "Tuesday", selected: true },
      },
    });
  });

  it("outbound echoes, read receipts, unknown content and garbage are ignored with a reason, never thrown", () => {
    expect(
      normalizeInbound(space, message({ type: "text", text: "x" }, { direction: "outbound" })),
    ).toEqual({ ok: false, reason: "outbound", contentType: "text" });
    expect(normalizeInbound(space, message({ type: "read", target: {} }))).toMatchObject({
      ok: false,
      reason: "read_receipt",
    });
    expect(normalizeInbound(space, message({ type: "sticker-of-the-future" }))).toEqual({
      ok: false,
      reason: "unsupported_content",
      contentType: "sticker-of-the-future",
    });
    expect(normalizeInbound(space, message({ type: "text", text: "" }))).toMatchObject({
      ok: false,
      reason: "unsupported_content",
    });
    expect(
      normalizeInbound(space, message({ type: "text", text: "x" }, { sender: undefined })),
    ).toMatchObject({ ok: false, reason: "missing_ids" });
    for (const garbage of [null, 42, "str", [], { content: 5 }])
      expect(normalizeInbound(garbage, garbage).ok).toBe(false);
    const deep: Record<string, unknown> = { type: "text", text: "bottom" };
    let nested: Record<string, unknown> = deep;
    for (let i = 0; i < 10_000; i++) nested = { type: "group", items: [{ content: nested }] };
    expect(normalizeInbound(space, message(nested))).toMatchObject({
      ok: false,
      reason: "unsupported_content",
    });
  });
});
